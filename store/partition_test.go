package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/story"
)

// randomEntry is one generated feed entry: its feed, when it arrives and
// its text, drawn from small pools so that the copy graph has chains,
// bridges and copies just outside the window.
type randomEntry struct {
	feed int
	at   time.Duration // after t0
	item monitor.NewItem
}

func randomEntries(r *rand.Rand, n int) []randomEntry {
	titles := []string{"Witkoff coached Ushakov, recording shows", "Kremlin denies leaking the Witkoff call",
		"Dmitriev calls the transcript a fake", "Short", ""}
	// Light rewrites of two reports: one word changed, some of them
	// within the SimHash distance of the original, some not.
	var bodies []string
	for _, b := range []string{wireBody, miamiBody} {
		w := strings.Fields(b)
		bodies = append(bodies, b)
		for _, k := range []int{5, 30, 60} {
			v := slices.Clone(w)
			v[k] = "rewritten"
			bodies = append(bodies, strings.Join(v, " "))
		}
	}
	bodies = append(bodies, "Too short to compare.")
	out := make([]randomEntry, n)
	for i := range out {
		link := fmt.Sprintf("https://news.test/%d", r.IntN(6))
		if r.IntN(4) == 0 {
			link = ""
		}
		it := monitor.NewItem{Item: feed.Item{Key: fmt.Sprintf("k%d", i), URL: link, CanonicalURL: link,
			Title: titles[r.IntN(len(titles))], Summary: bodies[r.IntN(len(bodies))]}}
		if r.IntN(2) == 0 {
			it.Published = t0.Add(time.Duration(r.IntN(400)) * time.Hour)
		}
		out[i] = randomEntry{feed: r.IntN(4), at: time.Duration(r.IntN(20*24)) * time.Hour, item: it}
	}
	return out
}

// The stored stories are the connected components of the copy graph over
// what was stored, whatever the order entries came in and however far
// apart: a store-level check of the lookups (one copy per story and key
// must reach every linked story) against story.Components.
func TestStoredStoriesAreTheComponentsOfTheCopyGraph(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(4, 5))
	merges := 0
	for round := range 12 {
		entries := randomEntries(r, 40)
		// Arrivals in time order, entries of one time in random order.
		r.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
		slices.SortStableFunc(entries, func(a, b randomEntry) int { return int(a.at - b.at) })
		db, now := testDB(t)
		for _, e := range entries {
			*now = t0.Add(e.at)
			merges += mustSave(t, db, fetchOf(fmt.Sprintf("http://feed%d.test/rss", e.feed), e.item)).Merged
		}
		checkComponents(t, db, fmt.Sprintf("round %d", round))
	}
	if merges == 0 {
		t.Error("no entry bridged two stories: the test checks no merge")
	}
	t.Logf("%d merges", merges)
}

// checkComponents checks that the stories stored in db are the connected
// components of the copy graph over the stored copies, and that every
// copy is in its item's story.
func checkComponents(t *testing.T, db *DB, label string) {
	t.Helper()
	ctx := context.Background()
	// What was stored, as copies.
	rows, err := db.db.QueryContext(ctx, `SELECT s.feed_id, s.key, s.canonical_url, s.first_seen,
		COALESCE(s.title_hash, 0), COALESCE(s.simhash, 0), s.simhash IS NOT NULL, s.story_id, i.story_id
		FROM item_sources s JOIN items i ON i.id = s.item_id ORDER BY s.feed_id, s.key`)
	if err != nil {
		t.Fatal(err)
	}
	var copies []story.Copy
	var names []string
	labels := map[string]int64{}
	for rows.Next() {
		var c story.Copy
		var key string
		var seen, title, text, copyStory, itemStory int64
		if err := rows.Scan(&c.Feed, &key, &c.CanonicalURL, &seen, &title, &text, &c.HasText, &copyStory, &itemStory); err != nil {
			t.Fatal(err)
		}
		if copyStory != itemStory {
			t.Fatalf("copy %d/%s is in story %d, its item in %d", c.Feed, key, copyStory, itemStory)
		}
		c.FirstSeen, c.Title, c.Text = time.UnixMilli(seen), uint64(title), uint64(text)
		copies = append(copies, c)
		name := fmt.Sprintf("%d/%s", c.Feed, key)
		names = append(names, name)
		labels[name] = copyStory
	}
	rows.Close()
	want := map[string]bool{}
	for _, comp := range story.Components(copies) {
		var group []string
		for _, i := range comp {
			group = append(group, names[i])
		}
		sort.Strings(group)
		want[strings.Join(group, " ")] = true
	}
	got := map[int64][]string{}
	for name, s := range labels {
		got[s] = append(got[s], name)
	}
	for id, group := range got {
		sort.Strings(group)
		if !want[strings.Join(group, " ")] {
			t.Fatalf("%s: story %d holds %v, not a component of the copy graph %v", label, id, group, want)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d stories, want %d components", label, len(got), len(want))
	}
	var stories int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM stories`).Scan(&stories); err != nil || stories != len(got) {
		t.Errorf("%s: %d story rows (%v), want %d", label, stories, err, len(got))
	}
}
