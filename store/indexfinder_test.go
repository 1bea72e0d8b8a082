package store

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/store/storetest"
)

// copyStories returns each stored copy's story, "feed/key=story", sorted.
func copyStories(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.db.QueryContext(context.Background(), `SELECT feed_id, key, story_id, item_id FROM item_sources`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var feed, story, item int64
		var key string
		if err := rows.Scan(&feed, &key, &story, &item); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d/%s=%d/%d", feed, key, story, item))
	}
	slices.Sort(out)
	return out
}

// withoutIndex makes db find linked copies through SQL alone.
func withoutIndex(db *DB) {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	db.index.x.Close()
	db.index = nil
}

// The in-memory index finds what the SQL lookups find: saving the same
// arrivals with and without it gives every copy the same item and story.
func TestIndexAndSQLPlaceCopiesAlike(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "the in-memory copy index is SQLite's")
	r := rand.New(rand.NewPCG(8, 9))
	for round := range 8 {
		entries := randomEntries(r, 60)
		slices.SortStableFunc(entries, func(a, b randomEntry) int { return int(a.at - b.at) })
		indexed, nowI := testDB(t)
		plain, nowP := testDB(t)
		withoutIndex(plain)
		for _, e := range entries {
			*nowI, *nowP = t0.Add(e.at), t0.Add(e.at)
			f := fetchOf(fmt.Sprintf("http://feed%d.test/rss", e.feed), e.item)
			a, b := mustSave(t, indexed, f), mustSave(t, plain, f)
			if a.Items != b.Items || a.Stories != b.Stories || a.Merged != b.Merged {
				t.Fatalf("round %d: saved %+v with the index, %+v without", round, a, b)
			}
		}
		if indexed.index == nil || indexed.index.x.Len() != len(entries) {
			t.Fatalf("round %d: the index holds %v copies, want %d", round, indexed.index, len(entries))
		}
		if got, want := copyStories(t, indexed), copyStories(t, plain); !slices.Equal(got, want) {
			t.Fatalf("round %d: copies (feed/key=story/item)\nwith the index    %v\nwithout the index %v", round, got, want)
		}
	}
}

// A fetch that fails leaves nothing of itself in the index: a later copy
// with its title starts a story of its own.
func TestFailedFetchLeavesNoCopyInTheIndex(t *testing.T) {
	t.Parallel()
	db, _ := testDB(t)
	ctx := context.Background()
	failHitsOf(t, db, "boom")
	title := "Witkoff coached Ushakov, recording shows"
	f := fetchOf("http://a.test/rss", storyItem("a1", "https://a.test/1", title, wireBody),
		storyItem("a2", "https://a.test/2", "Another report entirely", miamiBody, "boom"))
	if _, err := db.SaveFetch(ctx, f); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("SaveFetch with a failing hit: %v, want the trigger's error", err)
	}
	if n := indexLen(db); n != 0 {
		t.Fatalf("the index holds %d copies after a failed fetch", n)
	}
	s := mustSave(t, db, fetchOf("http://b.test/rss", storyItem("b1", "https://b.test/1", title, "")))
	if s.Stories != 1 {
		t.Errorf("a copy of the failed fetch's title joined a story (saved %+v): the index kept a rolled-back copy", s)
	}
}

// The index is built at open from the stored window, and a store sees the
// copies another process stored: both place a new copy in the story of
// its stored copies.
func TestIndexFollowsOpenAndOtherProcesses(t *testing.T) {
	t.Parallel()
	path := storetest.Database(t)
	now := t0
	open := func() *DB {
		db, err := Open(context.Background(), path, WithClock(func() time.Time { return now }), WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	title := "Witkoff coached Ushakov, recording shows"
	first := open()
	mustSave(t, first, fetchOf("http://a.test/rss", storyItem("a1", "https://a.test/1", title, "")))
	first.Close()

	now = t0.Add(time.Hour)
	daemon := open()
	if !daemon.dialect.postgres && (daemon.index == nil || daemon.index.x.Len() != 1) {
		t.Fatalf("reopened index = %+v, want the stored copy", daemon.index)
	}
	if s := mustSave(t, daemon, fetchOf("http://b.test/rss", storyItem("b1", "https://b.test/1", title, ""))); s.Stories != 0 {
		t.Errorf("after reopening, a copy of a stored title started a story: %+v", s)
	}
	// Another process (storywatch once beside the daemon) stores a copy
	// with a new title; the daemon's next copy with that title joins it.
	other := open()
	other2 := "Kremlin denies leaking the Witkoff call"
	mustSave(t, other, fetchOf("http://c.test/rss", storyItem("c1", "https://c.test/1", other2, "")))
	if s := mustSave(t, daemon, fetchOf("http://d.test/rss", storyItem("d1", "https://d.test/1", other2, ""))); s.Stories != 0 {
		t.Errorf("a copy of another process's title started a story: %+v", s)
	}
	if got := copyStories(t, daemon); len(got) != 4 {
		t.Fatalf("copies = %v, want 4", got)
	}
}

// indexLen returns the number of copies in db's copy index (none on
// PostgreSQL, which has no index).
func indexLen(db *DB) int {
	if db.index == nil {
		return 0
	}
	return db.index.x.Len()
}
