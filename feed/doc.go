// Package feed is everything between a feed's URL and its items: polite,
// bounded HTTP fetching (conditional GETs, redirects, Retry-After, size and
// time limits), charset detection, parsing with gofeed, HTML to plain text,
// and each item's identity within its feed (Key) and across feeds
// (CanonicalURL). It knows nothing of watches, stories or storage.
package feed
