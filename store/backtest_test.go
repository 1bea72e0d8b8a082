package store

import (
	"context"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
)

func TestItemsSinceSkipsOldAndPrunedItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := testDB(t)
	if _, err := db.SaveFetch(ctx, fetchOf("http://a.example/feed", newItem("old", "https://x.example/old", "Old report"))); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(72 * time.Hour)
	if _, err := db.SaveFetch(ctx, fetchOf("http://a.example/feed", newItem("new", "https://x.example/new", "Witkoff call"))); err != nil {
		t.Fatal(err)
	}
	items, err := db.ItemsSince(ctx, now.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || len(items[0].Copies) != 1 || items[0].Copies[0].Doc.Title != "Witkoff call" ||
		items[0].Copies[0].Doc.Summary != "text of Witkoff call" {
		t.Fatalf("items since 48h = %+v, want the new item with its text", items)
	}
	if _, err := db.Prune(ctx, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	items, err = db.ItemsSince(ctx, now.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 0 {
		t.Errorf("pruned items still listed: %+v", items)
	}
}

func TestAddBackfilledHitsKeepsExistingHits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testDB(t)
	if _, err := db.SaveFetch(ctx, fetchOf("http://a.example/feed", newItem("k1", "https://x.example/1", "Witkoff call", "witkoff"))); err != nil {
		t.Fatal(err)
	}
	items, err := db.ItemsSince(ctx, time.Time{})
	if err != nil || len(items) != 1 {
		t.Fatalf("items = %v, %v", items, err)
	}
	id := items[0].ID
	hits := []BackfilledHit{
		{ItemID: id, Hit: match.Hit{Watch: "witkoff", Score: 9}},
		{ItemID: id, Hit: match.Hit{Watch: "call-leak", Score: 3, Matches: []match.Match{{Term: "call", Field: "title"}}}},
	}
	added, err := db.AddBackfilledHits(ctx, hits)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 1 || added["call-leak"] != 1 {
		t.Errorf("added = %v, want only call-leak", added)
	}
	again, err := db.AddBackfilledHits(ctx, hits)
	if err != nil || len(again) != 0 {
		t.Errorf("second backtest added %v (%v), want nothing", again, err)
	}
	stored, err := db.Hits(ctx, HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byWatch := map[string]Hit{}
	for _, h := range stored {
		byWatch[h.Watch] = h
	}
	if h := byWatch["witkoff"]; h.Backfilled || h.Score != 2 {
		t.Errorf("the poll's hit changed: %+v", h)
	}
	if h := byWatch["call-leak"]; !h.Backfilled || h.Score != 3 || len(h.Matches) != 1 {
		t.Errorf("backfilled hit = %+v, want backfilled with its matches", h)
	}
}
