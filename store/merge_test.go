package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store/storetest"
	"github.com/storywatch/storywatch/story"
)

// An entry that is a copy of members of two stories merges them: the older
// story's id survives, the other's id finds it, and a story already sent
// is no news after the merge.
func TestABridgingCopyMergesTwoStories(t *testing.T) {
	ctx := context.Background()
	db, now := testDB(t)
	title := "Witkoff advised Kremlin aide, transcript shows"
	mustSave(t, db, namedFetch("http://ap.test/feed", "AP", storyItem("1", "https://ap.test/1", title, "Short.", "witkoff")))
	sent, err := db.PendingHits(ctx, "breaking", []string{"witkoff"}, time.Time{}, false)
	if err != nil || len(sent) != 1 {
		t.Fatalf("pending = %+v, %v", sent, err)
	}
	if err := db.RecordDigest(ctx, notify.Record{DigestID: "breaking-1", Name: "breaking", CreatedAt: *now,
		Payload: []byte("{}"), HitIDs: []int64{sent[0].HitID}}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	// Another headline over the wire text: a story of its own so far.
	if s := mustSave(t, db, namedFetch("http://ynet.test/feed", "Ynet",
		storyItem("1", "https://ynet.test/1", "Leaked call: envoy coached Putin aide", wireBody, "witkoff"))); s.Stories != 1 {
		t.Fatalf("the Ynet copy joined a story: nothing of the AP story links it yet")
	}
	*now = now.Add(time.Hour)
	// AP's headline over the wire text bridges them.
	s := mustSave(t, db, namedFetch("http://kyiv.test/feed", "Kyiv", storyItem("1", "https://kyiv.test/1", title, wireBody, "witkoff")))
	if s.Stories != 0 || s.Merged != 1 {
		t.Errorf("bridge saved %+v, want no new story and one merge", s)
	}
	stories := allStories(t, db)
	if len(stories) != 1 || stories[0].ID != sent[0].StoryID || stories[0].Copies != 3 {
		t.Fatalf("stories = %+v, want one of 3 copies under the AP story's id %d", stories, sent[0].StoryID)
	}
	gone := int64(2) // the Ynet item's id, which its story had
	d, err := db.StoryDetail(ctx, gone)
	if err != nil || d.Story.ID != sent[0].StoryID || d.Requested != gone || d.MergedAt.IsZero() {
		t.Errorf("story %d = %+v, %v; want the story it was merged into", gone, d, err)
	}
	if d, _ := db.StoryDetail(ctx, sent[0].StoryID); !slices.Equal(d.Absorbed, []int64{gone}) || len(d.Copies) != 3 {
		t.Errorf("merged story = %+v, want 3 copies and story %d absorbed", d, gone)
	}
	later, err := db.PendingHits(ctx, "breaking", []string{"witkoff"}, time.Time{}, false)
	if err != nil || len(later) != 2 || !later[0].Sent || !later[1].Sent {
		t.Errorf("pending after the merge = %+v, %v; want both new hits marked sent: the story was sent", later, err)
	}
}

// The lead is the earliest published copy whatever arrived first; an
// undated copy never leads a dated one.
func TestTheLeadIsChosenByRule(t *testing.T) {
	db, now := testDB(t)
	title := "Witkoff advised Kremlin aide, transcript shows"
	late := storyItem("1", "https://late.test/1", title+" (update)", wireBody)
	late.Published = t0.Add(-time.Hour)
	mustSave(t, db, namedFetch("http://late.test/feed", "Late", late))
	undated := storyItem("1", "https://undated.test/1", "Envoy coached aide", wireBody)
	mustSave(t, db, namedFetch("http://undated.test/feed", "Undated", undated))
	*now = now.Add(time.Hour)
	early := storyItem("1", "https://early.test/1", title, wireBody)
	early.Published = t0.Add(-3 * time.Hour)
	mustSave(t, db, namedFetch("http://early.test/feed", "Early", early))
	s := allStories(t, db)
	if len(s) != 1 || s[0].Title != title || s[0].URL != "https://early.test/1" ||
		!slices.Equal(s[0].Outlets, []string{"Early", "Late", "Undated"}) {
		t.Errorf("story = %+v, want the earliest published copy as lead, outlets in rank order", s)
	}
}

// An article seen in two feeds keeps each feed's text; its hit shows the
// best evidence, whatever feed came first, and a backtest matches both.
func TestEachCopyKeepsItsTextAndTheBestEvidenceWins(t *testing.T) {
	ctx := context.Background()
	db, _ := testDB(t)
	url := "https://ap.test/witkoff"
	short := newItem("g1", url, "Witkoff call - AP", "witkoff")
	short.Hits[0].Score, short.Hits[0].Matches[0].Snippet = 1, "from the aggregator"
	full := newItem("a1", url, "Witkoff call", "witkoff")
	full.Summary = wireBody
	full.Hits[0].Score, full.Hits[0].Matches[0].Snippet = 3, "from AP"
	mustSave(t, db, fetchOf("http://gn.test/feed", short))
	if s := mustSave(t, db, fetchOf("http://ap.test/feed", full)); s.Items != 0 || s.Hits != 0 {
		t.Errorf("the AP copy saved %+v, want no new item or hit", s)
	}
	hits, err := db.Hits(ctx, HitFilter{})
	if err != nil || len(hits) != 1 || hits[0].Score != 3 || hits[0].Matches[0].Snippet != "from AP" {
		t.Errorf("hits = %+v, %v; want one, with the AP copy's better evidence", hits, err)
	}
	items, err := db.ItemsSince(ctx, time.Time{})
	if err != nil || len(items) != 1 || len(items[0].Copies) != 2 {
		t.Fatalf("items = %+v, %v; want one item with two copies", items, err)
	}
	texts := map[string]string{}
	for _, c := range items[0].Copies {
		texts[c.Rank.Feed] = c.Doc.Summary
	}
	if texts["http://gn.test/feed"] != "text of Witkoff call - AP" || texts["http://ap.test/feed"] != wireBody {
		t.Errorf("copies' texts = %v, want each feed's own", texts)
	}
}

// A retracted hit is kept but shown nowhere: not in hits, stories, charts
// or any digest built from now on; a poll that finds it again brings it
// back.
func TestRetractedHitsAreLeftOutEverywhere(t *testing.T) {
	ctx := context.Background()
	db, now := testDB(t)
	mustSave(t, db, namedFetch("http://a.test/feed", "A", storyItem("1", "https://a.test/1", "Witkoff meets Ushakov in Moscow", wireBody, "witkoff")))
	items, _ := db.ItemsSince(ctx, time.Time{})
	got, err := db.RetractHits(ctx, []Retraction{{ItemID: items[0].ID, Watch: "witkoff"}, {ItemID: items[0].ID, Watch: "none"}}, "test")
	if err != nil || got["witkoff"] != 1 || len(got) != 1 {
		t.Fatalf("retracted %v, %v; want the one hit", got, err)
	}
	if again, _ := db.RetractHits(ctx, []Retraction{{ItemID: items[0].ID, Watch: "witkoff"}}, "test"); len(again) != 0 {
		t.Errorf("retracting twice counted %v", again)
	}
	if h, _ := db.Hits(ctx, HitFilter{}); len(h) != 0 {
		t.Errorf("hits = %+v, want none", h)
	}
	if s, _ := db.Stories(ctx, StoryFilter{}); len(s) != 0 {
		t.Errorf("stories with hits = %+v, want none", s)
	}
	if p, _ := db.PendingHits(ctx, "morning", []string{"witkoff"}, time.Time{}, true); len(p) != 0 {
		t.Errorf("pending = %+v, want none", p)
	}
	if ht, _ := db.HitTimes(ctx, []string{"witkoff"}, t0.Add(-time.Hour)); len(ht["witkoff"]) != 0 {
		t.Errorf("hit times = %v, want none", ht)
	}
	if h, _ := db.HitsOfItemsSince(ctx, time.Time{}); len(h) != 0 {
		t.Errorf("backtest's stored hits = %+v, want none", h)
	}
	var reason string
	var at sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT retract_reason, retracted_at FROM hits`).Scan(&reason, &at); err != nil ||
		reason != "test" || at.Int64 != now.UnixMilli() {
		t.Errorf("kept hit: reason %q at %v (%v)", reason, at, err)
	}
	*now = now.Add(time.Hour)
	s := mustSave(t, db, namedFetch("http://b.test/feed", "B", storyItem("1", "https://a.test/1", "Witkoff meets Ushakov in Moscow", wireBody, "witkoff")))
	if s.Hits != 1 {
		t.Errorf("a poll finding the retracted hit again saved %+v, want it back as a new hit", s)
	}
	if h, _ := db.Hits(ctx, HitFilter{}); len(h) != 1 || !h[0].FoundAt.Equal(*now) {
		t.Errorf("hits = %+v, want the hit back, found now", h)
	}
}

// A database of schema 9 keeps every item, hit and story: an item's text
// becomes its first copy's, other copies' text is unknown (a backtest
// never drops their hits), and saving goes on.
func TestMigrationMovesTextToCopies(t *testing.T) {
	storetest.SQLiteOnly(t, "rows of an old SQLite schema carried over")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(sqliteDialect.migrationDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, sqliteDialect.createMigrationsTable()); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > 9 {
			break
		}
		if _, err := raw.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		raw.ExecContext(ctx, insertMigration, m.version, m.name, 0)
	}
	title := "Witkoff call with Ushakov"
	for _, q := range []string{
		`INSERT INTO feeds (id, url) VALUES (1, 'http://a.test/feed'), (2, 'http://b.test/feed')`,
		`INSERT INTO stories (id, lead_item_id, first_seen, last_seen, copies) VALUES (1, 1, 1000, 2000, 1)`,
		`INSERT INTO items (id, canonical_url, key, url, title, summary, first_seen, story_id, title_hash)
			VALUES (1, 'https://a.test/1', 'k1', 'https://a.test/1', '` + title + `', 'Witkoff spoke to Ushakov.', 1000, 1, ` +
			fmt.Sprint(int64(story.FingerprintOf(feed.Item{Title: title}).Title)) + `)`,
		`INSERT INTO item_sources (feed_id, key, item_id, first_seen) VALUES (1, 'k1', 1, 1000), (2, 'k9', 1, 2000)`,
		`INSERT INTO hits (item_id, watch, score, matches, found_at) VALUES (1, 'witkoff', 2, '[]', 1000)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, WithClock(func() time.Time { return time.UnixMilli(3000) }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.ItemsSince(ctx, time.Time{})
	if err != nil || len(items) != 1 || len(items[0].Copies) != 1 || !items[0].Unchecked ||
		items[0].Copies[0].Doc.Summary != "Witkoff spoke to Ushakov." || items[0].Copies[0].Rank.Feed != "http://a.test/feed" {
		t.Fatalf("items = %+v, %v; want the item with its first copy's text, the other unchecked", items, err)
	}
	d, err := db.StoryDetail(ctx, 1)
	if err != nil || d.Story.Copies != 2 || d.Story.Title != title || len(d.Copies) != 2 || len(d.Hits) != 1 {
		t.Errorf("story = %+v, %v; want 2 copies led by the item, its hit", d, err)
	}
	var feedID int64
	var key string
	if err := db.db.QueryRowContext(ctx, `SELECT feed_id, source_key FROM hits`).Scan(&feedID, &key); err != nil || feedID != 1 || key != "k1" {
		t.Errorf("hit's copy = %d/%q (%v), want the first copy", feedID, key, err)
	}
	// A new copy with the old item's title joins its story.
	s, err := db.SaveFetch(ctx, monitor.FeedFetch{State: monitor.FeedState{URL: "http://c.test/feed"},
		Items: []monitor.NewItem{{Item: feed.Item{Key: "c1", URL: "https://c.test/1", CanonicalURL: "https://c.test/1",
			Title: title}, Hits: []match.Hit{{Watch: "witkoff", Score: 2}}}}})
	if err != nil || s.Items != 1 || s.Stories != 0 {
		t.Errorf("save after the migration = %+v, %v; want a new item in the old story", s, err)
	}
}
