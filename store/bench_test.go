package store

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store/storetest"
	"github.com/storywatch/storywatch/story"
)

// insertWords is a vocabulary of made-up words, so that generated items
// share no more phrases than unrelated reports do.
var insertWords = func() []string {
	syl := []string{"ka", "lo", "mi", "ren", "sto", "vak", "dor", "ish", "bel", "nor", "tas", "gri", "zen", "pol", "vin", "mar"}
	r := rand.New(rand.NewPCG(5, 6))
	words := make([]string, 2000)
	for i := range words {
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		words[i] = b.String()
	}
	return words
}()

// benchFetch returns fetch n of a feed: items new items of about 1 KB each,
// the first hits of them with one hit of two matches each, the last joins
// of them with the title and text of one of the first items of fetch n-1
// (another feed's), so that they join its story, fingerprinted as the poll
// cycle does.
func benchFetch(n, items, hits, joins int) monitor.FeedFetch {
	r := rand.New(rand.NewPCG(uint64(n), 9))
	f := monitor.FeedFetch{State: monitor.FeedState{URL: fmt.Sprintf("https://feed%d.example/rss", n%100), FirstPollDone: true, LastStatus: 200}}
	for i := range items {
		var b strings.Builder
		for b.Len() < 1000 {
			b.WriteString(insertWords[r.IntN(len(insertWords))])
			b.WriteByte(' ')
		}
		url := fmt.Sprintf("https://news.example/%d/%d", n, i)
		it := monitor.NewItem{Item: feed.Item{Key: url, URL: url, CanonicalURL: url,
			Title: b.String()[:60], Summary: b.String(), Published: t0}}
		if i < hits {
			m := match.Match{Term: "Witkoff", Field: "summary", Snippet: b.String()[:160], Mark: [2]int{10, 17}}
			it.Hits = []match.Hit{{Watch: "witkoff", Score: 2, Matches: []match.Match{m, m}}}
		}
		f.Items = append(f.Items, it)
	}
	if n > 0 && joins > 0 {
		prev := benchFetch(n-1, items, 0, 0)
		for k := range joins {
			f.Items[items-joins+k].Title = prev.Items[k].Title
			f.Items[items-joins+k].Summary = prev.Items[k].Summary
		}
	}
	for i := range f.Items {
		f.Items[i].Print = story.FingerprintOf(f.Items[i].Item)
	}
	return f
}

// BenchmarkSaveFetch saves one fetch of 50 new items per iteration into a
// database that grows as the benchmark runs, as a poll cycle does.
func BenchmarkSaveFetch(b *testing.B) {
	for _, c := range []struct {
		name               string
		items, hits, joins int
	}{{"50items-0hits", 50, 0, 0}, {"50items-50hits", 50, 50, 0}, {"50items-50hits-10joins", 50, 50, 10}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			db, err := Open(ctx, storetest.Database(b),
				WithClock(func() time.Time { return t0 }), WithLogger(slog.New(slog.DiscardHandler)))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			b.ReportAllocs()
			n := 0
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				f := benchFetch(n, c.items, c.hits, c.joins)
				n++
				before := cpuTime()
				b.StartTimer()
				saved, err := db.SaveFetch(ctx, f)
				b.StopTimer()
				cpu += cpuTime() - before
				b.StartTimer()
				stories := c.items
				if n > 1 {
					stories -= c.joins
				}
				if err != nil || saved.Items != c.items || saved.Hits != c.hits || saved.Stories != stories {
					b.Fatalf("fetch %d: saved %+v, %v", n, saved, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*c.items), "ns/item")
			// CPU, unlike wall time, does not depend on what else the
			// machine runs.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*c.items), "cpu-ns/item")
		})
	}
}
