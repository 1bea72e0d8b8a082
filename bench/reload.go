package bench

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// Reload is the memory of a config reload with a large watchlist
// (Options.ReloadActors), measured as the daemon reloads: the new
// watchlist compiles while the running one is still in use.
type Reload struct {
	Actors     int `json:"actors"`
	Storylines int `json:"storylines"`
	// CompileS is the wall time of compiling the new watchlist beside
	// the running one.
	CompileS float64 `json:"compile_s"`
	// RSSOldMB is the resident set with the running watchlist compiled,
	// before the reload; PeakRSSMB the peak while the new one compiles
	// beside it; CyclePeakRSSMB the peak when that happens during a full
	// cycle matched with the running one, and the next cycle runs with
	// the new one.
	RSSOldMB       float64 `json:"rss_old_mb"`
	PeakRSSMB      float64 `json:"peak_rss_mb"`
	CyclePeakRSSMB float64 `json:"cycle_peak_rss_mb"`
}

// reload measures a reload of a watchlist of actors generated actors and
// a quarter as many storylines: with the peak RSS reset, it compiles the
// running watchlist, compiles it again beside it (old and new matchers
// coexist, as in daemon.Reload), then does that once more during a full
// cycle with the running one into a fresh database and runs the next
// cycle with the new one.
func (r *run) reload(ctx context.Context, actors int) (*Reload, error) {
	rl := &Reload{}
	w, _ := watchlist(actors, actors/4)
	rl.Actors, rl.Storylines = len(w.Actors), len(w.Storylines)
	r.m = nil // the cycles' watchlist is not the running one any more
	// Memory the earlier phases freed goes back to the system, so that
	// the figures are of this phase's live memory.
	debug.FreeOSMemory()
	if err := resetPeak(); err != nil {
		return nil, fmt.Errorf("bench: reload: reset the peak RSS: %w", err)
	}
	old, err := match.Compile(w)
	if err != nil {
		return nil, fmt.Errorf("bench: reload: %w", err)
	}
	debug.FreeOSMemory()
	rss, _ := memStatus()
	rl.RSSOldMB = mb(rss)
	start := time.Now()
	// The new matcher is garbage once compiled, but the peak was reached
	// as it came together.
	if _, err := match.Compile(w); err != nil {
		return nil, fmt.Errorf("bench: reload: %w", err)
	}
	rl.CompileS = time.Since(start).Seconds()
	_, peak := memStatus()
	rl.PeakRSSMB = mb(peak)
	runtime.KeepAlive(old)
	debug.FreeOSMemory()
	if err := resetPeak(); err != nil {
		return nil, fmt.Errorf("bench: reload: reset the peak RSS: %w", err)
	}
	if err := r.reloadInCycle(ctx, old, w); err != nil {
		return nil, err
	}
	_, peak = memStatus()
	rl.CyclePeakRSSMB = mb(peak)
	return rl, nil
}

// reloadInCycle runs a full cycle matched with old into a fresh database
// while w compiles, then the next cycle with what it compiled to.
func (r *run) reloadInCycle(ctx context.Context, old *match.Matcher, w match.Watchlist) error {
	dir, err := os.MkdirTemp("", "storywatch-bench-reload-")
	if err != nil {
		return fmt.Errorf("bench: reload: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "reload.db"))
	if err != nil {
		return fmt.Errorf("bench: reload: %w", err)
	}
	defer db.Close()
	// per_host as in the full cycle (bench.go).
	poller := func(m *match.Matcher) *monitor.Poller {
		return monitor.NewPoller(db, m, r.cfgs, monitor.Options{Fetch: feed.Fetcher{Client: r.client, Timeout: time.Minute},
			Concurrency: r.o.Concurrency, PerHost: 2 * r.o.Concurrency, Logger: slog.New(slog.DiscardHandler)})
	}
	p := poller(old)
	var next *match.Matcher
	var compileErr error
	var wg sync.WaitGroup
	wg.Go(func() { next, compileErr = match.Compile(w) })
	c, err := p.PollAll(ctx)
	wg.Wait()
	if err := cmp.Or(err, compileErr); err != nil {
		return fmt.Errorf("bench: reload during a cycle: %w", err)
	}
	if c.Failed > 0 {
		return fmt.Errorf("bench: reload during a cycle: %d feeds failed", c.Failed)
	}
	if _, err := poller(next).PollAll(ctx); err != nil {
		return fmt.Errorf("bench: reload: the cycle after it: %w", err)
	}
	return nil
}
