package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// benchOptions are the flags of storywatch bench.
type benchOptions struct {
	feeds, items, actors, storylines, concurrency, cycles int
	cpuProfile, memProfile                                string
	// noBaselines skips fetching, parsing and matching alone.
	noBaselines bool
}

// benchTimes is the wall and CPU time of one measured phase.
type benchTimes struct {
	WallS float64 `json:"wall_s"`
	CPUS  float64 `json:"cpu_s"`
}

// benchIO counts read and write system calls and their bytes, on files
// and sockets alike.
type benchIO struct {
	ReadCalls  int64 `json:"read_calls"`
	WriteCalls int64 `json:"write_calls"`
	ReadBytes  int64 `json:"read_bytes"`
	WriteBytes int64 `json:"write_bytes"`
}

func (a benchIO) sub(b benchIO) benchIO {
	return benchIO{a.ReadCalls - b.ReadCalls, a.WriteCalls - b.WriteCalls, a.ReadBytes - b.ReadBytes, a.WriteBytes - b.WriteBytes}
}

// benchReport is what storywatch bench prints (-json prints it as is).
type benchReport struct {
	Feeds        int    `json:"feeds"`
	ItemsPerFeed int    `json:"items_per_feed"`
	Items        int    `json:"items"`
	FeedBytes    int64  `json:"feed_bytes"`
	Actors       int    `json:"actors"`
	Storylines   int    `json:"storylines"`
	Concurrency  int    `json:"concurrency"`
	Cycles       int    `json:"cycles"`
	CPUs         int    `json:"cpus"`
	CPUModel     string `json:"cpu_model"`
	GoVersion    string `json:"go_version"`

	CompileS float64 `json:"compile_s"`
	// Cycle is the median full cycle (every item new), NotModified the
	// median cycle that follows it, where every feed answers 304.
	Cycle       benchTimes `json:"cycle"`
	ItemsPerS   float64    `json:"items_per_s"`
	FeedsPerS   float64    `json:"feeds_per_s"`
	ItemsNew    int        `json:"items_new"`
	HitsNew     int        `json:"hits_new"`
	FeedsFailed int        `json:"feeds_failed"`
	// CycleIO is the I/O of the last full cycle.
	CycleIO     benchIO    `json:"cycle_io"`
	NotModified benchTimes `json:"not_modified_cycle"`
	DBBytes     int64      `json:"db_bytes"`
	// RSSBeforeMB is the resident set before the first cycle (the compiled
	// watchlist and the harness); PeakRSSMB the peak over the cycles.
	RSSBeforeMB float64 `json:"rss_before_mb"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`

	// The same bytes without storywatch's pipeline: fetching alone, gofeed
	// alone on one goroutine and at the cycle's concurrency, our Parse
	// (gofeed plus conversion) and matching alone.
	Fetch         benchTimes `json:"fetch_only"`
	Gofeed1       benchTimes `json:"gofeed_1"`
	GofeedC       benchTimes `json:"gofeed_concurrent"`
	ParseC        benchTimes `json:"monitor_parse_concurrent"`
	Match1        benchTimes `json:"match_1"`
	OwnOverhead   float64    `json:"own_overhead"`
	AllCycleWallS []float64  `json:"all_cycle_wall_s"`
}

// cmdBench measures poll cycles through the real pipeline against a
// loopback feed server, and gofeed alone on the same bytes.
func cmdBench(a *app, args []string) error {
	fs := a.flags("bench")
	var o benchOptions
	fs.IntVar(&o.feeds, "feeds", 2000, "feeds served on loopback")
	fs.IntVar(&o.items, "items", 50, "items per feed, about 1 KB each")
	fs.IntVar(&o.actors, "actors", 2000, "generated actors of 4 aliases each, besides the example watchlist's")
	fs.IntVar(&o.storylines, "storylines", 500, "generated storylines, besides the example watchlist's")
	fs.IntVar(&o.concurrency, "concurrency", config.DefaultConcurrency, "feeds fetched at once")
	fs.IntVar(&o.cycles, "cycles", 1, "full cycles, each into a fresh database; medians are printed")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	baselines := fs.Bool("baselines", true, "also time fetching, gofeed, Parse and matching alone on the same feeds")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the full cycles to `file`")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile after the cycles to `file`")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	o.noBaselines = !*baselines
	if o.feeds < 1 || o.items < 1 || o.actors < 0 || o.storylines < 0 || o.concurrency < 1 || o.cycles < 1 {
		return usagef("bench: -feeds, -items, -concurrency and -cycles must be at least 1; -actors and -storylines at least 0")
	}
	progress := func(string, ...any) {}
	if f, ok := a.stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			progress = func(format string, args ...any) { fmt.Fprintf(a.stderr, "bench: "+format+"\n", args...) }
		}
	}
	rep, err := runBench(a.ctx, o, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		// One object on one line, like every -json output.
		return writeJSONLines(a.stdout, []*benchReport{rep})
	}
	printBench(a.stdout, rep)
	return nil
}

func runBench(ctx context.Context, o benchOptions, progress func(string, ...any)) (*benchReport, error) {
	rep := &benchReport{Feeds: o.feeds, ItemsPerFeed: o.items, Items: o.feeds * o.items,
		Concurrency: o.concurrency, Cycles: o.cycles, CPUs: runtime.NumCPU(), CPUModel: cpuModel(),
		GoVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}

	progress("compiling a watchlist of %d generated actors and %d storylines", o.actors, o.storylines)
	w, names := benchWatchlist(o.actors, o.storylines)
	rep.Actors, rep.Storylines = len(w.Actors), len(w.Storylines)
	start := time.Now()
	m, err := match.Compile(w)
	if err != nil {
		return nil, fmt.Errorf("bench: compile watchlist: %w", err)
	}
	rep.CompileS = time.Since(start).Seconds()

	g := newBenchFeeds(o.feeds, o.items, names, time.Now())
	base, stop, err := g.serve()
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer stop()
	cfgs := make([]monitor.FeedConfig, o.feeds)
	for f := range cfgs {
		cfgs[f] = monitor.FeedConfig{URL: fmt.Sprintf("%s/f%d.xml", base, f)}
	}
	client := feed.NewHTTPClient(time.Minute)
	if t, ok := client.Transport.(*http.Transport); ok {
		// One loopback host serves every feed: keep a connection per worker.
		t.MaxIdleConnsPerHost = o.concurrency
	}
	defer client.CloseIdleConnections()

	dir, err := os.MkdirTemp("", "storywatch-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("bench: cpu profile: %w", err)
		}
	}
	runtime.GC()
	rss, _ := memStatus()
	rep.RSSBeforeMB = mb(rss)
	var full, notMod []benchTimes
	for k := range o.cycles {
		progress("cycle %d of %d: %d feeds × %d items", k+1, o.cycles, o.feeds, o.items)
		c, c304, dbBytes, err := benchCycle(ctx, filepath.Join(dir, fmt.Sprintf("bench-%d.db", k)), m, cfgs, client, o.concurrency)
		if err != nil {
			pprof.StopCPUProfile()
			return nil, err
		}
		full, notMod = append(full, c.times), append(notMod, c304)
		rep.ItemsNew, rep.HitsNew, rep.FeedsFailed, rep.DBBytes, rep.CycleIO = c.itemsNew, c.hitsNew, c.failed, dbBytes, c.io
	}
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	_, peak := memStatus()
	rep.PeakRSSMB = mb(peak)
	if o.memProfile != "" {
		if err := writeAllocs(o.memProfile); err != nil {
			return nil, err
		}
	}
	for _, t := range full {
		rep.AllCycleWallS = append(rep.AllCycleWallS, t.WallS)
	}
	rep.Cycle, rep.NotModified = median(full), median(notMod)
	if rep.Cycle.WallS > 0 {
		rep.ItemsPerS = float64(rep.ItemsNew) / rep.Cycle.WallS
		rep.FeedsPerS = float64(o.feeds) / rep.Cycle.WallS
	}

	if o.noBaselines {
		return rep, nil
	}
	progress("fetching alone")
	fetcher := &feed.Fetcher{Client: client, MaxBody: 8 << 20, Timeout: time.Minute}
	rep.Fetch, err = measure(func() error {
		return forEach(o.feeds, o.concurrency, func(f int) error {
			_, err := fetcher.Fetch(ctx, cfgs[f].URL, "", "")
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bench: fetch alone: %w", err)
	}
	progress("gofeed alone, 1 and %d goroutines", o.concurrency)
	gofeedParse := func(b []byte) error {
		_, err := gofeed.NewParser().Parse(bytes.NewReader(b))
		return err
	}
	if rep.Gofeed1, rep.FeedBytes, err = parseBatches(g, 1, gofeedParse); err != nil {
		return nil, fmt.Errorf("bench: gofeed: %w", err)
	}
	if rep.GofeedC, _, err = parseBatches(g, o.concurrency, gofeedParse); err != nil {
		return nil, fmt.Errorf("bench: gofeed: %w", err)
	}
	progress("feed.Parse alone, %d goroutines; matching alone", o.concurrency)
	if rep.ParseC, _, err = parseBatches(g, o.concurrency, func(b []byte) error {
		_, err := feed.Parse(b, "application/rss+xml; charset=utf-8", base+"/f.xml")
		return err
	}); err != nil {
		return nil, fmt.Errorf("bench: parse: %w", err)
	}
	if rep.Match1, err = matchAlone(g, m, base); err != nil {
		return nil, fmt.Errorf("bench: match: %w", err)
	}
	if rep.GofeedC.CPUS > 0 {
		rep.OwnOverhead = (rep.Cycle.CPUS - rep.GofeedC.CPUS) / rep.GofeedC.CPUS
	}
	return rep, nil
}

type cycleResult struct {
	times                     benchTimes
	io                        benchIO
	itemsNew, hitsNew, failed int
}

// benchCycle runs one full cycle into a fresh database at path, then one
// where every feed answers 304.
func benchCycle(ctx context.Context, path string, m *match.Matcher, cfgs []monitor.FeedConfig, client *http.Client, concurrency int) (cycleResult, benchTimes, int64, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return cycleResult{}, benchTimes{}, 0, fmt.Errorf("bench: %w", err)
	}
	defer db.Close()
	p := monitor.NewPoller(db, m, cfgs, monitor.Options{Fetch: feed.Fetcher{Client: client, Timeout: time.Minute},
		Concurrency: concurrency, PerHost: concurrency, Logger: slog.New(slog.DiscardHandler)})
	runtime.GC()
	var c monitor.Cycle
	io0 := ioCounters()
	times, err := measure(func() error {
		var err error
		c, err = p.PollAll(ctx)
		return err
	})
	if err != nil {
		return cycleResult{}, benchTimes{}, 0, fmt.Errorf("bench: poll: %w", err)
	}
	res := cycleResult{times: times, io: ioCounters().sub(io0), itemsNew: c.ItemsNew, hitsNew: c.HitsNew, failed: c.Failed}
	if c.Failed > 0 {
		for _, r := range c.Feeds {
			if r.Err != nil {
				return res, benchTimes{}, 0, fmt.Errorf("bench: %d feeds failed, first: %w", c.Failed, r.Err)
			}
		}
	}
	runtime.GC()
	c304, err := measure(func() error {
		var err error
		c, err = p.PollAll(ctx)
		return err
	})
	if err != nil {
		return res, benchTimes{}, 0, fmt.Errorf("bench: poll again: %w", err)
	}
	if c.NotModified != len(cfgs) {
		return res, benchTimes{}, 0, fmt.Errorf("bench: second cycle: %d of %d feeds answered 304", c.NotModified, len(cfgs))
	}
	var size int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			size += fi.Size()
		}
	}
	return res, c304, size, nil
}

// measure runs fn and returns its wall and process CPU time.
func measure(fn func() error) (benchTimes, error) {
	start, cpu := time.Now(), cpuTime()
	err := fn()
	return benchTimes{WallS: time.Since(start).Seconds(), CPUS: (cpuTime() - cpu).Seconds()}, err
}

// forEach calls fn(0..n-1) on workers goroutines and returns the first error.
func forEach(n, workers int, fn func(int) error) error {
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for i := range next {
				if err := fn(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parseBatches renders the feeds in batches (so that all of them are never
// in memory at once) and times parse over each batch on workers
// goroutines; rendering is not timed. It returns the total time and bytes.
func parseBatches(g *benchFeeds, workers int, parse func([]byte) error) (benchTimes, int64, error) {
	const batch = 100
	var total benchTimes
	var size int64
	for lo := 0; lo < g.feeds; lo += batch {
		bodies := make([][]byte, min(batch, g.feeds-lo))
		for i := range bodies {
			var b bytes.Buffer
			g.write(&b, lo+i)
			bodies[i] = b.Bytes()
			size += int64(b.Len())
		}
		runtime.GC()
		t, err := measure(func() error {
			return forEach(len(bodies), workers, func(i int) error { return parse(bodies[i]) })
		})
		if err != nil {
			return total, size, err
		}
		total.WallS += t.WallS
		total.CPUS += t.CPUS
	}
	return total, size, nil
}

// matchAlone times the matcher alone, on one goroutine, over every parsed
// item.
func matchAlone(g *benchFeeds, m *match.Matcher, base string) (benchTimes, error) {
	var total benchTimes
	var b bytes.Buffer
	for f := range g.feeds {
		b.Reset()
		g.write(&b, f)
		parsed, err := feed.Parse(b.Bytes(), "application/rss+xml; charset=utf-8", base+"/f.xml")
		if err != nil {
			return total, err
		}
		t, _ := measure(func() error {
			for _, it := range parsed.Items {
				m.Match(it.Document())
			}
			return nil
		})
		total.WallS += t.WallS
		total.CPUS += t.CPUS
	}
	return total, nil
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

func median(ts []benchTimes) benchTimes {
	if len(ts) == 0 {
		return benchTimes{}
	}
	ws, cs := make([]float64, len(ts)), make([]float64, len(ts))
	for i, t := range ts {
		ws[i], cs[i] = t.WallS, t.CPUS
	}
	slices.Sort(ws)
	slices.Sort(cs)
	return benchTimes{WallS: ws[len(ws)/2], CPUS: cs[len(cs)/2]}
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// printBench writes the report for people, with the targets of docs/benchmarks.md.
func printBench(w io.Writer, r *benchReport) {
	fmt.Fprintf(w, "storywatch bench: %d feeds × %d items = %d items (%.1f MB of feeds); watchlist %d actors, %d storylines (compiled in %.2f s); concurrency %d; %d cycle(s)\n",
		r.Feeds, r.ItemsPerFeed, r.Items, mb(r.FeedBytes), r.Actors, r.Storylines, r.CompileS, r.Concurrency, r.Cycles)
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s\n\n", r.CPUs, r.CPUModel, r.GoVersion)
	fmt.Fprintf(w, "full cycle:        wall %7.2f s  cpu %7.2f s  %8.0f items/s  %6.1f feeds/s  (%d new items, %d new hits, %d feeds failed)\n",
		r.Cycle.WallS, r.Cycle.CPUS, r.ItemsPerS, r.FeedsPerS, r.ItemsNew, r.HitsNew, r.FeedsFailed)
	fmt.Fprintf(w, "  its I/O:         %d reads (%.0f MB), %d writes (%.0f MB), files and sockets\n",
		r.CycleIO.ReadCalls, mb(r.CycleIO.ReadBytes), r.CycleIO.WriteCalls, mb(r.CycleIO.WriteBytes))
	fmt.Fprintf(w, "304 cycle:         wall %7.2f s  cpu %7.2f s\n", r.NotModified.WallS, r.NotModified.CPUS)
	fmt.Fprintf(w, "peak RSS:          %.0f MB (%.0f MB before the first cycle); database %.1f MB\n\n", r.PeakRSSMB, r.RSSBeforeMB, mb(r.DBBytes))
	fmt.Fprintf(w, "the same feeds without the pipeline:\n")
	fmt.Fprintf(w, "  fetch alone, %2d goroutines:       wall %7.2f s  cpu %7.2f s\n", r.Concurrency, r.Fetch.WallS, r.Fetch.CPUS)
	fmt.Fprintf(w, "  gofeed alone, 1 goroutine:        wall %7.2f s  cpu %7.2f s\n", r.Gofeed1.WallS, r.Gofeed1.CPUS)
	fmt.Fprintf(w, "  gofeed alone, %2d goroutines:      wall %7.2f s  cpu %7.2f s\n", r.Concurrency, r.GofeedC.WallS, r.GofeedC.CPUS)
	fmt.Fprintf(w, "  feed.Parse, %2d goroutines:     wall %7.2f s  cpu %7.2f s\n", r.Concurrency, r.ParseC.WallS, r.ParseC.CPUS)
	fmt.Fprintf(w, "  match alone, 1 goroutine:         wall %7.2f s  cpu %7.2f s\n\n", r.Match1.WallS, r.Match1.CPUS)
	fmt.Fprintf(w, "own overhead = (cycle CPU - gofeed CPU at %d goroutines) / gofeed CPU = (%.2f - %.2f) / %.2f = %.2f×\n\n",
		r.Concurrency, r.Cycle.CPUS, r.GofeedC.CPUS, r.GofeedC.CPUS, r.OwnOverhead)
	scale := float64(r.Items) / 100000
	fmt.Fprintf(w, "targets (docs/benchmarks.md: 2,000 feeds × 50 items on 2 cores; time targets scaled to %d items, %d feeds):\n", r.Items, r.Feeds)
	row := func(name, got string, ok bool) {
		verdict := "met"
		if !ok {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "  %-34s %-12s %s\n", name, got, verdict)
	}
	row(fmt.Sprintf("full cycle ≤ %.2f s", 30*scale), fmt.Sprintf("%.2f s", r.Cycle.WallS), r.Cycle.WallS <= 30*scale)
	row("peak RSS ≤ 250 MB", fmt.Sprintf("%.0f MB", r.PeakRSSMB), r.PeakRSSMB <= 250)
	row(fmt.Sprintf("304 cycle ≤ %.2f s", 5*float64(r.Feeds)/2000), fmt.Sprintf("%.2f s", r.NotModified.WallS), r.NotModified.WallS <= 5*float64(r.Feeds)/2000)
	row("own overhead ≤ 0.5× gofeed", fmt.Sprintf("%.2f×", r.OwnOverhead), r.OwnOverhead <= 0.5)
}
