package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// Options sizes a benchmark.
type Options struct {
	// Feeds are served on loopback, Items each, about 1 KB an item.
	Feeds, Items int
	// Actors of 4 aliases each and Storylines are generated besides the
	// example watchlist's.
	Actors, Storylines int
	// Concurrency is the number of feeds fetched at once.
	Concurrency int
	// Cycles full cycles run, each into a fresh database; medians are
	// reported.
	Cycles int
	// CPUProfile and MemProfile, when set, are files to write a CPU
	// profile of the full cycles and an allocation profile after them to.
	CPUProfile, MemProfile string
	// NoBaselines skips fetching, parsing and matching alone.
	NoBaselines bool
	// InProcessServer serves the feeds from a goroutine of this process
	// instead of a child process: the server's CPU then counts in the
	// cycle's, and no server CPU is reported apart.
	InProcessServer bool
	// DB, when set, is the SQLite database every cycle writes into, kept
	// after the run; each run's feeds and items are then new to it. A
	// postgres:// URL instead names a server on which each cycle writes
	// into a fresh schema, dropped after it.
	DB string
	// Stored items are written into the story window before each measured
	// cycle, without fetching or matching them (fillWindow).
	Stored int
	// Partition, when set, is a file to write the stories of the last
	// full cycle's items to (Partition), or, when it exists, to compare
	// them with.
	Partition string
	// ReloadActors, when not 0, measures the peak RSS of a reload with a
	// watchlist of that many generated actors, after everything else
	// (Reload).
	ReloadActors int
	// Corpus holds the news prose the item text is drawn from (the demo's
	// feeds); nil gives a small pool of words of its own.
	Corpus fs.FS
	// Progress, when not nil, is told of each phase.
	Progress func(format string, args ...any)
}

// ErrOptions is the error of Options that cannot be run.
var ErrOptions = errors.New("feeds, items, concurrency and cycles must be at least 1; actors, storylines, stored and reload actors at least 0")

// Run measures poll cycles through the real pipeline (fetch, parse,
// match, store) against generated feeds on a loopback server, and, unless
// o.NoBaselines, fetching, gofeed, Parse and matching alone on the same
// bytes.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Feeds < 1 || o.Items < 1 || o.Actors < 0 || o.Storylines < 0 || o.Concurrency < 1 || o.Cycles < 1 || o.Stored < 0 || o.ReloadActors < 0 {
		return nil, ErrOptions
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	rep := &Report{Feeds: o.Feeds, ItemsPerFeed: o.Items, Items: o.Feeds * o.Items,
		Concurrency: o.Concurrency, Cycles: o.Cycles, CPUs: runtime.NumCPU(), CPUModel: cpuModel(),
		GoVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}

	o.Progress("compiling a watchlist of %d generated actors and %d storylines", o.Actors, o.Storylines)
	w, names := watchlist(o.Actors, o.Storylines)
	rep.Actors, rep.Storylines = len(w.Actors), len(w.Storylines)
	start := time.Now()
	m, err := match.Compile(w)
	if err != nil {
		return nil, fmt.Errorf("bench: compile watchlist: %w", err)
	}
	rep.CompileS = time.Since(start).Seconds()

	g := newGenerator(o.Corpus, o.Feeds, o.Items, names, time.Now())
	rep.FeedBytes = g.size()
	if o.DB != "" && !isPostgres(o.DB) {
		// Into a kept database, each run's feeds and items are new: their
		// URLs, keys and titles carry the run. A PostgreSQL cycle gets a
		// fresh schema, so its items are those of a fresh SQLite file.
		g.run = time.Now().UnixNano()
	}
	srv, err := startServer(ctx, g, o.InProcessServer)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer srv.stop()
	rep.Server = "child process"
	if o.InProcessServer {
		rep.Server = "in process"
	}
	base := srv.base
	cfgs := make([]monitor.FeedConfig, o.Feeds)
	for f := range cfgs {
		cfgs[f] = monitor.FeedConfig{URL: fmt.Sprintf("%s/f%d.xml", base, f)}
		if g.run != 0 {
			cfgs[f].URL += fmt.Sprintf("?run=%d", g.run)
		}
	}
	client := feed.NewHTTPClient(time.Minute)
	if t, ok := client.Transport.(*http.Transport); ok {
		// One loopback host serves every feed: keep a connection per worker.
		t.MaxIdleConnsPerHost = o.Concurrency
	}
	defer client.CloseIdleConnections()
	r := &run{o: o, rep: rep, m: m, g: g, srv: srv, base: base, cfgs: cfgs, client: client}
	if err := r.cycles(ctx); err != nil {
		return nil, err
	}
	if !o.NoBaselines {
		if err := r.baselines(ctx); err != nil {
			return nil, err
		}
		rep.Baselines = true
	}
	if o.ReloadActors > 0 {
		o.Progress("a reload with %d generated actors", o.ReloadActors)
		if rep.Reload, err = r.reload(ctx, o.ReloadActors); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// run is one benchmark's state across its phases.
type run struct {
	o      Options
	rep    *Report
	m      *match.Matcher
	g      *generator
	srv    *feedServer
	base   string
	cfgs   []monitor.FeedConfig
	client *http.Client
	// peak is the peak RSS before the partition was read, when it was.
	peak int64
	// profile is the file of -cpuprofile until the profile starts.
	profile *os.File
}

// cycles runs the full cycles, each into a fresh database, with the
// profiles and the memory readings around them.
func (r *run) cycles(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "storywatch-bench-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	if r.o.CPUProfile != "" {
		f, err := os.Create(r.o.CPUProfile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		// The profile starts with the first cycle's poll, after its fill
		// (-stored), so that it shows the cycle and not the filling.
		r.profile = f
		defer pprof.StopCPUProfile()
	}
	runtime.GC()
	rss, _ := memStatus()
	rep := r.rep
	rep.RSSBeforeMB = mb(rss)
	if err := r.gofeedBefore(); err != nil {
		return err
	}
	pg, err := r.engine(ctx)
	if err != nil {
		return err
	}
	if pg != nil {
		defer pg.close()
	}
	var full, notMod []Times
	for k := range r.o.Cycles {
		c, c304, dbBytes, err := r.cycle(ctx, k, dir, pg)
		if err != nil {
			return err
		}
		full, notMod = append(full, c.times), append(notMod, c304)
		rep.ItemsNew, rep.HitsNew, rep.FeedsFailed, rep.DBBytes, rep.CycleIO = c.itemsNew, c.hitsNew, c.failed, dbBytes, c.io
		rep.Stored, rep.PruneNothingMS = c.stored, float64(c.pruneNothing.Microseconds())/1000
	}
	if r.o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	_, peak := memStatus()
	if r.peak > 0 {
		peak = r.peak
	}
	rep.PeakRSSMB = mb(peak)
	if r.o.MemProfile != "" {
		if err := writeAllocs(r.o.MemProfile); err != nil {
			return err
		}
	}
	for _, t := range full {
		rep.AllCycleWallS = append(rep.AllCycleWallS, t.WallS)
	}
	rep.Cycle, rep.NotModified = median(full), median(notMod)
	if rep.Cycle.WallS > 0 {
		rep.ItemsPerS = float64(rep.ItemsNew) / rep.Cycle.WallS
		rep.FeedsPerS = float64(r.o.Feeds) / rep.Cycle.WallS
	}
	if rep.ItemsNew > 0 {
		rep.CPUPerItemUS = rep.Cycle.CPUS / float64(rep.ItemsNew) * 1e6
		rep.DBServerCPUPerItemUS = rep.Cycle.DBServerCPUS / float64(rep.ItemsNew) * 1e6
	}
	return nil
}

// engine says which engine the cycles write to; for PostgreSQL it
// connects to the server, whose processes' CPU is measured when it runs
// on this machine.
func (r *run) engine(ctx context.Context) (*pgServer, error) {
	if !isPostgres(r.o.DB) {
		r.rep.Engine = "sqlite"
		return nil, nil
	}
	pg, err := openPGServer(ctx, r.o.DB)
	if err != nil {
		return nil, err
	}
	r.rep.Engine = "postgres"
	r.rep.DBServerCPU = pg.why
	if pg.postmaster != 0 {
		r.rep.DBServerCPU = fmt.Sprintf("/proc: postmaster %d, its children and its exited children", pg.postmaster)
	}
	return pg, nil
}

// cycle runs cycle k: into a fresh schema on PostgreSQL, dropped after;
// into a fresh file in dir on SQLite, or the kept file of -db.
func (r *run) cycle(ctx context.Context, k int, dir string, pg *pgServer) (cycleResult, Times, int64, error) {
	target := filepath.Join(dir, fmt.Sprintf("bench-%d.db", k))
	if r.o.DB != "" {
		target = r.o.DB
	}
	drop := func() error { return nil }
	if pg != nil {
		var err error
		if target, drop, err = pg.fresh(ctx, k); err != nil {
			return cycleResult{}, Times{}, 0, err
		}
	}
	fill := func(ctx context.Context, db *store.DB) error {
		if r.o.Stored > 0 {
			r.o.Progress("cycle %d of %d: storing %d items in the story window", k+1, r.o.Cycles, r.o.Stored)
		}
		return fillWindow(ctx, db, r.g, r.o.Stored, r.g.run+int64(k)+1, r.o.Progress)
	}
	r.o.Progress("cycle %d of %d: %d feeds × %d items", k+1, r.o.Cycles, r.o.Feeds, r.o.Items)
	c, c304, dbBytes, err := r.benchCycle(ctx, target, fill, k == r.o.Cycles-1, pg)
	if derr := drop(); derr != nil {
		err = errors.Join(err, derr)
	}
	return c, c304, dbBytes, err
}

type cycleResult struct {
	times                     Times
	io                        IO
	itemsNew, hitsNew, failed int
	stored                    int64
	pruneNothing              time.Duration
}

// benchCycle opens the database at path, lets fill store items in it,
// runs one full cycle, then one where every feed answers 304, then a
// prune with nothing to prune; after the last cycle, it checks the
// partition when asked to (Options.Partition). On PostgreSQL (pg not nil)
// it also measures the database server's CPU in the full cycle.
func (r *run) benchCycle(ctx context.Context, path string, fill func(context.Context, *store.DB) error, last bool,
	pg *pgServer) (cycleResult, Times, int64, error) {
	cfgs := r.cfgs
	db, err := store.Open(ctx, path)
	if err != nil {
		return cycleResult{}, Times{}, 0, fmt.Errorf("bench: %w", err)
	}
	defer db.Close()
	if err := fill(ctx, db); err != nil {
		return cycleResult{}, Times{}, 0, err
	}
	stored, err := db.InWindow(ctx, time.Now())
	if err != nil {
		return cycleResult{}, Times{}, 0, fmt.Errorf("bench: %w", err)
	}
	// Every feed is on one loopback host, which per_host must not bind:
	// it counts the leases of feeds claimed to wait for a fetch slot too
	// (docs/architecture.md, "Feed leases"), up to twice the slots.
	p := monitor.NewPoller(db, r.m, cfgs, monitor.Options{Fetch: feed.Fetcher{Client: r.client, Timeout: time.Minute},
		Concurrency: r.o.Concurrency, PerHost: 2 * r.o.Concurrency, Logger: slog.New(slog.DiscardHandler)})
	runtime.GC()
	if r.profile != nil {
		err := pprof.StartCPUProfile(r.profile)
		r.profile = nil
		if err != nil {
			return cycleResult{}, Times{}, 0, fmt.Errorf("bench: cpu profile: %w", err)
		}
	}
	var c monitor.Cycle
	io0, dbServer := ioCounters(), pg.cpu()
	times, err := measure(r.srv, func() error {
		var err error
		c, err = p.PollAll(ctx)
		return err
	})
	times.DBServerCPUS = (pg.cpu() - dbServer).Seconds()
	if err != nil {
		return cycleResult{}, Times{}, 0, fmt.Errorf("bench: poll: %w", err)
	}
	res := cycleResult{times: times, io: ioCounters().sub(io0), itemsNew: c.ItemsNew, hitsNew: c.HitsNew, failed: c.Failed, stored: stored}
	started := c.Started
	if c.Failed > 0 {
		for _, f := range c.Feeds {
			if f.Err != nil {
				return res, Times{}, 0, fmt.Errorf("bench: %d feeds failed, first: %w", c.Failed, f.Err)
			}
		}
	}
	runtime.GC()
	c304, err := measure(r.srv, func() error {
		var err error
		c, err = p.PollAll(ctx)
		return err
	})
	if err != nil {
		return res, Times{}, 0, fmt.Errorf("bench: poll again: %w", err)
	}
	if c.NotModified != len(cfgs) {
		return res, Times{}, 0, fmt.Errorf("bench: second cycle: %d of %d feeds answered 304", c.NotModified, len(cfgs))
	}
	// Retention as the daemon runs it after each cycle, with nothing old
	// enough to prune.
	start := time.Now()
	if _, err := db.Prune(ctx, start.Add(-30*24*time.Hour)); err != nil {
		return res, Times{}, 0, fmt.Errorf("bench: prune: %w", err)
	}
	res.pruneNothing = time.Since(start)
	if last && r.o.Partition != "" {
		// Every item is read with its text: not part of the peak RSS.
		_, r.peak = memStatus()
		if r.rep.Partition, err = checkPartition(ctx, db, r.g, started, r.o.Partition); err != nil {
			return res, Times{}, 0, err
		}
	}
	return res, c304, dbSize(ctx, path, pg), nil
}

// dbSize is the size of the SQLite file at path and its write-ahead log,
// or on PostgreSQL that of the cycle's schema.
func dbSize(ctx context.Context, path string, pg *pgServer) int64 {
	if pg != nil {
		return pg.size(ctx, path)
	}
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			size += fi.Size()
		}
	}
	return size
}

// measure runs fn and returns its wall and process CPU time, and the CPU
// time of the feed server srv (nil: none) meanwhile.
func measure(srv *feedServer, fn func() error) (Times, error) {
	start, cpu, scpu := time.Now(), cpuTime(), srv.cpu()
	err := fn()
	return Times{WallS: time.Since(start).Seconds(), CPUS: (cpuTime() - cpu).Seconds(), ServerCPUS: (srv.cpu() - scpu).Seconds()}, err
}

func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("bench: memory profile: %w", err)
	}
	return nil
}
