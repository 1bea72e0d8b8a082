package bench

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

// baselines times the same feeds without the pipeline: fetching alone,
// gofeed alone on one goroutine and at the cycle's concurrency, Parse
// (gofeed plus conversion) and matching alone.
func (r *run) baselines(ctx context.Context) error {
	rep, o := r.rep, r.o
	var err error
	o.Progress("fetching alone")
	fetcher := &feed.Fetcher{Client: r.client, MaxBody: 8 << 20, Timeout: time.Minute}
	rep.Fetch, err = measure(r.srv, func() error {
		return forEach(o.Feeds, o.Concurrency, func(f int) error {
			_, err := fetcher.Fetch(ctx, r.cfgs[f].URL, "", "")
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("bench: fetch alone: %w", err)
	}
	o.Progress("gofeed alone, 1 and %d goroutines", o.Concurrency)
	if rep.Gofeed1, _, err = parseBatches(r.g, 1, gofeedParse); err != nil {
		return fmt.Errorf("bench: gofeed: %w", err)
	}
	if rep.GofeedAfter, _, err = parseBatches(r.g, o.Concurrency, gofeedParse); err != nil {
		return fmt.Errorf("bench: gofeed: %w", err)
	}
	rep.GofeedC = rep.GofeedAfter
	if rep.GofeedBefore != nil {
		rep.GofeedC = Times{WallS: (rep.GofeedBefore.WallS + rep.GofeedAfter.WallS) / 2,
			CPUS: (rep.GofeedBefore.CPUS + rep.GofeedAfter.CPUS) / 2}
	}
	o.Progress("feed.Parse alone, %d goroutines; matching alone", o.Concurrency)
	if rep.ParseC, _, err = parseBatches(r.g, o.Concurrency, func(b []byte) error {
		_, err := feed.Parse(b, "application/rss+xml; charset=utf-8", r.base+"/f.xml")
		return err
	}); err != nil {
		return fmt.Errorf("bench: parse: %w", err)
	}
	if rep.Match1, err = matchAlone(r.g, r.m, r.base); err != nil {
		return fmt.Errorf("bench: match: %w", err)
	}
	if rep.GofeedC.CPUS > 0 {
		rep.OwnOverhead = (rep.Cycle.CPUS - rep.GofeedC.CPUS) / rep.GofeedC.CPUS
		rep.OwnOverheadWithServer = (rep.Cycle.CPUS + rep.Cycle.ServerCPUS - rep.GofeedC.CPUS) / rep.GofeedC.CPUS
	}
	return nil
}

func gofeedParse(b []byte) error {
	_, err := gofeed.NewParser().Parse(bytes.NewReader(b))
	return err
}

// gofeedBefore times gofeed alone at the cycle's concurrency before the
// cycles, when the baselines are measured: own overhead compares the
// cycles with the mean of this run and the one after them, so that a
// machine that speeds up or slows down during the bench (a shared or
// throttled one) moves both sides alike. It then resets the peak RSS,
// which the cycles' peak must not include; where that cannot be done
// (not Linux) it measures nothing, and only the run after counts.
func (r *run) gofeedBefore() error {
	if r.o.NoBaselines || !canResetPeak() {
		return nil
	}
	r.o.Progress("gofeed alone, %d goroutines, before the cycles", r.o.Concurrency)
	t, _, err := parseBatches(r.g, r.o.Concurrency, gofeedParse)
	if err != nil {
		return fmt.Errorf("bench: gofeed: %w", err)
	}
	runtime.GC()
	if err := resetPeak(); err != nil {
		return fmt.Errorf("bench: reset the peak RSS after gofeed alone: %w", err)
	}
	r.rep.GofeedBefore = &t
	return nil
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
func parseBatches(g *generator, workers int, parse func([]byte) error) (Times, int64, error) {
	const batch = 100
	var total Times
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
		t, err := measure(nil, func() error {
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
func matchAlone(g *generator, m *match.Matcher, base string) (Times, error) {
	var total Times
	var b bytes.Buffer
	for f := range g.feeds {
		b.Reset()
		g.write(&b, f)
		parsed, err := feed.Parse(b.Bytes(), "application/rss+xml; charset=utf-8", base+"/f.xml")
		if err != nil {
			return total, err
		}
		t, _ := measure(nil, func() error {
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
