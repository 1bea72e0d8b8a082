package monitor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
)

func TestProgressCountsEveryFeedOnce(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.set("/a.xml", rss("A", leak))
	srv.set("/b.xml", rss("B", unrelated))
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/a.xml"}, {URL: srv.URL + "/b.xml"}, {URL: srv.URL + "/missing.xml"}}
	var mu sync.Mutex
	var calls [][2]int
	_, db, clk := setup(t, srv, feeds, monitor.Options{})
	p := monitor.NewPoller(db, testMatcher(t), feeds, monitor.Options{Fetch: feed.Fetcher{Client: srv.Client()}, Now: clk.Now,
		Progress: func(done, total int) {
			mu.Lock()
			calls = append(calls, [2]int{done, total})
			mu.Unlock()
		}})
	if _, err := p.PollAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 3 {
		t.Fatalf("progress called %d times (%v), want once per feed", len(calls), calls)
	}
	seen := map[int]bool{}
	for _, c := range calls {
		if c[1] != 3 {
			t.Errorf("progress total = %d, want 3", c[1])
		}
		seen[c[0]] = true
	}
	if !seen[1] || !seen[2] || !seen[3] {
		t.Errorf("progress counts = %v, want 1, 2 and 3", calls)
	}
}
