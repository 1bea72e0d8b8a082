package feed

import (
	"time"

	"github.com/storywatch/storywatch/match"
)

// Item is one entry of a feed, with its text stripped of markup.
type Item struct {
	// Key identifies the item within its feed (docs/architecture.md, "Item identity").
	Key string
	// GUID is the feed's own id for the item, if any.
	GUID string
	// URL is the item's link, made absolute.
	URL string
	// CanonicalURL identifies the same article across feeds; empty when the
	// item has no usable link.
	CanonicalURL string
	Title        string
	Summary      string
	Content      string
	Author       string
	Category     string
	// Published is the item's publication (or update) time; zero if unknown.
	Published time.Time
	// Outlet names the publisher when the feed aggregates many outlets (the
	// <source> element of Google News items); empty otherwise.
	Outlet string
}

// Document returns the item's searchable text for the matcher.
func (it Item) Document() match.Document {
	return match.Document{
		Title:    it.Title,
		Summary:  it.Summary,
		Content:  it.Content,
		Author:   it.Author,
		Category: it.Category,
		URL:      it.URL,
	}
}
