package story

import (
	"cmp"
	"time"
)

// Rank is what orders the copies of a story, the lead first: earliest
// published, then earliest first seen, then canonical URL, then the feed's
// URL and the entry's key, so that no two copies tie and the order never
// depends on which copy arrived first.
type Rank struct {
	// Published is zero when the feed gave no date.
	Published time.Time
	FirstSeen time.Time
	// CanonicalURL is empty when the copy has no link.
	CanonicalURL string
	// Feed is the URL of the feed the copy came from.
	Feed string
	// Key is the entry's key in that feed.
	Key string
}

// published is the publication time that orders a copy: a date after the
// copy was first seen is a clock error of the publisher and counts as the
// first sighting.
func published(r Rank) time.Time {
	if r.Published.After(r.FirstSeen) && !r.FirstSeen.IsZero() {
		return r.FirstSeen
	}
	return r.Published
}

// Compare orders a before b (-1), after it (1) or not at all (0, the same
// copy). Dated copies come before undated ones, copies with a link before
// copies without.
func (a Rank) Compare(b Rank) int {
	pa, pb := published(a), published(b)
	switch {
	case pa.IsZero() != pb.IsZero():
		if pa.IsZero() {
			return 1
		}
		return -1
	case !pa.Equal(pb):
		return pa.Compare(pb)
	}
	if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
		return c
	}
	if (a.CanonicalURL == "") != (b.CanonicalURL == "") {
		if a.CanonicalURL == "" {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(a.CanonicalURL, b.CanonicalURL); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Feed, b.Feed); c != 0 {
		return c
	}
	return cmp.Compare(a.Key, b.Key)
}
