package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/storywatch/storywatch/bench"
	"github.com/storywatch/storywatch/config"
)

// cmdBench measures poll cycles through the real pipeline against a
// loopback feed server, and gofeed alone on the same bytes (package bench).
func cmdBench(a *app, args []string) error {
	fs := a.flags("bench")
	var o bench.Options
	fs.IntVar(&o.Feeds, "feeds", 2000, "feeds served on loopback")
	fs.IntVar(&o.Items, "items", 50, "items per feed, about 1 KB each")
	fs.IntVar(&o.Actors, "actors", 2000, "generated actors of 4 aliases each, besides the example watchlist's")
	fs.IntVar(&o.Storylines, "storylines", 500, "generated storylines, besides the example watchlist's")
	fs.IntVar(&o.Concurrency, "concurrency", config.DefaultConcurrency, "feeds fetched at once")
	fs.IntVar(&o.Cycles, "cycles", 1, "full cycles, each into a fresh database; medians are printed")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	baselines := fs.Bool("baselines", true, "also time fetching, gofeed, Parse and matching alone on the same feeds")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the full cycles to `file`, from the first poll on (after -stored's filling)")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write an allocation profile after the cycles to `file`")
	fs.StringVar(&o.DB, "db", "", "write into the SQLite database at `path` and keep it, instead of a fresh temporary one per cycle; "+
		"a postgres:// URL writes each cycle into a fresh schema on that server, dropped after")
	fs.BoolVar(&o.InProcessServer, "inprocess-server", false, "serve the feeds from this process instead of a child process: the server's CPU then counts in the cycle's")
	fs.StringVar(&o.Partition, "partition", "", "write the stories of the last cycle's items to `file`, or compare them with it when it exists (exit 1 if they differ)")
	fs.IntVar(&o.ReloadActors, "reload-actors", 0, "at the end, measure the peak RSS of a reload with a watchlist of `N` generated actors (and N/4 storylines) during a full cycle")
	fs.IntVar(&o.Stored, "stored", 0, "before each measured cycle, store `N` items in the story window without fetching or matching them")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	o.NoBaselines = !*baselines
	corpus, err := demoFeeds()
	if err != nil {
		return err
	}
	o.Corpus = corpus
	if isTerminal(a.stderr) {
		o.Progress = func(format string, args ...any) { fmt.Fprintf(a.stderr, "bench: "+format+"\n", args...) }
	}
	rep, err := bench.Run(a.ctx, o)
	if errors.Is(err, bench.ErrOptions) {
		return usagef("bench: -feeds, -items, -concurrency and -cycles must be at least 1; -actors, -storylines, -stored and -reload-actors at least 0")
	}
	if err != nil {
		return err
	}
	if *asJSON {
		// One object on one line, like every -json output.
		err = writeJSONLines(a.stdout, []*bench.Report{rep})
	} else {
		rep.WriteText(a.stdout)
	}
	if p := rep.Partition; err == nil && p != nil && p.Compared && !p.Same {
		err = fmt.Errorf("bench: %w %s: %d of this run's stories are not in it", bench.ErrPartitionDiffers, p.File, p.Differing)
	}
	return err
}

// demoFeeds are the demo's bundled feeds, the prose the bench's items are
// drawn from.
func demoFeeds() (fs.FS, error) {
	return fs.Sub(demoFiles, "demo/feeds")
}
