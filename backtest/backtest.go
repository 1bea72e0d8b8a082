package backtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/match"
)

// Item is a stored item whose text is still kept, as a backtest matches it.
type Item struct {
	ID int64
	// StoryID is the story the item belongs to; 0 when it has none.
	StoryID   int64
	FirstSeen time.Time
	// Published is zero when the feed gave no date.
	Published time.Time
	// HeldBack is set when the feed's first poll recorded the item without
	// matching it, as older than the backfill window.
	HeldBack bool
	Doc      match.Document
}

// StoredHit is a stored hit on an item whose text is still kept.
type StoredHit struct {
	ItemID     int64
	Watch      string
	Score      int
	Backfilled bool
}

// Store is the storage a backtest reads.
type Store interface {
	// ItemsSince returns the items first seen at or after since whose text
	// retention has not yet removed, oldest first.
	ItemsSince(ctx context.Context, since time.Time) ([]Item, error)
	// HitsOfItemsSince returns the stored hits of the items that
	// ItemsSince returns for the same time.
	HitsOfItemsSince(ctx context.Context, since time.Time) ([]StoredHit, error)
}

// Options selects what a backtest compares and what it keeps.
type Options struct {
	// Since is the earliest first-seen time of the items matched.
	Since time.Time
	// Watches lists the watch ids compared; nil means every watch of the
	// matcher.
	Watches []string
	// Found keeps every hit the matcher finds for the watches, stored or
	// not, in Result.Found (the /try page shows them); false keeps only
	// the changes.
	Found bool
	// Limit, when above 0, keeps at most this many changes of each kind
	// (and found hits) per watch: those of the newest items. Counts still
	// count every one. A limited result cannot be applied.
	Limit int
	// Progress, when not nil, is called as items are matched.
	Progress func(done, total int)
}

// Change is one hit a backtest would add or drop, or one hit it found.
type Change struct {
	ItemID    int64
	StoryID   int64
	Title     string
	URL       string
	FirstSeen time.Time
	// Hit is what the matcher finds (for an addition or a found hit), or
	// the stored hit's watch and score (for a drop).
	Hit match.Hit
}

// Counts counts, for one watch, the hits found, to add and to drop,
// whether kept in the result or not.
type Counts struct {
	Found, Add, Drop int
}

// Result compares what a watchlist finds in stored items with the hits
// stored for them, per watch.
type Result struct {
	Since time.Time
	// Items counts the items read: those first seen since Since whose text
	// retention kept (those a first poll held back included, though they
	// are not matched).
	Items int
	// Watches lists the watches compared, in the order given (matcher
	// order when none was).
	Watches []string
	// Add holds, per watch, the hits the watchlist finds that are not
	// stored; Drop the stored hits it no longer finds; Found (with
	// Options.Found) every hit it finds. All are oldest item first.
	Add, Drop, Found map[string][]Change
	Counts           map[string]Counts
	limited          bool
}

// ErrLimited is returned by Apply for a result that kept only some of its
// changes.
var ErrLimited = errors.New("backtest result was limited: it does not hold every hit to add")

type key struct {
	item  int64
	watch string
}

// Run matches m against the stored items first seen at or after
// opts.Since and compares, for the selected watches, what it finds with
// the stored hits. It changes nothing.
//
// Items that a feed's first poll held back as older than the backfill
// window are left out, as the poll left them out of matching: a new watch
// does not dredge up what was old news when it arrived.
func Run(ctx context.Context, st Store, m *match.Matcher, opts Options) (*Result, error) {
	watches := opts.Watches
	if watches == nil {
		for _, w := range m.Watches() {
			watches = append(watches, w.ID)
		}
	}
	want := make(map[string]bool, len(watches))
	for _, w := range watches {
		want[w] = true
	}
	items, err := st.ItemsSince(ctx, opts.Since)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	stored, err := st.HitsOfItemsSince(ctx, opts.Since)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	have := make(map[key]StoredHit, len(stored))
	for _, h := range stored {
		if want[h.Watch] {
			have[key{h.ItemID, h.Watch}] = h
		}
	}
	r := &Result{Since: opts.Since, Items: len(items), Watches: watches, limited: opts.Limit > 0,
		Add: map[string][]Change{}, Drop: map[string][]Change{}, Found: map[string][]Change{},
		Counts: make(map[string]Counts, len(watches))}
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("backtest: %w", err)
		}
		if opts.Progress != nil && i > 0 && i%1000 == 0 {
			opts.Progress(i, len(items))
		}
		if it.HeldBack {
			continue
		}
		r.compare(it, m.Match(it.Doc), want, have, opts)
	}
	if opts.Progress != nil {
		opts.Progress(len(items), len(items))
	}
	if opts.Limit > 0 {
		r.trim(opts.Limit)
	}
	return r, nil
}

// compare records what the matcher found in one item against its stored
// hits.
func (r *Result) compare(it Item, hits []match.Hit, want map[string]bool, have map[key]StoredHit, opts Options) {
	found := map[string]bool{}
	for _, h := range hits {
		if !want[h.Watch] {
			continue
		}
		found[h.Watch] = true
		c := r.Counts[h.Watch]
		c.Found++
		if opts.Found {
			r.Found[h.Watch] = keep(r.Found[h.Watch], changeOf(it, h), opts.Limit)
		}
		if _, ok := have[key{it.ID, h.Watch}]; !ok {
			c.Add++
			r.Add[h.Watch] = keep(r.Add[h.Watch], changeOf(it, h), opts.Limit)
		}
		r.Counts[h.Watch] = c
	}
	for _, w := range r.Watches {
		if h, ok := have[key{it.ID, w}]; ok && !found[w] {
			c := r.Counts[w]
			c.Drop++
			r.Counts[w] = c
			r.Drop[w] = keep(r.Drop[w], changeOf(it, match.Hit{Watch: w, Score: h.Score}), opts.Limit)
		}
	}
}

// keep appends c, keeping only the last limit changes when limit > 0.
func keep(list []Change, c Change, limit int) []Change {
	list = append(list, c)
	if limit > 0 && len(list) > 2*limit {
		// Shift in batches so that keeping the newest stays linear.
		list = append(list[:0], list[len(list)-limit:]...)
	}
	return list
}

func changeOf(it Item, h match.Hit) Change {
	return Change{ItemID: it.ID, StoryID: it.StoryID, Title: it.Doc.Title, URL: it.Doc.URL, FirstSeen: it.FirstSeen, Hit: h}
}

// trim cuts every kept list to the limit once the run is over.
func (r *Result) trim(limit int) {
	for _, lists := range []map[string][]Change{r.Add, r.Drop, r.Found} {
		for w, l := range lists {
			if len(l) > limit {
				lists[w] = l[len(l)-limit:]
			}
		}
	}
}

// Total returns the number of additions and drops over every watch.
func (r *Result) Total() (add, drop int) {
	for _, c := range r.Counts {
		add += c.Add
		drop += c.Drop
	}
	return add, drop
}

// Hit is a hit a backtest found for a stored item, to be stored.
type Hit struct {
	ItemID int64
	Hit    match.Hit
}

// Writer stores the hits a backtest adds.
type Writer interface {
	// AddBackfilledHits stores the hits, marked backfilled, in one
	// transaction; an item that already has a hit for the watch keeps it.
	// It returns the new hits per watch.
	AddBackfilledHits(ctx context.Context, hits []Hit) (map[string]int, error)
}

// Apply stores the additions as backfilled hits (shown by hits, stories
// and scheduled digests, never sent as instant alerts) and returns the new
// hits per watch. Drops are only reported: a hit, once stored, stays.
func (r *Result) Apply(ctx context.Context, w Writer) (map[string]int, error) {
	if r.limited {
		return nil, ErrLimited
	}
	var hits []Hit
	for _, watch := range r.Watches {
		for _, c := range r.Add[watch] {
			hits = append(hits, Hit{ItemID: c.ItemID, Hit: c.Hit})
		}
	}
	if len(hits) == 0 {
		return map[string]int{}, nil
	}
	added, err := w.AddBackfilledHits(ctx, hits)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	return added, nil
}
