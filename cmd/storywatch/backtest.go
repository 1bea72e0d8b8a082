package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/match"
)

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
// additions and retracts the drops.
func cmdBacktest(a *app, args []string) error {
	fs := a.flags("backtest")
	sinceFlag := fs.String("since", "48h", "items first seen within this long (e.g. 48h, 7d); their text must still be kept (retention)")
	apply := fs.Bool("apply", false, "store the hits to add, marked backfilled (never sent as instant alerts), and retract the hits to drop")
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
	m, err := match.Compile(daemon.Watchlist(c))
	if err != nil {
		return &usageError{fmt.Errorf("compile watchlist: %w", err)}
	}
	if err := requireDatabase(c); err != nil {
		return err
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
	res, err := backtest.Run(a.ctx, db, m, backtest.Options{Since: time.Now().Add(-d), Progress: progress})
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
	added, err := res.Apply(a.ctx, db)
	if err != nil {
		return err
	}
	retracted, err := res.Retract(a.ctx, db)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(a.stdout).Encode(map[string]any{"stored": sumCounts(added), "by_watch": added,
			"retracted": sumCounts(retracted), "retracted_by_watch": retracted})
	}
	fmt.Fprintf(a.stdout, "stored %s as backfilled%s\n", plural(sumCounts(added), "new hit"), byWatch(added))
	fmt.Fprintf(a.stdout, "retracted %s%s\n", plural(sumCounts(retracted), "hit"), byWatch(retracted))
	return nil
}

func printBacktest(w io.Writer, r *backtest.Result) {
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
			changes []backtest.Change
		}{{"+", adds}, {"-", drops}} {
			for _, c := range sign.changes {
				fmt.Fprintf(w, "  %s %s  score %d  %s  %s\n", sign.mark, c.FirstSeen.UTC().Format("2006-01-02 15:04Z"),
					c.Hit.Score, oneLine(c.Title, 80), c.URL)
			}
		}
	}
}

func printBacktestJSON(w io.Writer, r *backtest.Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, watch := range r.Watches {
		for _, sign := range []struct {
			change  string
			changes []backtest.Change
		}{{"add", r.Add[watch]}, {"drop", r.Drop[watch]}} {
			for _, c := range sign.changes {
				line := backtestLine{Watch: watch, Change: sign.change, ItemURL: c.URL, Title: c.Title,
					FirstSeen: c.FirstSeen.UTC(), Score: c.Hit.Score, Matches: []matchTerm{}}
				for _, m := range c.Hit.Matches {
					line.Matches = append(line.Matches, matchTerm{Term: m.Term, Field: m.Field, Snippet: m.Snippet, Found: m.Found, Variant: m.Variant})
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
