package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
)

// The hits of new items go in in batches; a copy of one of them in the
// same transaction still finds its hit and gives it better evidence.
func TestHitsOfNewItemsInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testDB(t)
	n := 2*hitBatch + 5
	var items []monitor.NewItem
	for i := range n {
		items = append(items, newItem(fmt.Sprintf("k%d", i), fmt.Sprintf("https://x.example/%d", i),
			fmt.Sprintf("Witkoff report %d", i), "witkoff", "ushakov"))
	}
	// The same article from another feed, with a better score, saved in
	// the same call: its hit is compared with the waiting one.
	better := newItem("b1", "https://x.example/1", "Witkoff report 1")
	better.Hits = []match.Hit{{Watch: "witkoff", Score: 9, Matches: []match.Match{{Term: "Witkoff", Field: "title", Snippet: "Witkoff report 1", Mark: [2]int{0, 7}}}}}
	saved, err := db.saveTogether([]*saveRequest{
		{ctx: ctx, f: fetchOf("http://a.example/feed", items...)},
		{ctx: ctx, f: fetchOf("http://b.example/feed", better)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if saved[0].saved.Hits != 2*n || saved[0].saved.HitsByWatch["witkoff"] != n || saved[1].saved.Hits != 0 {
		t.Errorf("saved %+v and %+v, want %d new hits, then none", saved[0], saved[1], 2*n)
	}
	hits, err := db.Hits(ctx, HitFilter{})
	if err != nil || len(hits) != 2*n {
		t.Fatalf("%d hits (%v), want %d", len(hits), err, 2*n)
	}
	for _, h := range hits {
		if h.Watch == "witkoff" && h.Title == "Witkoff report 1" && (h.Score != 9 || h.Matches[0].Mark != [2]int{0, 7}) {
			t.Errorf("hit of the copied item = %+v, want the better evidence", h)
		}
	}
}
