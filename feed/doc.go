// Package feed is everything between a feed's URL and its items: polite,
// bounded HTTP fetching (conditional GETs, redirects, Retry-After, size and
// time limits), charset detection, parsing with gofeed, HTML to plain text,
// and each item's identity within its feed (Key) and across feeds
// (CanonicalURL). It also reads what publishers say about their feeds
// (caching and syndication hints, WebSub hubs), speaks the client side of
// WebSub, reads and writes OPML, finds the feeds a page announces, and
// builds news-search feed URLs from a query's expression tree. It knows
// nothing of stories or storage.
package feed
