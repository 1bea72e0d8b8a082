package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/config"
)

// backtestWindow is how far back a change of the watchlist is backtested.
const backtestWindow = 48 * time.Hour

// backtestOwed backtests the watches whose stored hits do not yet cover
// their definition in g's config: it records g's watchlist in the store,
// which owes a backtest for each watch new or changed since the last
// record (whether the change came by a reload or while the daemon was
// stopped), then backtests what is owed, a backtest a kill cut short
// included, and marks it done. The hits found are stored as backfilled:
// visible in hits, the API and scheduled digests, never sent as instant
// alerts. It only adds: hits a changed watch no longer finds are retracted
// by `backtest -apply`, never behind a desk's back. Failures are logged;
// what is still owed is tried again at the next start or reload.
func (d *Daemon) backtestOwed(ctx context.Context, g *generation) {
	owed, err := d.store.RecordWatchlist(ctx, watchHashes(g.cfg), d.now().Add(-backtestWindow))
	if err != nil {
		d.log.Error("backtest", "error", err)
		return
	}
	// One run per starting time: usually all watches share one.
	bySince := map[time.Time][]string{}
	var sinces []time.Time
	for _, p := range owed {
		if _, ok := bySince[p.Since]; !ok {
			sinces = append(sinces, p.Since)
		}
		bySince[p.Since] = append(bySince[p.Since], p.Watch)
	}
	for _, since := range sinces {
		if err := d.backtest(ctx, g, since, bySince[since]); err != nil {
			d.log.Error("backtest", "watches", strings.Join(bySince[since], ","), "error", err)
		}
	}
}

// backtest matches the items first seen since since against watches of
// g's matcher, stores the hits it adds and marks the backtests done.
func (d *Daemon) backtest(ctx context.Context, g *generation, since time.Time, watches []string) error {
	start := time.Now()
	known := map[string]bool{}
	for _, w := range g.matcher.Watches() {
		known[w.ID] = true
	}
	watches = slices.DeleteFunc(slices.Clone(watches), func(w string) bool { return !known[w] })
	if len(watches) == 0 {
		return nil
	}
	res, err := backtest.Run(ctx, d.store, g.matcher, backtest.Options{Since: since, Watches: watches})
	if err != nil {
		return err
	}
	added, err := res.Apply(ctx, d.store)
	if err != nil {
		return err
	}
	if err := d.store.FinishBacktests(ctx, watches); err != nil {
		return err
	}
	total := 0
	for w, n := range added {
		d.metrics.Hits(w, n)
		total += n
	}
	d.log.Info("backtest of new and changed watches", "watches", strings.Join(watches, ","),
		"since", since, "items", res.Items, "hits_new", total, "duration_ms", time.Since(start).Milliseconds())
	return nil
}

// watchHashes maps each tracked watch of c to a hash of its definition
// (watchDefinitions), as the store records the watchlist.
func watchHashes(c *config.Config) map[string]string {
	out := map[string]string{}
	for id, def := range watchDefinitions(c) {
		sum := sha256.Sum256([]byte(def))
		out[id] = hex.EncodeToString(sum[:])
	}
	return out
}
