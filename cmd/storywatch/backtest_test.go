package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// An item that a feed's first poll held back as older than backfill got no
// hits then; a backtest must not add them later either, or a new watch
// would send old news. Items matched when they arrived — including items
// with old dates seen on later polls — are backtested as usual.
func TestBacktestLeavesOutWhatTheFirstPollHeldBack(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "sw.db"), store.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	item := func(key string, published time.Time, heldBack bool) monitor.NewItem {
		return monitor.NewItem{HeldBack: heldBack, Item: feed.Item{Key: key, URL: "https://news.example/" + key,
			CanonicalURL: "https://news.example/" + key, Title: "Witkoff and Ushakov discussed the plan " + key,
			Published: published}}
	}
	if _, err := db.SaveFetch(ctx, monitor.FeedFetch{
		State: monitor.FeedState{URL: "http://feed.example/rss", FirstPollDone: true},
		Items: []monitor.NewItem{
			item("held-back", now.Add(-72*time.Hour), true),
			item("old-date-later-poll", now.Add(-72*time.Hour), false),
			item("new", now.Add(-time.Hour), false),
			item("undated", time.Time{}, false),
		},
	}); err != nil {
		t.Fatal(err)
	}
	m, err := match.Compile(match.Watchlist{Actors: []match.Actor{{ID: "witkoff", Aliases: []string{"Witkoff"}, Track: true}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := backtest.Run(ctx, db, m, backtest.Options{Since: now.Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if add, _ := res.Total(); add != 3 {
		t.Errorf("%d hits to add, want 3 (all but the held-back item): %+v", add, res.Add)
	}
	for _, c := range res.Add["witkoff"] {
		if c.URL == "https://news.example/held-back" {
			t.Errorf("the held-back item would get a hit")
		}
	}
}
