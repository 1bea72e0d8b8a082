package web

import (
	"context"
	"errors"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/match"
)

// ErrNotFound is wrapped by a PageStore's error for a story that does not
// exist.
var ErrNotFound = errors.New("not found")

// PageStore is the storage the desk's pages read. Every method only reads.
type PageStore interface {
	// ItemsSince and HitsOfItemsSince feed /try, which runs the backtest
	// engine over stored items.
	backtest.Store
	// HitTimes returns, per watch, when each of its new stories found at
	// or after since got its first hit of the watch: the numbers of the
	// digests' charts.
	HitTimes(ctx context.Context, watches []string, since time.Time) (map[string][]time.Time, error)
	// WatchStories returns one page of a watch's stories, newest first.
	WatchStories(ctx context.Context, q StoryQuery) (StoryPage, error)
	// StoryTimeline returns a story with every copy and every hit; an
	// error wrapping ErrNotFound when there is no story with the id.
	StoryTimeline(ctx context.Context, id int64) (StoryTimeline, error)
	// StoryOutlets returns, per story id, who published its copies, first
	// seen first.
	StoryOutlets(ctx context.Context, storyIDs []int64) (map[int64][]string, error)
}

// StoryQuery selects a page of a watch's stories.
type StoryQuery struct {
	Watch string
	// Since keeps the stories whose first hit of the watch was found at
	// or after it: the watch's new stories since then. Zero keeps all.
	Since time.Time
	// Offset skips that many stories; Limit caps the page (0: no cap).
	Offset, Limit int
}

// StoryPage is one page of a watch's stories.
type StoryPage struct {
	Stories []StorySummary
	// Total counts the stories the query selects, on every page.
	Total int
}

// StorySummary is a story as a watch's list shows it.
type StorySummary struct {
	ID int64
	// Title, URL and Published are the lead copy's.
	Title     string
	URL       string
	Published time.Time
	FirstSeen time.Time
	// Copies counts the story's copies: its items, each as many times as
	// feeds carried it (the same article in two feeds is two copies).
	Copies int
	// Outlets names who published the copies, the lead's first.
	Outlets []string
	// Found is when the watch first hit the story.
	Found time.Time
	// Score and Matches are those of the watch's best hit on the story.
	Score   int
	Matches []match.Match
}

// StoryTimeline is a story with all it is made of.
type StoryTimeline struct {
	ID        int64
	Title     string
	URL       string
	Published time.Time
	FirstSeen time.Time
	LastSeen  time.Time
	// Copies are the story's items, one per feed that carried each item
	// (the same article in two feeds is two copies), in the lead order of
	// docs/stories.md, the lead first. At most MaxCopies are listed;
	// CopyCount counts them all.
	Copies    []Copy
	CopyCount int
	// Hits are the watches' hits on the copies, first found first.
	Hits []StoryHit
}

// MaxCopies bounds the copies a timeline lists: a feed that repeats an
// item thousands of times must not make a page of thousands of rows.
const MaxCopies = 500

// Copy is one item of a story as one feed carried it, with that feed's
// title, link and date.
type Copy struct {
	ItemID int64
	// Lead marks the story's lead copy.
	Lead  bool
	Title string
	URL   string
	// Outlet is who published it: the item's own outlet (an aggregator's
	// source), else the feed's name.
	Outlet string
	// Feed names the feed it was seen in.
	Feed      string
	FirstSeen time.Time
	Published time.Time
}

// StoryHit is a watch's hit on one copy of a story.
type StoryHit struct {
	ItemID  int64
	Watch   string
	Score   int
	Matches []match.Match
	FoundAt time.Time
	// Backfilled marks a hit found by a backtest rather than a poll.
	Backfilled bool
}
