package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store/storetest"
	"github.com/storywatch/storywatch/story"
)

const wireBody = "Steve Witkoff, the US special envoy, advised Kremlin aide Yuri Ushakov on how Vladimir Putin should " +
	"present a peace proposal to Donald Trump, according to a transcript of an October phone call obtained by " +
	"Bloomberg News. In the recording, Witkoff suggested that Putin congratulate Trump on the Gaza agreement and " +
	"describe a plan for Ukraine modelled on it. Ushakov agreed and said he would pass the advice on to the Russian " +
	"leader. The White House did not dispute the authenticity of the call, and officials said the envoy was doing " +
	"his job of talking to both sides."

const miamiBody = "Steve Witkoff met Kirill Dmitriev in Miami over the weekend to discuss a draft framework for ending " +
	"the war in Ukraine, two people familiar with the talks said. The meeting, which lasted several hours, covered " +
	"sanctions relief, security guarantees and the future of occupied territories. Dmitriev, who heads Russia's " +
	"sovereign wealth fund, told reporters afterwards that the conversation had been productive. Ukrainian officials " +
	"said they had not been consulted and would not accept any plan drawn up without Kyiv."

func storyItem(key, link, title, body string, watches ...string) monitor.NewItem {
	it := newItem(key, link, title, watches...)
	it.Summary = body
	return it
}

func namedFetch(feedURL, name string, items ...monitor.NewItem) monitor.FeedFetch {
	f := fetchOf(feedURL, items...)
	f.Name = name
	return f
}

func mustSave(t *testing.T, db *DB, f monitor.FeedFetch) monitor.Saved {
	t.Helper()
	s, err := db.SaveFetch(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func allStories(t *testing.T, db *DB) []Story {
	t.Helper()
	s, err := db.Stories(context.Background(), StoryFilter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCopiesOfOneReportAreOneStory(t *testing.T) {
	t.Parallel()
	db, now := testDB(t)
	title := "Witkoff advised Kremlin aide on how Putin should pitch Trump, transcript shows"
	if s := mustSave(t, db, namedFetch("http://ap.test/feed", "AP",
		storyItem("ap1", "https://apnews.test/witkoff-transcript", title, wireBody, "witkoff"))); s.Stories != 1 {
		t.Errorf("first copy: %d new stories, want 1", s.Stories)
	}
	*now = now.Add(time.Hour)
	// Same headline, AMP link: the title joins it.
	if s := mustSave(t, db, namedFetch("http://ynet.test/feed", "Ynet",
		storyItem("y1", "https://ynet.test/amp/witkoff", strings.ToUpper(title), "Short teaser.", "witkoff"))); s.Items != 1 || s.Stories != 0 {
		t.Errorf("second copy: %+v, want a new item in a known story", s)
	}
	// New headline, same body: the text joins it.
	if s := mustSave(t, db, namedFetch("http://kyiv.test/feed", "",
		storyItem("k1", "https://kyiv.test/news/1?outputType=amp", "Transcript: envoy coached the Kremlin", wireBody))); s.Stories != 0 {
		t.Errorf("third copy: %+v, want no new story", s)
	}
	// An aggregator's item names its outlet.
	gn := storyItem("g1", "https://news.google.test/rss/articles/xyz", title+" - Reuters", "Reuters copy.")
	gn.Outlet = "Reuters"
	if s := mustSave(t, db, namedFetch("http://gn.test/feed", "Google News", gn)); s.Stories != 0 {
		t.Errorf("aggregated copy: %+v, want no new story", s)
	}
	// The AP article again, in another feed: one more outlet, no new copy.
	mustSave(t, db, namedFetch("http://ap2.test/feed", "AP Europe",
		storyItem("ap2", "https://apnews.test/witkoff-transcript", title, wireBody)))

	stories := allStories(t, db)
	if len(stories) != 1 {
		t.Fatalf("stories = %+v, want one", stories)
	}
	s := stories[0]
	// Undated copies rank by first sighting, then canonical URL.
	want := []string{"AP", "AP Europe", "kyiv.test", "Reuters", "Ynet"}
	if s.Copies != 5 || !slices.Equal(s.Outlets, want) || s.Title != title || s.URL != "https://apnews.test/witkoff-transcript" {
		t.Errorf("story = %+v, want 5 copies led by AP, outlets %v", s, want)
	}
	if !slices.Equal(s.Watches, []string{"witkoff"}) || !s.LastSeen.Equal(now.UTC()) || s.FirstSeen.Equal(s.LastSeen) {
		t.Errorf("story watches %v, seen %s..%s", s.Watches, s.FirstSeen, s.LastSeen)
	}
	hits, err := db.Hits(context.Background(), HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.Story != fmt.Sprint(s.ID) || len(h.Outlets) != len(want) {
			t.Errorf("hit %+v: want story %d with its outlets", h, s.ID)
		}
	}
}

func TestDifferentReportsStayApart(t *testing.T) {
	t.Parallel()
	db, _ := testDB(t)
	rewrite := "A leaked recording of an October call shows Steve Witkoff, Washington's special envoy, coaching Yuri " +
		"Ushakov, a senior Kremlin adviser, on the way Vladimir Putin might pitch Donald Trump on ending the war. " +
		"Witkoff proposed that the Russian president praise Trump for the Gaza deal and then lay out a Ukraine plan " +
		"along the same lines, Bloomberg News reported. Ushakov said he would relay the suggestion."
	mustSave(t, db, namedFetch("http://a.test/feed", "A",
		storyItem("1", "https://a.test/1", "Witkoff meets Ushakov in Moscow", wireBody),
		storyItem("2", "https://a.test/2", "Witkoff meets Dmitriev in Miami", miamiBody),
		storyItem("3", "https://a.test/3", "Leaked call shows Witkoff coaching Ushakov", rewrite),
		storyItem("4", "https://a.test/4", "Live updates", "Short."),
		storyItem("5", "https://a.test/5", "Live updates", "Short again.")))
	if n := len(allStories(t, db)); n != 5 {
		t.Errorf("%d stories, want 5 (a headline pattern, a rewrite and a short title make no copy)", n)
	}
}

func TestStoriesTakeCopiesWithinSevenDaysOfACopy(t *testing.T) {
	t.Parallel()
	db, now := testDB(t)
	title := "Witkoff advised Kremlin aide, transcript shows"
	mustSave(t, db, namedFetch("http://a.test/feed", "A", storyItem("1", "https://a.test/1", title, wireBody)))
	*now = now.Add(story.Window)
	if s := mustSave(t, db, namedFetch("http://b.test/feed", "B", storyItem("1", "https://b.test/1", title, wireBody))); s.Stories != 0 {
		t.Errorf("a copy seven days after the first started a story")
	}
	*now = now.Add(time.Minute)
	if s := mustSave(t, db, namedFetch("http://c.test/feed", "C", storyItem("1", "https://c.test/1", title, wireBody))); s.Stories != 0 {
		t.Errorf("a copy a minute after the second did not join it")
	}
	*now = now.Add(story.Window + time.Minute)
	if s := mustSave(t, db, namedFetch("http://d.test/feed", "D", storyItem("1", "https://d.test/1", title, wireBody))); s.Stories != 1 {
		t.Errorf("a copy more than seven days after every other joined them")
	}
}

func TestPendingHitsMarkStoriesAlreadySent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := testDB(t)
	title := "Witkoff advised Kremlin aide, transcript shows"
	mustSave(t, db, namedFetch("http://ap.test/feed", "AP", storyItem("1", "https://ap.test/1", title, wireBody, "witkoff")))
	first, err := db.PendingHits(ctx, "breaking", []string{"witkoff"}, time.Time{}, false)
	if err != nil || len(first) != 1 || first[0].Sent || first[0].StoryID == 0 {
		t.Fatalf("pending = %+v, %v; want one unsent story", first, err)
	}
	if err := db.RecordDigest(ctx, notify.Record{DigestID: "breaking-1", Name: "breaking", CreatedAt: *now,
		Payload: []byte("{}"), HitIDs: []int64{first[0].HitID}}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	mustSave(t, db, namedFetch("http://ynet.test/feed", "Ynet", storyItem("1", "https://ynet.test/amp/1", title, wireBody, "witkoff", "call-leak")))

	later, err := db.PendingHits(ctx, "breaking", []string{"witkoff", "call-leak"}, time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{}
	for _, c := range later {
		sent[c.Watch] = c.Sent
		if c.StoryID != first[0].StoryID || c.Title != title || c.URL != "https://ap.test/1" || !slices.Equal(c.Outlets, []string{"AP", "Ynet"}) {
			t.Errorf("candidate %+v: want the AP-led story with both outlets", c)
		}
	}
	if len(later) != 2 || !sent["witkoff"] || sent["call-leak"] {
		t.Errorf("sent = %v, want the witkoff copy sent already and call-leak new", sent)
	}
	other, err := db.PendingHits(ctx, "morning", []string{"witkoff"}, time.Time{}, true)
	if err != nil || len(other) != 2 || other[0].Sent || other[1].Sent {
		t.Errorf("another digest's pending = %+v, %v; want both copies unsent", other, err)
	}
	times, err := db.HitTimes(ctx, []string{"witkoff"}, t0.Add(-time.Hour))
	if err != nil || len(times["witkoff"]) != 1 {
		t.Errorf("hit times = %v, %v; want one new story", times, err)
	}
}

func TestStoriesFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := testDB(t)
	mustSave(t, db, namedFetch("http://a.test/feed", "A",
		storyItem("1", "https://a.test/1", "Witkoff meets Ushakov in Moscow", wireBody, "witkoff"),
		storyItem("2", "https://a.test/2", "Weather in Kyiv turns cold", "Snow.")))
	*now = now.Add(48 * time.Hour)
	mustSave(t, db, namedFetch("http://a.test/feed", "A",
		storyItem("3", "https://a.test/3", "Witkoff meets Dmitriev in Miami", miamiBody, "dmitriev")))
	for _, tt := range []struct {
		name   string
		filter StoryFilter
		want   []string
	}{
		{"stories with hits, newest first", StoryFilter{}, []string{"Witkoff meets Dmitriev in Miami", "Witkoff meets Ushakov in Moscow"}},
		{"all stories", StoryFilter{All: true}, []string{"Witkoff meets Dmitriev in Miami", "Weather in Kyiv turns cold", "Witkoff meets Ushakov in Moscow"}},
		{"one watch", StoryFilter{Watch: "witkoff"}, []string{"Witkoff meets Ushakov in Moscow"}},
		{"since", StoryFilter{Since: now.Add(-time.Hour)}, []string{"Witkoff meets Dmitriev in Miami"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Stories(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, s := range got {
				titles = append(titles, s.Title)
			}
			if !slices.Equal(titles, tt.want) {
				t.Errorf("titles = %q, want %q", titles, tt.want)
			}
		})
	}
}

// benchWords is the vocabulary of the benchmark's made-up articles.
var benchWords = func() []string {
	r := rand.New(rand.NewPCG(1, 2))
	words := make([]string, 5000)
	for i := range words {
		b := make([]byte, 3+r.IntN(7))
		for j := range b {
			b[j] = byte('a' + r.IntN(26))
		}
		words[i] = string(b)
	}
	return words
}()

// benchItem makes a 1 KB item; one in ten is a copy of an earlier item's
// text under another headline and link.
func benchItem(r *rand.Rand, n int, bodies []string) (monitor.NewItem, []string) {
	text := func(words int) string {
		var sb strings.Builder
		for sb.Len() < words {
			sb.WriteString(benchWords[r.IntN(len(benchWords))])
			sb.WriteByte(' ')
		}
		return sb.String()
	}
	body := ""
	if len(bodies) > 0 && r.IntN(10) == 0 {
		body = bodies[r.IntN(len(bodies))]
	} else {
		body = text(950)
		if len(bodies) < 1000 {
			bodies = append(bodies, body)
		} else {
			bodies[r.IntN(len(bodies))] = body
		}
	}
	link := fmt.Sprintf("https://outlet%d.test/news/%d", n%500, n)
	it := monitor.NewItem{Item: feed.Item{Key: link, URL: link, CanonicalURL: link, Title: text(60), Summary: body}}
	if r.IntN(20) == 0 {
		it.Hits = []match.Hit{{Watch: "witkoff", Score: 2}}
	}
	return it, bodies
}

var benchStore struct {
	once   sync.Once
	db     *DB
	now    time.Time
	fillMs float64
	err    error
}

// BenchmarkSaveFetchStories measures the whole path of clustering: the
// poll cycle's fingerprint and SaveFetch's story lookup and writes, for
// fetches of 50 new 1 KB items into a store that already holds 100,000
// items of the last days (all within the story window). fill-ms/item is
// the same path while the store grew from 0 to 100,000 items.
func BenchmarkSaveFetchStories(b *testing.B) {
	const stored, perFetch = 100_000, 50
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	var bodies []string
	n := 0
	fetch := func(db *DB) error {
		f := monitor.FeedFetch{State: monitor.FeedState{URL: fmt.Sprintf("http://feed%d.test/rss", n%2000), FirstPollDone: true}}
		for range perFetch {
			var it monitor.NewItem
			it, bodies = benchItem(r, n, bodies)
			it.Print = story.FingerprintOf(it.Item)
			f.Items = append(f.Items, it)
			n++
		}
		_, err := db.SaveFetch(ctx, f)
		return err
	}
	benchStore.once.Do(func() {
		dir, err := filepath.Abs(b.TempDir())
		if err != nil {
			benchStore.err = err
			return
		}
		benchStore.now = t0
		db, err := Open(ctx, filepath.Join(dir, "bench.db"), WithClock(func() time.Time { return benchStore.now }))
		if err != nil {
			benchStore.err = err
			return
		}
		start := time.Now()
		for n < stored {
			benchStore.now = benchStore.now.Add(2 * time.Minute)
			if err := fetch(db); err != nil {
				benchStore.err = err
				return
			}
		}
		benchStore.fillMs = float64(time.Since(start).Milliseconds()) / stored
		benchStore.db = db
	})
	if benchStore.err != nil {
		b.Fatal(benchStore.err)
	}
	n = 1 << 30 // links unseen during the fill
	for b.Loop() {
		benchStore.now = benchStore.now.Add(time.Second)
		if err := fetch(benchStore.db); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perFetch)/1e6, "ms/item")
	b.ReportMetric(benchStore.fillMs, "fill-ms/item")
}

// A feed repeating one text hundreds of times makes one story: the lookup
// reads a bounded number of candidates per band, the latest, which are
// copies of that story.
func TestManyCopiesOfOneTextAreOneStory(t *testing.T) {
	t.Parallel()
	db, now := testDB(t)
	var items []monitor.NewItem
	for i := range 300 {
		items = append(items, storyItem(fmt.Sprint(i), fmt.Sprintf("https://wire.test/%d", i), fmt.Sprintf("Bulletin %d", i), wireBody))
	}
	mustSave(t, db, namedFetch("http://wire.test/feed", "Wire", items...))
	*now = now.Add(time.Hour)
	other := storyItem("x", "https://other.test/x", "Another outlet's headline for it", wireBody)
	if s := mustSave(t, db, namedFetch("http://other.test/feed", "Other", other, storyItem("y", "https://other.test/y", "Miami talks", miamiBody))); s.Stories != 1 {
		t.Errorf("%d new stories, want 1 (Miami)", s.Stories)
	}
	stories := allStories(t, db)
	if len(stories) != 2 || stories[1].Copies != 301 || !slices.Equal(stories[1].Outlets, []string{"Wire", "Other"}) {
		t.Errorf("stories = %+v, want the wire story with 301 copies, and Miami", stories)
	}
}

// Items stored before stories existed each become a story of their own.
func TestMigrationGivesOlderItemsTheirOwnStories(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "rows of an old SQLite schema carried over")
	ctx := context.Background()
	ms, err := loadMigrations(sqliteDialect.migrationDir())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "old.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, m := range ms {
		if m.version == 3 {
			if _, err := db.ExecContext(ctx, `INSERT INTO items (canonical_url, key, url, title, first_seen) VALUES
				('https://a.test/1', 'k1', 'https://a.test/1', 'One', 1000), ('', 'k2', '', 'Two', 2000)`); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT i.id, i.story_id, s.lead_item_id, s.first_seen FROM items i JOIN stories s ON s.id = i.story_id ORDER BY i.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, story, lead, first int64
		if err := rows.Scan(&id, &story, &lead, &first); err != nil {
			t.Fatal(err)
		}
		if story != id || lead != id || first != 1000*(id) {
			t.Errorf("item %d: story %d led by %d first seen %d", id, story, lead, first)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d items with a story, want 2", n)
	}
}

// A story known before a digest could take it — its first hit for the
// watch came from a backtest (left out of instant digests) or was found
// before the digest started — is no development when a new copy comes.
func TestPendingHitsTreatStoriesKnownBeforeTheDigestAsSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, now := testDB(t)
	title := "Witkoff advised Kremlin aide, transcript shows"
	mustSave(t, db, namedFetch("http://ap.test/feed", "AP", storyItem("1", "https://ap.test/1", title, wireBody)))
	lead, err := db.ItemsSince(ctx, time.Time{})
	if err != nil || len(lead) != 1 {
		t.Fatalf("items = %v, %v", lead, err)
	}
	// A reload's backtest finds the lead for the new watch.
	if _, err := db.AddBackfilledHits(ctx, []BackfilledHit{{ItemID: lead[0].ID,
		Hit: match.Hit{Watch: "witkoff", Score: 1, Matches: []match.Match{}}}}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	digestStart := *now
	*now = now.Add(time.Hour)
	mustSave(t, db, namedFetch("http://ynet.test/feed", "Ynet", storyItem("1", "https://ynet.test/1", title, wireBody, "witkoff")))

	instant, err := db.PendingHits(ctx, "breaking", []string{"witkoff"}, time.Time{}, false)
	if err != nil || len(instant) != 1 || !instant[0].Sent {
		t.Errorf("instant digest pending = %+v, %v; want the copy of a backfilled story marked sent", instant, err)
	}
	scheduled, err := db.PendingHits(ctx, "morning", []string{"witkoff"}, digestStart, true)
	if err != nil || len(scheduled) != 1 || !scheduled[0].Sent {
		t.Errorf("digest started after the story pending = %+v, %v; want the copy marked sent", scheduled, err)
	}
	fresh, err := db.PendingHits(ctx, "morning", []string{"witkoff"}, time.Time{}, true)
	// A digest that takes both hits lists the story once (notify.Build
	// groups candidates by story): neither is marked sent.
	if err != nil || len(fresh) != 2 || fresh[0].Sent || fresh[1].Sent {
		t.Errorf("digest taking the whole story pending = %+v, %v; want both hits, neither sent", fresh, err)
	}
}
