package story

import "time"

// Copy is one feed entry as the clustering decision sees it: its story,
// when it was first seen and its keys.
type Copy struct {
	// Story is the id of the copy's story; 0 for a copy not yet placed.
	Story int64
	// StoryStart is when that story was first seen: the older of two
	// stories survives a merge.
	StoryStart time.Time
	// Feed identifies the feed the entry came from.
	Feed int64
	// CanonicalURL is the entry's canonical link; empty when it has none.
	CanonicalURL string
	// FirstSeen is when the entry was first seen.
	FirstSeen time.Time
	// Title is a hash of the normalized title; 0 when too short to count.
	Title uint64
	// Text is the SimHash of the text, valid when HasText.
	Text    uint64
	HasText bool
}

// Linked reports whether a and b are copies of one report: first seen
// within Window of each other, and either the same canonical URL in two
// feeds, the same normalized title, or near-identical text. The relation is
// symmetric but not transitive; stories are its connected components.
func Linked(a, b Copy) bool {
	if d := a.FirstSeen.Sub(b.FirstSeen); d > Window || d < -Window {
		return false
	}
	if a.CanonicalURL != "" && a.CanonicalURL == b.CanonicalURL && a.Feed != b.Feed {
		return true
	}
	if a.Title != 0 && a.Title == b.Title {
		return true
	}
	return a.HasText && b.HasText && Distance(a.Text, b.Text) <= MaxDistance
}
