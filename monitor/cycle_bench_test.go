package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// BenchmarkPollCycle polls 200 loopback feeds of 50 new items each (10,000
// new items) into a fresh database per iteration, then the same feeds
// answering 304.
func BenchmarkPollCycle(b *testing.B) {
	const feeds, items = 200, 50
	srv := newFeedServer(&testing.T{})
	defer srv.Close()
	var cfgs []monitor.FeedConfig
	for f := range feeds {
		var es []entry
		for i := range items {
			es = append(es, entry{guid: fmt.Sprintf("%d-%d", f, i), link: fmt.Sprintf("https://news.example/%d/%d", f, i),
				title:     fmt.Sprintf("Report %d from feed %d about Witkoff and Ushakov", i, f),
				desc:      "A leaked call recording between the envoy and the aide, with more words to make the item look like a real summary of a news article.",
				published: now0.Add(-time.Hour)})
		}
		path := fmt.Sprintf("/f%d.xml", f)
		srv.set(path, rss(fmt.Sprintf("Feed %d", f), es...))
		cfgs = append(cfgs, monitor.FeedConfig{URL: srv.URL + path})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "sw.db"), store.WithClock(func() time.Time { return now0 }))
		if err != nil {
			b.Fatal(err)
		}
		p := monitor.NewPoller(db, testMatcher(&testing.T{}), cfgs, monitor.Options{Fetch: feed.Fetcher{Client: client}, Concurrency: 8, PerHost: 64, Now: func() time.Time { return now0 }})
		b.StartTimer()
		start := time.Now()
		c, err := p.PollAll(context.Background())
		if err != nil || c.ItemsNew != feeds*items {
			b.Fatalf("cycle %+v, %v", c, err)
		}
		b.ReportMetric(float64(c.ItemsNew)/time.Since(start).Seconds(), "items/s")
		start = time.Now()
		c, _ = p.PollAll(context.Background())
		if c.NotModified != feeds {
			b.Fatalf("second cycle %+v", c)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/304cycle")
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}
