package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// Retention clears every old row however many slices that takes, deletes
// the copies' text rows, goes on from where it stopped, and reads the
// first-sighting indexes only.
func TestPruneWorksInSlicesFromWhereItStopped(t *testing.T) {
	t.Parallel()
	db, now := testDB(t)
	ctx := context.Background()
	for f := range 3 {
		var items []monitor.NewItem
		for i := range pruneBatch/2 + 10 {
			items = append(items, storyItem(fmt.Sprintf("k%d", i), fmt.Sprintf("https://a%d.test/%d", f, i), fmt.Sprintf("report %d %d", f, i), "text"))
		}
		mustSave(t, db, fetchOf(fmt.Sprintf("http://a%d.test/rss", f), items...))
		*now = now.Add(time.Minute)
	}
	want := int64(3 * (pruneBatch/2 + 10))
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM copy_texts`); n != int(want) {
		t.Fatalf("%d text rows, want %d", n, want)
	}
	// Only the first two fetches are old enough.
	n, err := db.Prune(ctx, now.Add(-90*time.Second))
	if err != nil || n != want*2/3 {
		t.Fatalf("prune = %d, %v; want %d items", n, err, want*2/3)
	}
	if left := count(`SELECT COUNT(*) FROM copy_texts`); left != int(want/3) {
		t.Errorf("%d text rows left, want %d", left, want/3)
	}
	*now = now.Add(40 * 24 * time.Hour)
	if n, err := db.Prune(ctx, now.Add(-30*24*time.Hour)); err != nil || n != want/3 {
		t.Fatalf("second prune = %d, %v; want %d items", n, err, want/3)
	}
	if left := count(`SELECT COUNT(*) FROM item_sources WHERE pruned = 0 OR text_id IS NOT NULL`); left != 0 {
		t.Errorf("%d copies left unpruned", left)
	}
	if left := count(`SELECT COUNT(*) FROM copy_texts`) + count(`SELECT COUNT(*) FROM items WHERE pruned = 0`); left != 0 {
		t.Errorf("%d text rows and unpruned items left", left)
	}
	if n, err := db.Prune(ctx, now.Add(-30*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("prune with nothing to do = %d, %v", n, err)
	}
	// A copy stored with a clock set back before what retention removed
	// keeps no text.
	mustSave(t, db, fetchOf("http://late.test/rss", storyItem("late", "https://late.test/1", "late report", "text")))
	*now = now.Add(-60 * 24 * time.Hour)
	mustSave(t, db, fetchOf("http://late.test/rss", storyItem("early", "https://late.test/2", "early report", "text")))
	if got := count(`SELECT COUNT(*) FROM item_sources WHERE pruned = 1 AND text_id IS NULL AND key = 'early'`) +
		count(`SELECT COUNT(*) FROM items WHERE pruned = 1 AND key = 'early'`); got != 2 {
		t.Errorf("a copy first seen before retention's cutoff was stored with its text")
	}
	if db.dialect.postgres {
		return // the plans below are SQLite's
	}
	for _, q := range []string{selectCopySliceEnd, selectItemSliceEnd, deleteCopyTexts, pruneCopies, pruneItems} {
		rows, err := db.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, "_first_seen (first_seen>? AND first_seen<?)") || strings.Contains(p, "SCAN") {
			t.Errorf("%s\nplan: %s", q, p)
		}
	}
}
