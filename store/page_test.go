package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/web"
)

func hitOf(watch string, score int, term, field, snippet string) match.Hit {
	return match.Hit{Watch: watch, Score: score, Matches: []match.Match{{Term: term, Field: field, Snippet: snippet}}}
}

// seedPages stores, a minute apart: the AP report (seen in the AP feed and
// in a wire feed), a rewrite with the same title in Ynet (the same story),
// a second story, and an item no watch hit.
func seedPages(t *testing.T) (*DB, *time.Time) {
	t.Helper()
	db, now := testDB(t)
	report := storyItem("ap-1", "https://apnews.example/leak", "Witkoff coached Ushakov, transcript shows", wireBody)
	report.Hits = []match.Hit{hitOf("witkoff", 2, "Witkoff", "title", report.Title), hitOf("call-leak", 6, "transcript", "title", report.Title)}
	mustSave(t, db, namedFetch("http://ap.example/rss", "AP", report))
	*now = now.Add(time.Minute)
	wire := report
	wire.Key = "wire-1"
	mustSave(t, db, namedFetch("http://wire.example/rss", "Wire", wire))
	*now = now.Add(time.Minute)
	rewrite := storyItem("ynet-1", "https://ynet.example/leak", "Witkoff coached Ushakov, transcript shows", "A shorter rewrite.")
	rewrite.Hits = []match.Hit{hitOf("call-leak", 3, "transcript", "title", rewrite.Title)}
	mustSave(t, db, namedFetch("http://ynet.example/rss", "Ynet", rewrite))
	*now = now.Add(time.Minute)
	miami := storyItem("ap-2", "https://apnews.example/miami", "Dmitriev met Witkoff in Miami", miamiBody)
	miami.Hits = []match.Hit{hitOf("witkoff", 2, "Witkoff", "title", miami.Title)}
	other := storyItem("ap-3", "https://apnews.example/snow", "First snow in Moscow", "Snow fell.")
	mustSave(t, db, namedFetch("http://ap.example/rss", "AP", miami, other))
	return db, now
}

func TestWatchStoriesNewestFirstWithTheBestHit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := seedPages(t)
	page, err := db.WatchStories(ctx, web.StoryQuery{Watch: "call-leak"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || len(page.Stories) != 1 {
		t.Fatalf("call-leak stories = %+v, want the one story of the report and its rewrite", page)
	}
	s := page.Stories[0]
	if s.Copies != 3 || s.Score != 6 || len(s.Matches) != 1 || s.Matches[0].Term != "transcript" || s.Title != "Witkoff coached Ushakov, transcript shows" {
		t.Errorf("story = %+v, want 3 copies (2 items, one in two feeds) and the best hit (score 6)", s)
	}
	if got := s.Outlets; len(got) != 3 || got[0] != "AP" || got[1] != "Wire" || got[2] != "Ynet" {
		t.Errorf("outlets = %v, want AP, Wire, Ynet", got)
	}
	if !s.Found.Equal(t0) {
		t.Errorf("found = %v, want the first hit's time %v", s.Found, t0)
	}

	all, err := db.WatchStories(ctx, web.StoryQuery{Watch: "witkoff"})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 2 || len(all.Stories) != 2 || all.Stories[0].Title != "Dmitriev met Witkoff in Miami" {
		t.Fatalf("witkoff stories = %+v, want 2, newest first", all)
	}
	second, err := db.WatchStories(ctx, web.StoryQuery{Watch: "witkoff", Offset: 1, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if second.Total != 2 || len(second.Stories) != 1 || second.Stories[0].ID != all.Stories[1].ID {
		t.Errorf("second page = %+v, want the older story and the whole total", second)
	}
	recent, err := db.WatchStories(ctx, web.StoryQuery{Watch: "witkoff", Since: now.Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if recent.Total != 1 || recent.Stories[0].Title != "Dmitriev met Witkoff in Miami" {
		t.Errorf("stories since the last save = %+v, want only the new story", recent)
	}
	none, err := db.WatchStories(ctx, web.StoryQuery{Watch: "nobody"})
	if err != nil || none.Total != 0 || len(none.Stories) != 0 {
		t.Errorf("unknown watch = %+v, %v; want nothing", none, err)
	}
}

func TestStoryTimelineListsEverySighting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := seedPages(t)
	page, err := db.WatchStories(ctx, web.StoryQuery{Watch: "call-leak"})
	if err != nil || len(page.Stories) != 1 {
		t.Fatalf("stories = %+v, %v", page, err)
	}
	tl, err := db.StoryTimeline(ctx, page.Stories[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if tl.CopyCount != 3 || len(tl.Copies) != 3 {
		t.Fatalf("timeline = %+v, want 3 copies: 2 items, one seen in two feeds", tl)
	}
	want := []struct{ feed, url string }{
		{"AP", "https://apnews.example/leak"}, {"Wire", "https://apnews.example/leak"}, {"Ynet", "https://ynet.example/leak"},
	}
	for i, w := range want {
		c := tl.Copies[i]
		if c.Feed != w.feed || c.Outlet != w.feed || c.URL != w.url || !c.FirstSeen.Equal(t0.Add(time.Duration(i)*time.Minute)) {
			t.Errorf("copy %d = %+v, want feed %s, %s, seen %d min after the first", i, c, w.feed, w.url, i)
		}
	}
	if !tl.Copies[0].Lead || tl.Copies[1].Lead || tl.Copies[2].Lead {
		t.Errorf("lead marks = %v %v %v, want the AP copy only (the lead is one copy, by rule)", tl.Copies[0].Lead, tl.Copies[1].Lead, tl.Copies[2].Lead)
	}
	if len(tl.Hits) != 3 || tl.Hits[0].Watch != "witkoff" || tl.Hits[2].Score != 3 || len(tl.Hits[2].Matches) != 1 {
		t.Errorf("hits = %+v, want witkoff and call-leak on the report, call-leak on the rewrite", tl.Hits)
	}
	if _, err := db.StoryTimeline(ctx, 9999); !errors.Is(err, web.ErrNotFound) {
		t.Errorf("missing story: %v, want web.ErrNotFound", err)
	}
}

func TestItemsSinceCarryTheirStory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := seedPages(t)
	items, err := db.ItemsSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 || items[0].StoryID == 0 || items[1].StoryID != items[0].StoryID || items[2].StoryID == items[0].StoryID {
		t.Errorf("items = %+v, want the report and its rewrite in one story", items)
	}
}
