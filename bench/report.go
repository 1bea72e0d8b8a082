package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Times is the wall and CPU time of one measured phase; ServerCPUS is
// the CPU time of the feed server, a child process, meanwhile (not in
// CPUS, and zero when it runs in process or plays no part).
type Times struct {
	WallS      float64 `json:"wall_s"`
	CPUS       float64 `json:"cpu_s"`
	ServerCPUS float64 `json:"server_cpu_s,omitempty"`
	// DBServerCPUS is the CPU of the PostgreSQL server's processes, when
	// measured (Report.DBServerCPU).
	DBServerCPUS float64 `json:"db_server_cpu_s,omitempty"`
}

// IO counts read and write system calls and their bytes, on files
// and sockets alike.
type IO struct {
	ReadCalls  int64 `json:"read_calls"`
	WriteCalls int64 `json:"write_calls"`
	ReadBytes  int64 `json:"read_bytes"`
	WriteBytes int64 `json:"write_bytes"`
}

func (a IO) sub(b IO) IO {
	return IO{a.ReadCalls - b.ReadCalls, a.WriteCalls - b.WriteCalls, a.ReadBytes - b.ReadBytes, a.WriteBytes - b.WriteBytes}
}

// Report is what a benchmark measured; `storywatch bench -json` prints it
// as is, WriteText for people.
type Report struct {
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
	// Server says where the feed server ran: "child process" (its CPU
	// is reported apart, in Times.ServerCPUS) or "in process" (its CPU
	// is in the cycle's).
	Server string `json:"server"`
	// Engine is the database the cycles write to: "sqlite" or "postgres".
	Engine string `json:"engine"`
	// DBServerCPU says how the PostgreSQL server's CPU was measured, or
	// why it was not; empty on SQLite, which runs inside the process.
	DBServerCPU string `json:"db_server_cpu,omitempty"`

	CompileS float64 `json:"compile_s"`
	// Cycle is the median full cycle (every item new), NotModified the
	// median cycle that follows it, where every feed answers 304.
	Cycle       Times   `json:"cycle"`
	ItemsPerS   float64 `json:"items_per_s"`
	FeedsPerS   float64 `json:"feeds_per_s"`
	ItemsNew    int     `json:"items_new"`
	HitsNew     int     `json:"hits_new"`
	FeedsFailed int     `json:"feeds_failed"`
	// CycleIO is the I/O of the last full cycle.
	CycleIO     IO    `json:"cycle_io"`
	NotModified Times `json:"not_modified_cycle"`
	DBBytes     int64 `json:"db_bytes"`
	// Stored is how many items the story window held when the last full
	// cycle began; CPUPerItemUS the median cycle's CPU per new item;
	// PruneNothingMS the wall time of a prune with nothing to prune after
	// the last cycle.
	Stored       int64   `json:"stored"`
	CPUPerItemUS float64 `json:"cpu_us_per_item"`
	// DBServerCPUPerItemUS is the PostgreSQL server's CPU per new item in
	// the median cycle, when measured.
	DBServerCPUPerItemUS float64 `json:"db_server_cpu_us_per_item,omitempty"`
	PruneNothingMS       float64 `json:"prune_nothing_ms"`
	// RSSBeforeMB is the resident set before the first cycle (the compiled
	// watchlist and the harness); PeakRSSMB the peak over the cycles.
	RSSBeforeMB float64 `json:"rss_before_mb"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`

	// The same bytes without storywatch's pipeline: fetching alone, gofeed
	// alone on one goroutine and at the cycle's concurrency, our Parse
	// (gofeed plus conversion) and matching alone. Baselines says whether
	// they were measured (not with Options.NoBaselines).
	Baselines bool  `json:"baselines"`
	Fetch     Times `json:"fetch_only"`
	Gofeed1   Times `json:"gofeed_1"`
	// GofeedC is gofeed alone at the cycle's concurrency: the mean of
	// GofeedBefore (before the cycles, where the peak RSS can be reset
	// after it) and GofeedAfter (after them), else GofeedAfter alone.
	GofeedC      Times   `json:"gofeed_concurrent"`
	GofeedBefore *Times  `json:"gofeed_concurrent_before,omitempty"`
	GofeedAfter  Times   `json:"gofeed_concurrent_after"`
	ParseC       Times   `json:"monitor_parse_concurrent"`
	Match1       Times   `json:"match_1"`
	OwnOverhead  float64 `json:"own_overhead"`
	// OwnOverheadWithServer adds the feed server's CPU to the cycle's, as
	// when it ran in process: the figure to compare with runs that
	// counted it.
	OwnOverheadWithServer float64   `json:"own_overhead_with_server"`
	AllCycleWallS         []float64 `json:"all_cycle_wall_s"`
	// Partition is the stories of the last full cycle's items, when asked
	// for (Options.Partition).
	Partition *Partition `json:"partition,omitempty"`
	// Reload is the memory of a reload with a large watchlist, when
	// asked for (Options.ReloadActors).
	Reload *Reload `json:"reload,omitempty"`
}

func median(ts []Times) Times {
	if len(ts) == 0 {
		return Times{}
	}
	ws, cs, ss, ds := make([]float64, len(ts)), make([]float64, len(ts)), make([]float64, len(ts)), make([]float64, len(ts))
	for i, t := range ts {
		ws[i], cs[i], ss[i], ds[i] = t.WallS, t.CPUS, t.ServerCPUS, t.DBServerCPUS
	}
	slices.Sort(ws)
	slices.Sort(cs)
	slices.Sort(ss)
	slices.Sort(ds)
	return Times{WallS: ws[len(ws)/2], CPUS: cs[len(cs)/2], ServerCPUS: ss[len(ss)/2], DBServerCPUS: ds[len(ds)/2]}
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// size writes n bytes for people: in KB below 1 MB, so that a small run
// does not read "0.0 MB".
func size(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", mb(n))
}

// WriteText writes the report for people, with the targets of
// docs/benchmarks.md.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "storywatch bench: %d feeds × %d items = %d items (%s of feeds); watchlist %d actors, %d storylines (compiled in %.2f s); concurrency %d; %d cycle(s)\n",
		r.Feeds, r.ItemsPerFeed, r.Items, size(r.FeedBytes), r.Actors, r.Storylines, r.CompileS, r.Concurrency, r.Cycles)
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s; database: %s\n\n", r.CPUs, r.CPUModel, r.GoVersion, r.Engine)
	fmt.Fprintf(w, "full cycle:        wall %7.2f s  cpu %7.2f s  %8.0f items/s  %6.1f feeds/s  (%d new items, %d new hits, %d feeds failed)\n",
		r.Cycle.WallS, r.Cycle.CPUS, r.ItemsPerS, r.FeedsPerS, r.ItemsNew, r.HitsNew, r.FeedsFailed)
	fmt.Fprintf(w, "  its I/O:         %d reads (%.0f MB), %d writes (%.0f MB), files and sockets\n",
		r.CycleIO.ReadCalls, mb(r.CycleIO.ReadBytes), r.CycleIO.WriteCalls, mb(r.CycleIO.WriteBytes))
	fmt.Fprintf(w, "304 cycle:         wall %7.2f s  cpu %7.2f s\n", r.NotModified.WallS, r.NotModified.CPUS)
	if r.Server == "in process" {
		fmt.Fprintf(w, "feed server:       in process (-inprocess-server): its CPU is in the cycles' above\n")
	} else {
		fmt.Fprintf(w, "feed server:       a child process, not in the CPU above: cpu %.2f s in the full cycle, %.2f s in the 304 cycle\n",
			r.Cycle.ServerCPUS, r.NotModified.ServerCPUS)
	}
	fmt.Fprintf(w, "per new item:      %.0f µs of CPU, with %d items in the story window when the cycle began\n", r.CPUPerItemUS, r.Stored)
	switch {
	case r.Engine != "postgres":
	case r.DBServerCPUPerItemUS > 0 || strings.HasPrefix(r.DBServerCPU, "/proc"):
		fmt.Fprintf(w, "  PostgreSQL:      %.0f µs of the database server's CPU per new item (%.2f s in the cycle; %s)\n",
			r.DBServerCPUPerItemUS, r.Cycle.DBServerCPUS, r.DBServerCPU)
	default:
		fmt.Fprintf(w, "  PostgreSQL:      the database server's CPU is not measured: %s\n", r.DBServerCPU)
	}
	fmt.Fprintf(w, "prune:             %.1f ms with nothing to prune\n", r.PruneNothingMS)
	fmt.Fprintf(w, "peak RSS:          %.0f MB (%.0f MB before the first cycle); database %.1f MB\n", r.PeakRSSMB, r.RSSBeforeMB, mb(r.DBBytes))
	if p := r.Partition; p != nil {
		verdict := "written to " + p.File
		switch {
		case p.Compared && p.Same:
			verdict = "the same as in " + p.File
		case p.Compared:
			verdict = fmt.Sprintf("DIFFERENT from %s: %d of this run's stories are not in it", p.File, p.Differing)
		}
		fmt.Fprintf(w, "stories:           %d copies in %d stories (sha256 %.16s…), %s\n", p.Copies, p.Stories, p.SHA256, verdict)
	}
	fmt.Fprintln(w)
	if r.Baselines {
		r.writeBaselines(w)
	} else {
		fmt.Fprintf(w, "the same feeds without the pipeline: not measured (-baselines=false)\n\n")
	}
	if rl := r.Reload; rl != nil {
		fmt.Fprintf(w, "reload:            %d actors, %d storylines: peak RSS %.0f MB while the list compiled again (%.2f s) beside the running one (%.0f MB with it alone); %.0f MB when that happened during a full cycle\n\n",
			rl.Actors, rl.Storylines, rl.PeakRSSMB, rl.CompileS, rl.RSSOldMB, rl.CyclePeakRSSMB)
	}
	r.writeTargets(w)
}

// writeBaselines writes the timings of the same feeds without the
// pipeline, and the own overhead they give.
func (r *Report) writeBaselines(w io.Writer) {
	fmt.Fprintf(w, "the same feeds without the pipeline:\n")
	server := ""
	if r.Server != "in process" {
		server = fmt.Sprintf("  (feed server %.2f s)", r.Fetch.ServerCPUS)
	}
	fmt.Fprintf(w, "  fetch alone, %2d goroutines:       wall %7.2f s  cpu %7.2f s%s\n", r.Concurrency, r.Fetch.WallS, r.Fetch.CPUS, server)
	fmt.Fprintf(w, "  gofeed alone, 1 goroutine:        wall %7.2f s  cpu %7.2f s\n", r.Gofeed1.WallS, r.Gofeed1.CPUS)
	fmt.Fprintf(w, "  gofeed alone, %2d goroutines:      wall %7.2f s  cpu %7.2f s", r.Concurrency, r.GofeedC.WallS, r.GofeedC.CPUS)
	if b := r.GofeedBefore; b != nil {
		fmt.Fprintf(w, "  (mean of %.2f s before the cycles and %.2f s after)", b.CPUS, r.GofeedAfter.CPUS)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  feed.Parse, %2d goroutines:        wall %7.2f s  cpu %7.2f s\n", r.Concurrency, r.ParseC.WallS, r.ParseC.CPUS)
	fmt.Fprintf(w, "  match alone, 1 goroutine:         wall %7.2f s  cpu %7.2f s\n\n", r.Match1.WallS, r.Match1.CPUS)
	fmt.Fprintf(w, "own overhead = (cycle CPU - gofeed CPU at %d goroutines) / gofeed CPU = (%.2f - %.2f) / %.2f = %.2f×\n",
		r.Concurrency, r.Cycle.CPUS, r.GofeedC.CPUS, r.GofeedC.CPUS, r.OwnOverhead)
	if r.Server != "in process" {
		fmt.Fprintf(w, "  with the feed server's CPU counted, as in process: (%.2f + %.2f - %.2f) / %.2f = %.2f×\n",
			r.Cycle.CPUS, r.Cycle.ServerCPUS, r.GofeedC.CPUS, r.GofeedC.CPUS, r.OwnOverheadWithServer)
	}
	fmt.Fprintln(w)
}

// writeTargets compares the run with the targets of docs/benchmarks.md,
// scaled to its size; the own overhead only when the baselines ran.
func (r *Report) writeTargets(w io.Writer) {
	scale := float64(r.Items) / 100000
	fmt.Fprintf(w, "targets (docs/benchmarks.md: 2,000 feeds × 50 items on 2 cores; time targets scaled to %d items, %d feeds):\n", r.Items, r.Feeds)
	row := func(name, got string, ok bool) {
		verdict := "met"
		if !ok {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "  %-34s %-12s %s\n", name, got, verdict)
	}
	row(fmt.Sprintf("full cycle ≤ %.2f s", 12*scale), fmt.Sprintf("%.2f s", r.Cycle.WallS), r.Cycle.WallS <= 12*scale)
	row("peak RSS ≤ 250 MB", fmt.Sprintf("%.0f MB", r.PeakRSSMB), r.PeakRSSMB <= 250)
	row(fmt.Sprintf("304 cycle ≤ %.2f s", 5*float64(r.Feeds)/2000), fmt.Sprintf("%.2f s", r.NotModified.WallS), r.NotModified.WallS <= 5*float64(r.Feeds)/2000)
	if rl := r.Reload; rl != nil && rl.Actors >= 20000 {
		row("reload, 20,000 actors, ≤ 300 MB", fmt.Sprintf("%.0f MB", rl.PeakRSSMB), rl.PeakRSSMB <= 300)
	}
	if r.Baselines {
		row("own overhead ≤ 2.0× gofeed", fmt.Sprintf("%.2f×", r.OwnOverhead), r.OwnOverhead <= 2.0)
	}
}
