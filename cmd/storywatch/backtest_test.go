package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// An item that was already older than backfill when a feed's first poll
// saw it got no hits then; a backtest must not add them later either, or a
// new watch would send old news. A backfill of 0 leaves nothing out.
func TestBacktestKeepsTheBackfillRule(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "sw.db"), store.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	item := func(key string, published time.Time) monitor.NewItem {
		return monitor.NewItem{Item: monitor.Item{Key: key, URL: "https://news.example/" + key,
			CanonicalURL: "https://news.example/" + key, Title: "Witkoff and Ushakov discussed the plan " + key,
			Published: published}}
	}
	if _, err := db.SaveFetch(ctx, monitor.FeedFetch{
		State: monitor.FeedState{URL: "http://feed.example/rss", FirstPollDone: true},
		Items: []monitor.NewItem{item("old", now.Add(-72*time.Hour)), item("new", now.Add(-time.Hour)), item("undated", time.Time{})},
	}); err != nil {
		t.Fatal(err)
	}
	m, err := match.Compile(match.Watchlist{Actors: []match.Actor{{ID: "witkoff", Aliases: []string{"Witkoff"}, Track: true}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		backfill time.Duration
		want     int
	}{{24 * time.Hour, 2}, {0, 3}} {
		res, err := backtestWatches(ctx, db, m, now.Add(-48*time.Hour), tt.backfill, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if add, _ := res.Total(); add != tt.want {
			t.Errorf("backfill %s: %d hits to add, want %d (%+v)", tt.backfill, add, tt.want, res.Add)
		}
	}
}
