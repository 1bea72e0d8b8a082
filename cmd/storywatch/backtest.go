package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/store"
)

// backtestChange is one hit a backtest would add or drop.
type backtestChange struct {
	ItemID    int64
	Title     string
	URL       string
	FirstSeen time.Time
	// Hit is what the current watchlist finds (for an addition), or the
	// stored hit's watch and score (for a drop).
	Hit match.Hit
}

// backtestResult compares what the current watchlist finds in stored
// items with the hits stored for them, per watch.
type backtestResult struct {
	Since time.Time
	// Items counts the items matched: those first seen since Since whose
	// text retention kept.
	Items int
	// Watches lists the watches compared, in watchlist order.
	Watches []string
	// Add holds, per watch, the hits the watchlist finds that are not
	// stored; Drop the stored hits it no longer finds. Both are oldest
	// item first.
	Add, Drop map[string][]backtestChange
}

// backtestWatches runs m over the stored items first seen at or after
// since and compares, for the given watch ids (nil: every watch of m), what
// it finds with the stored hits. It changes nothing: apply stores the
// additions. progress, when not nil, is called as items are matched. The
// daemon's reload runs it over the last 48 h for new and changed watches.
//
// Items that a feed's first poll held back as older than the backfill
// window are left out, as the poll left them out of matching: a new watch
// does not dredge up what was old news when it arrived.
func backtestWatches(ctx context.Context, db *store.DB, m *match.Matcher, since time.Time,
	watches []string, progress func(done, total int)) (*backtestResult, error) {
	if watches == nil {
		for _, w := range m.Watches() {
			watches = append(watches, w.ID)
		}
	}
	want := make(map[string]bool, len(watches))
	for _, w := range watches {
		want[w] = true
	}
	items, err := db.ItemsSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	stored, err := db.HitsOfItemsSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	type key struct {
		item  int64
		watch string
	}
	have := make(map[key]store.ItemHit, len(stored))
	for _, h := range stored {
		if want[h.Watch] {
			have[key{h.ItemID, h.Watch}] = h
		}
	}
	res := &backtestResult{Since: since, Items: len(items), Watches: watches,
		Add: map[string][]backtestChange{}, Drop: map[string][]backtestChange{}}
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("backtest: %w", err)
		}
		if it.HeldBack {
			continue
		}
		found := map[string]bool{}
		for _, h := range m.Match(it.Doc) {
			if !want[h.Watch] {
				continue
			}
			found[h.Watch] = true
			if _, ok := have[key{it.ID, h.Watch}]; !ok {
				res.Add[h.Watch] = append(res.Add[h.Watch], changeOf(it, h))
			}
		}
		for _, w := range watches {
			if h, ok := have[key{it.ID, w}]; ok && !found[w] {
				res.Drop[w] = append(res.Drop[w], changeOf(it, match.Hit{Watch: w, Score: h.Score}))
			}
		}
		if progress != nil && (i+1)%1000 == 0 {
			progress(i+1, len(items))
		}
	}
	if progress != nil {
		progress(len(items), len(items))
	}
	return res, nil
}

func changeOf(it store.BacktestItem, h match.Hit) backtestChange {
	return backtestChange{ItemID: it.ID, Title: it.Doc.Title, URL: it.Doc.URL, FirstSeen: it.FirstSeen, Hit: h}
}

// Total returns the number of additions and drops.
func (r *backtestResult) Total() (add, drop int) {
	for _, c := range r.Add {
		add += len(c)
	}
	for _, c := range r.Drop {
		drop += len(c)
	}
	return add, drop
}

// apply stores the additions as backfilled hits (shown by hits, stories
// and scheduled digests, never sent as instant alerts) and returns the new
// hits per watch. Drops are only reported: a hit, once stored, stays.
func (r *backtestResult) apply(ctx context.Context, db *store.DB) (map[string]int, error) {
	var hits []store.BackfilledHit
	for _, w := range r.Watches {
		for _, c := range r.Add[w] {
			hits = append(hits, store.BackfilledHit{ItemID: c.ItemID, Hit: c.Hit})
		}
	}
	if len(hits) == 0 {
		return map[string]int{}, nil
	}
	added, err := db.AddBackfilledHits(ctx, hits)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	return added, nil
}

// backtestLine is one line of `backtest -json`: a hit to add or drop.
type backtestLine struct {
	Watch     string      `json:"watch"`
	Change    string      `json:"change"`
	ItemURL   string      `json:"item_url"`
	Title     string      `json:"title"`
	FirstSeen time.Time   `json:"first_seen"`
	Score     int         `json:"score"`
	Matches   []matchTerm `json:"matches"`
}

// cmdBacktest runs the current watchlist over the stored items of a period
// and prints, per watch, the hits it would add and drop; -apply stores the
// additions.
func cmdBacktest(a *app, args []string) error {
	fs := a.flags("backtest")
	sinceFlag := fs.String("since", "48h", "items first seen within this long (e.g. 48h, 7d); their text must still be kept (retention)")
	apply := fs.Bool("apply", false, "store the hits to add, marked backfilled (never sent as instant alerts)")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("backtest takes no arguments, got %q", rest[0])
	}
	d, err := parseSince(*sinceFlag)
	if err != nil {
		return usagef("-since: %v", err)
	}
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	m, err := match.Compile(watchlist(c))
	if err != nil {
		return &usageError{fmt.Errorf("compile watchlist: %w", err)}
	}
	db, err := openStore(a.ctx, c, a.logger())
	if err != nil {
		return err
	}
	defer db.Close()

	var progress func(done, total int)
	if isTerminal(a.stderr) {
		progress = func(done, total int) {
			fmt.Fprintf(a.stderr, "\rbacktest: %d/%d items", done, total)
			if done == total {
				fmt.Fprintln(a.stderr)
			}
		}
	}
	res, err := backtestWatches(a.ctx, db, m, time.Now().Add(-d), nil, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		err = printBacktestJSON(a.stdout, res)
	} else {
		printBacktest(a.stdout, res)
	}
	if err != nil || !*apply {
		return err
	}
	added, err := res.apply(a.ctx, db)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(map[string]any{"stored": sumCounts(added), "by_watch": added})
	}
	fmt.Fprintf(a.stdout, "stored %s as backfilled%s\n", plural(sumCounts(added), "new hit"), byWatch(added))
	return nil
}

func printBacktest(w io.Writer, r *backtestResult) {
	add, drop := r.Total()
	watches := "watches"
	if len(r.Watches) == 1 {
		watches = "watch"
	}
	fmt.Fprintf(w, "backtest of %d %s over %s first seen since %s: %d to add, %d to drop\n",
		len(r.Watches), watches, plural(r.Items, "stored item"), formatTime(r.Since), add, drop)
	for _, watch := range r.Watches {
		adds, drops := r.Add[watch], r.Drop[watch]
		if len(adds)+len(drops) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: %d to add, %d to drop\n", watch, len(adds), len(drops))
		for _, sign := range []struct {
			mark    string
			changes []backtestChange
		}{{"+", adds}, {"-", drops}} {
			for _, c := range sign.changes {
				fmt.Fprintf(w, "  %s %s  score %d  %s  %s\n", sign.mark, c.FirstSeen.UTC().Format("2006-01-02 15:04Z"),
					c.Hit.Score, oneLine(c.Title, 80), c.URL)
			}
		}
	}
}

func printBacktestJSON(w io.Writer, r *backtestResult) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, watch := range r.Watches {
		for _, sign := range []struct {
			change  string
			changes []backtestChange
		}{{"add", r.Add[watch]}, {"drop", r.Drop[watch]}} {
			for _, c := range sign.changes {
				line := backtestLine{Watch: watch, Change: sign.change, ItemURL: c.URL, Title: c.Title,
					FirstSeen: c.FirstSeen.UTC(), Score: c.Hit.Score, Matches: []matchTerm{}}
				for _, m := range c.Hit.Matches {
					line.Matches = append(line.Matches, matchTerm{Term: m.Term, Field: m.Field, Snippet: m.Snippet})
				}
				if err := enc.Encode(line); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// byWatch formats counts per watch as " (a 2, b 1)", or "" when empty.
func byWatch(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s %d", id, m[id])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
