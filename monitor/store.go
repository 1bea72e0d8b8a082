package monitor

import (
	"context"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/story"
)

// FeedState is what the poll cycle remembers about one feed between
// fetches. The zero value is the state of a feed never fetched.
type FeedState struct {
	// URL is the feed's URL as configured: its identity, kept across
	// permanent redirects.
	URL string
	// FetchURL is where the feed is fetched from after a 301 or 308; empty
	// means URL.
	FetchURL string
	// Title is the feed's own title from its last successful parse.
	Title string
	// ETag and LastModified come from the last fetch that parsed.
	ETag         string
	LastModified string
	LastFetch    time.Time
	LastSuccess  time.Time
	// LastStatus is the HTTP status of the last attempt (0 when no response
	// arrived).
	LastStatus        int
	ConsecutiveErrors int
	// LastError is empty after a successful fetch.
	LastError string
	// NextAttempt is the earliest time the feed may be fetched again after a
	// failure or a Retry-After; zero means whenever it is scheduled.
	NextAttempt time.Time
	// FirstPollDone is set by the first fetch that parsed; until then the
	// backfill limit applies.
	FirstPollDone bool

	// NextPoll is when the feed is next due (its Plan); zero means now.
	// PollReason says why, for `storywatch feeds`.
	NextPoll   time.Time
	PollReason string
	// Interval is the interval the last plan was built on; an adaptive
	// feed's next plan starts from it.
	Interval time.Duration
	// BoostUntil ends the faster polling after a hit for a storyline.
	BoostUntil time.Time
	// FeedHint is what the last parsed document asked for (RSS ttl,
	// sy:updatePeriod), kept across 304 answers.
	FeedHint feed.Hint
	// Hub and Self are the WebSub hub and topic the feed declares.
	Hub, Self string
	// PushUntil is the end of the lease of an active WebSub subscription;
	// a store fills it in and never writes it from SaveFetch.
	PushUntil time.Time
}

// Due returns when the feed may next be polled: its planned poll, or the
// end of a backoff if that is later.
func (s FeedState) Due() time.Time {
	if s.NextAttempt.After(s.NextPoll) {
		return s.NextAttempt
	}
	return s.NextPoll
}

// NewItem is an item not seen before in its feed, with the hits it made.
type NewItem struct {
	feed.Item
	Hits []match.Hit
	// Print is the item's story fingerprint (story.FingerprintOf); the poll
	// cycle computes it outside the store's transaction. A store computes
	// it when it is the zero value.
	Print story.Fingerprint
	// HeldBack marks an item that a feed's first poll records as seen
	// without matching, because it is older than the backfill window.
	HeldBack bool
}

// FeedFetch is everything one fetch of one feed writes: its new state and
// its new items with their hits. A store writes it in one transaction.
type FeedFetch struct {
	// Name is the configured name of the feed (may be empty).
	Name  string
	State FeedState
	Items []NewItem
	// Seen is when the items were first seen: the start of the poll cycle,
	// the same for every feed of the cycle, so that which feed is stored
	// first never changes a story's lead (docs/stories.md). Zero means the
	// store's clock.
	Seen time.Time
	// Lease fences the save (a Token of 0: none): the store commits
	// nothing of it, and returns ErrLeaseLost, unless the lease still
	// holds; saving ends the lease.
	Lease Lease
}

// Saved reports what a FeedFetch truly added: rows that already existed
// (an item already known from another feed, a hit already recorded for the
// item and watch) are not counted.
type Saved struct {
	Items   int
	Sources int
	Hits    int
	// Stories counts the new stories: new items that joined no story.
	Stories int
	// Merged counts the stories that a new item bridged into an older
	// one and that are gone.
	Merged int
	// HitsByWatch counts the new hits per watch id.
	HitsByWatch map[string]int
}

// Store is the storage the poll cycle needs.
type Store interface {
	// FeedStates returns the stored state of each of the given feed URLs;
	// feeds never fetched are missing from the map.
	FeedStates(ctx context.Context, urls []string) (map[string]FeedState, error)
	// UnseenKeys returns the subset of keys never recorded for the feed.
	UnseenKeys(ctx context.Context, feedURL string, keys []string) (map[string]bool, error)
	// SaveFetch writes a fetch's items, their sources and hits and the
	// feed's new state in one transaction.
	SaveFetch(ctx context.Context, f FeedFetch) (Saved, error)
}
