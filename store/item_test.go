package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/story"
)

func fetchOf(feedURL string, items ...monitor.NewItem) monitor.FeedFetch {
	return monitor.FeedFetch{
		State: monitor.FeedState{URL: feedURL, FirstPollDone: true, LastStatus: 200},
		Items: items,
	}
}

func newItem(key, canonical, title string, watches ...string) monitor.NewItem {
	it := monitor.NewItem{Item: feed.Item{Key: key, URL: canonical, CanonicalURL: canonical, Title: title, Summary: "text of " + title}}
	for _, w := range watches {
		it.Hits = append(it.Hits, match.Hit{Watch: w, Score: 2, Matches: []match.Match{{Term: w, Field: "title", Snippet: title}}})
	}
	return it
}

func TestSaveFetchIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testDB(t)
	f := fetchOf("http://a.example/feed", newItem("k1", "https://x.example/1", "Witkoff call", "witkoff", "call-leak"), newItem("k2", "", "No link"))
	got, err := db.SaveFetch(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Items != 2 || got.Sources != 2 || got.Hits != 2 || got.HitsByWatch["witkoff"] != 1 {
		t.Errorf("first save = %+v, want 2 items, 2 sources, 2 hits", got)
	}
	again, err := db.SaveFetch(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if again.Items != 0 || again.Sources != 0 || again.Hits != 0 {
		t.Errorf("second save = %+v, want nothing new", again)
	}
	feed, err := db.Feed(ctx, "http://a.example/feed")
	if err != nil {
		t.Fatal(err)
	}
	if feed.ItemCount != 2 {
		t.Errorf("item count = %d, want 2", feed.ItemCount)
	}
	unseen, err := db.UnseenKeys(ctx, "http://a.example/feed", []string{"k1", "k2", "k3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(unseen) != 1 || !unseen["k3"] {
		t.Errorf("unseen = %v, want only k3", unseen)
	}
}

func TestSameArticleInTwoFeedsIsOneItemWithTwoSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testDB(t)
	url := "https://news.example/witkoff"
	if _, err := db.SaveFetch(ctx, fetchOf("http://a.example/feed", newItem("a1", url, "Witkoff", "witkoff"))); err != nil {
		t.Fatal(err)
	}
	got, err := db.SaveFetch(ctx, fetchOf("http://b.example/feed", newItem("b1", url, "Witkoff", "witkoff", "call-leak")))
	if err != nil {
		t.Fatal(err)
	}
	if got.Items != 0 || got.Sources != 1 || got.Hits != 1 || got.HitsByWatch["call-leak"] != 1 {
		t.Errorf("second feed saved %+v, want 0 items, 1 source, 1 hit (call-leak)", got)
	}
	hits, err := db.Hits(ctx, HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 {
		t.Fatalf("%d hits, want 2 (one per watch)", len(hits))
	}
	it, err := db.Item(ctx, hits[0].ItemID)
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Sources) != 2 || it.Sources[0] != "http://a.example/feed" {
		t.Errorf("sources = %v, want a then b", it.Sources)
	}
}

func TestHitsNewestFirstAndFiltered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := testDB(t)
	f := fetchOf("http://a.example/feed", newItem("k1", "https://x.example/1", "first", "witkoff"))
	f.Name = "Feed A"
	db.SaveFetch(ctx, f)
	*now = now.Add(time.Hour)
	f = fetchOf("http://a.example/feed", newItem("k2", "https://x.example/2", "second", "witkoff", "ushakov"))
	f.Name = "Feed A"
	db.SaveFetch(ctx, f)

	all, err := db.Hits(ctx, HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Title != "second" || all[2].Title != "first" {
		t.Fatalf("hits not newest first: %+v", all)
	}
	h := all[2]
	if h.Feed != "Feed A" || h.ItemURL != "https://x.example/1" || h.Score != 2 || len(h.Matches) != 1 || h.Matches[0].Term != "witkoff" || !h.FoundAt.Equal(t0) {
		t.Errorf("hit fields wrong: %+v", h)
	}
	recent, _ := db.Hits(ctx, HitFilter{Since: t0.Add(time.Minute), Watch: "witkoff"})
	if len(recent) != 1 || recent[0].Title != "second" {
		t.Errorf("since+watch filter gave %+v", recent)
	}
	one, _ := db.Hits(ctx, HitFilter{Limit: 1})
	if len(one) != 1 {
		t.Errorf("limit 1 gave %d hits", len(one))
	}
}

func TestPruneKeepsHitsAndTitles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := testDB(t)
	db.SaveFetch(ctx, fetchOf("http://a.example/feed", newItem("old", "https://x.example/old", "old story", "witkoff")))
	*now = now.Add(40 * 24 * time.Hour)
	db.SaveFetch(ctx, fetchOf("http://a.example/feed", newItem("new", "https://x.example/new", "new story")))

	n, err := db.Prune(ctx, now.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("pruned %d items, want 1", n)
	}
	hits, _ := db.Hits(ctx, HitFilter{})
	if len(hits) != 1 || hits[0].Title != "old story" {
		t.Fatalf("hit lost or title gone after prune: %+v", hits)
	}
	old, _ := db.Item(ctx, hits[0].ItemID)
	if !old.Pruned || old.Summary != "" {
		t.Errorf("old item not pruned: %+v", old)
	}
	if n, _ := db.Prune(ctx, now.Add(-30*24*time.Hour)); n != 0 {
		t.Errorf("second prune touched %d items", n)
	}
}

func TestFeedStateRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testDB(t)
	s := monitor.FeedState{
		URL: "http://a.example/feed", FetchURL: "http://b.example/feed", Title: "A", ETag: `"e1"`,
		LastModified: "Wed, 26 Nov 2025 10:00:00 GMT", LastFetch: t0, LastSuccess: t0.Add(-time.Hour),
		LastStatus: 503, ConsecutiveErrors: 2, LastError: "HTTP 503", NextAttempt: t0.Add(time.Hour), FirstPollDone: true,
		NextPoll: t0.Add(30 * time.Minute), PollReason: "Cache-Control max-age=3600 asks for 1h; capped at poll.max_interval 30m",
		Interval: 10 * time.Minute, BoostUntil: t0.Add(2 * time.Hour), FeedHint: feed.Hint{Wait: time.Hour, Source: "RSS ttl 60"},
		Hub: "https://hub.example/", Self: "https://a.example/feed",
	}
	if _, err := db.SaveFetch(ctx, monitor.FeedFetch{Name: "Feed A", State: s}); err != nil {
		t.Fatal(err)
	}
	states, err := db.FeedStates(ctx, []string{s.URL, "http://never.example/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[s.URL] != s {
		t.Errorf("state round trip:\n got %+v\nwant %+v", states[s.URL], s)
	}
	if _, err := db.Feed(ctx, "http://never.example/"); err == nil {
		t.Error("Feed of an unknown URL: want ErrNotFound")
	}
}

// Within one feed, items with different keys are different items even when
// their links canonicalize alike (live-blog entries differing by
// #fragment): each is stored with its own text and hits, and each is a
// report of its own unless its title or text makes it a copy.
func TestEntriesOfOnePageInOneFeedAreItemsOfTheirOwn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := testDB(t)
	page := "https://live.example/ukraine-live" // both entries' links, fragment removed
	first := mustSave(t, db, fetchOf("http://live.example/feed", newItem("block-1", page, "Kyiv reacts to the plan", "witkoff")))
	*now = now.Add(time.Hour)
	second := mustSave(t, db, fetchOf("http://live.example/feed", newItem("block-2", page, "Ushakov comments on the call", "witkoff", "ushakov")))
	if first.Items != 1 || second.Items != 1 || second.Hits != 2 {
		t.Fatalf("saved %+v then %+v, want one item each and both hits of the second", first, second)
	}
	if second.Stories != 1 {
		t.Errorf("the second entry of the page joined the first: a new development must stay a story")
	}
	hits, err := db.Hits(ctx, HitFilter{Watch: "ushakov"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Title != "Ushakov comments on the call" {
		t.Errorf("ushakov hits = %+v, want the second entry with its own title", hits)
	}
	// An aggregator carrying the page is a copy of both entries: it makes
	// them one story, under the older one's id.
	agg := mustSave(t, db, fetchOf("http://agg.example/feed", newItem("x", page, "Ukraine live: the latest")))
	stories := allStories(t, db)
	if agg.Items != 0 || agg.Merged != 1 || len(stories) != 1 || stories[0].Copies != 3 || stories[0].ID != hits[0].ItemID-1 {
		t.Errorf("after the aggregator's copy: saved %+v, stories %+v; want one story of 3 copies with the first entry's id", agg, stories)
	}
}

// A link seen longer ago than the story window is a new article: a
// "latest" page reused for a new report a month later is not swallowed.
func TestCanonicalURLJoinsOnlyWithinTheStoryWindow(t *testing.T) {
	t.Parallel()
	db, now := testDB(t)
	page := "https://news.example/latest"
	mustSave(t, db, fetchOf("http://a.example/feed", newItem("a1", page, "Old report", "witkoff")))
	*now = now.Add(story.Window + time.Hour)
	got := mustSave(t, db, fetchOf("http://b.example/feed", newItem("b1", page, "New report", "witkoff")))
	if got.Items != 1 || got.Hits != 1 || got.Stories != 1 {
		t.Errorf("a month-old link in another feed saved %+v, want a new item, hit and story", got)
	}
}

// A report copied again and again stays one story as long as each copy is
// within the window of an earlier one; after a week without a copy, the
// next is a new story.
func TestCopiesWithinAWeekOfEachOtherStayOneStory(t *testing.T) {
	t.Parallel()
	db, now := testDB(t)
	stories := 0
	for i := range 6 { // a copy every 48 h for 10 days
		s := mustSave(t, db, fetchOf(fmt.Sprintf("http://feed%d.example/rss", i),
			newItem("k", fmt.Sprintf("https://outlet%d.example/a", i), "Witkoff coached Ushakov, transcript shows")))
		stories += s.Stories
		*now = now.Add(48 * time.Hour)
	}
	if stories != 1 {
		t.Errorf("six copies 48 h apart started %d stories, want 1", stories)
	}
	*now = now.Add(story.Window)
	if s := mustSave(t, db, fetchOf("http://late.example/rss", newItem("k", "https://late.example/a", "Witkoff coached Ushakov, transcript shows"))); s.Stories != 1 {
		t.Errorf("a copy more than a week after the last one joined the story")
	}
}

// A feed that gives the same report a new GUID (same link, same title) has
// not published a new item: the new key is one more source of the old one.
func TestNewGUIDForTheSameReportIsNoNewItem(t *testing.T) {
	t.Parallel()
	db, now := testDB(t)
	url := "https://news.example/witkoff-call"
	mustSave(t, db, fetchOf("http://a.example/feed", newItem("guid:1", url, "Witkoff coached Ushakov, transcript shows", "witkoff")))
	*now = now.Add(time.Hour)
	got := mustSave(t, db, fetchOf("http://a.example/feed", newItem("guid:1-v2", url, "Witkoff coached Ushakov, transcript shows", "witkoff")))
	if got.Items != 0 || got.Hits != 0 || got.Sources != 1 {
		t.Errorf("a new GUID for the same report saved %+v, want only a new source", got)
	}
}
