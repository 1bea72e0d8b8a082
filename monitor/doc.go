// Package monitor turns news feeds into items: it fetches feeds politely over
// HTTP, parses them with gofeed, gives every item a stable identity and a
// canonical URL, groups copies of one report into stories, and runs the poll
// cycle that matches new items and hands them to storage.
package monitor
