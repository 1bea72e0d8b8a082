package backtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/story"
)

// Item is a stored item whose text is still kept, with the text of each
// of its copies: a backtest matches every copy as the poll did, so that an
// unchanged watchlist finds exactly the stored hits (docs/stories.md).
type Item struct {
	ID int64
	// StoryID is the story the item belongs to; 0 when it has none.
	StoryID   int64
	FirstSeen time.Time
	// Title and URL are what the item is shown by.
	Title string
	URL   string
	// Copies are the item's feed entries, in story.Rank order.
	Copies []Copy
	// Unchecked is set when some copy's text was not kept (entries stored
	// before copies kept their own): its hits cannot be checked, so a
	// backtest never drops them.
	Unchecked bool
}

// Copy is one feed entry of an Item, with the text that feed gave.
type Copy struct {
	FeedID int64
	Key    string
	Rank   story.Rank
	// HeldBack is set when the feed's first poll recorded the entry
	// without matching it, as older than the backfill window.
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
	// Copy is the item's copy whose text gave a found hit's evidence.
	Copy Copy
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
// Every copy of an item is matched on its own text, as the poll matched
// it, and an item has a hit for a watch when any copy does. Copies that a
// feed's first poll held back as older than the backfill window are left
// out, as the poll left them out of matching: a new watch does not dredge
// up what was old news when it arrived.
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
		r.compare(it, bestHits(m, it, want), want, have, opts)
	}
	if opts.Progress != nil {
		opts.Progress(len(items), len(items))
	}
	if opts.Limit > 0 {
		r.trim(opts.Limit)
	}
	return r, nil
}

// bestHits matches each copy of it that the poll matched and keeps, per
// wanted watch, the best hit: the highest score, then the copy first by
// story.Rank (the copies come in that order), as the store keeps it.
func bestHits(m *match.Matcher, it Item, want map[string]bool) map[string]Change {
	found := map[string]Change{}
	for _, c := range it.Copies {
		if c.HeldBack {
			continue
		}
		for _, h := range m.Match(c.Doc) {
			if !want[h.Watch] {
				continue
			}
			if best, ok := found[h.Watch]; !ok || h.Score > best.Hit.Score {
				ch := changeOf(it, h)
				ch.Copy = c
				found[h.Watch] = ch
			}
		}
	}
	return found
}

// compare records what the matcher found in one item against its stored
// hits.
func (r *Result) compare(it Item, found map[string]Change, want map[string]bool, have map[key]StoredHit, opts Options) {
	for _, w := range r.Watches {
		f, ok := found[w]
		h, had := have[key{it.ID, w}]
		c := r.Counts[w]
		switch {
		case ok:
			c.Found++
			if opts.Found {
				r.Found[w] = keep(r.Found[w], f, opts.Limit)
			}
			if !had {
				c.Add++
				r.Add[w] = keep(r.Add[w], f, opts.Limit)
			}
		case had && !it.Unchecked:
			c.Drop++
			r.Drop[w] = keep(r.Drop[w], changeOf(it, match.Hit{Watch: w, Score: h.Score}), opts.Limit)
		}
		r.Counts[w] = c
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
	return Change{ItemID: it.ID, StoryID: it.StoryID, Title: it.Title, URL: it.URL, FirstSeen: it.FirstSeen, Hit: h}
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

// Hit is a hit a backtest found for a stored item, to be stored, in the
// text of its copy (FeedID, Key) of rank Rank.
type Hit struct {
	ItemID int64
	Hit    match.Hit
	FeedID int64
	Key    string
	Rank   story.Rank
}

// Writer stores the hits a backtest adds.
type Writer interface {
	// AddBackfilledHits stores the hits, marked backfilled, in one
	// transaction; an item that already has a hit for the watch keeps it,
	// and a retracted one comes back. It returns the new hits per watch.
	AddBackfilledHits(ctx context.Context, hits []Hit) (map[string]int, error)
}

// Retraction names a stored hit that a backtest no longer finds.
type Retraction struct {
	ItemID int64
	Watch  string
}

// Retracter retracts the hits a backtest drops.
type Retracter interface {
	// RetractHits retracts the hits in one transaction with when and why:
	// kept, but shown nowhere and in no digest built from then on. It
	// returns the hits retracted per watch.
	RetractHits(ctx context.Context, hits []Retraction, reason string) (map[string]int, error)
}

// RetractReason is recorded with each hit that Retract retracts.
const RetractReason = "backtest: the watchlist no longer finds it"

// Retract retracts the hits the watchlist no longer finds (the drops) and
// returns them per watch. Digests already sent stay as they were.
func (r *Result) Retract(ctx context.Context, w Retracter) (map[string]int, error) {
	if r.limited {
		return nil, ErrLimited
	}
	var gone []Retraction
	for _, watch := range r.Watches {
		for _, c := range r.Drop[watch] {
			gone = append(gone, Retraction{ItemID: c.ItemID, Watch: watch})
		}
	}
	if len(gone) == 0 {
		return map[string]int{}, nil
	}
	retracted, err := w.RetractHits(ctx, gone, RetractReason)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	return retracted, nil
}

// Apply stores the additions as backfilled hits (shown by hits, stories
// and scheduled digests, never sent as instant alerts) and returns the new
// hits per watch. Drops stay until Retract.
func (r *Result) Apply(ctx context.Context, w Writer) (map[string]int, error) {
	if r.limited {
		return nil, ErrLimited
	}
	var hits []Hit
	for _, watch := range r.Watches {
		for _, c := range r.Add[watch] {
			hits = append(hits, Hit{ItemID: c.ItemID, Hit: c.Hit, FeedID: c.Copy.FeedID, Key: c.Copy.Key, Rank: c.Copy.Rank})
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
