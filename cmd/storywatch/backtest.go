package main

import (
	"fmt"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/match"
)

// backtestLine is one line of `backtest -json`: a hit to add or drop.
type backtestLine = backtest.Line

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
	if err := res.Write(a.stdout, *asJSON); err != nil || !*apply {
		return err
	}
	added, retracted, err := res.ApplyAll(a.ctx, db)
	if err != nil {
		return err
	}
	return backtest.WriteApplied(a.stdout, added, retracted, *asJSON)
}
