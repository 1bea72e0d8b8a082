package monitor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// farStore says every feed was polled and is due in an hour.
type farStore struct{ now time.Time }

func (s farStore) FeedStates(_ context.Context, urls []string) (map[string]monitor.FeedState, error) {
	out := make(map[string]monitor.FeedState, len(urls))
	for _, u := range urls {
		out[u] = monitor.FeedState{URL: u, LastFetch: s.now, NextPoll: s.now.Add(time.Hour)}
	}
	return out, nil
}

func (farStore) UnseenKeys(context.Context, string, []string) (map[string]bool, error) {
	return nil, nil
}

func (farStore) SaveFetch(context.Context, monitor.FeedFetch) (monitor.Saved, error) {
	return monitor.Saved{}, nil
}

// BenchmarkPollDueNothingDue is the daemon's tick once every feed has a
// plan: it finds none due among 10,000 feeds without reading the store.
func BenchmarkPollDueNothingDue(b *testing.B) {
	now := time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)
	feeds := make([]monitor.FeedConfig, 10000)
	for i := range feeds {
		feeds[i] = monitor.FeedConfig{URL: fmt.Sprintf("https://feeds.example/%d.xml", i)}
	}
	p := monitor.NewPoller(farStore{now}, nil, feeds, monitor.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	if c, err := p.PollDue(ctx); err != nil || len(c.Feeds) != 0 {
		b.Fatalf("first PollDue = %+v, %v", c, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if c, _ := p.PollDue(ctx); len(c.Feeds) != 0 {
			b.Fatal("a feed was due")
		}
	}
}
