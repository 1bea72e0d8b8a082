package monitor_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

var now0 = time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)

type entry struct {
	guid, link, title, desc string
	published               time.Time
}

func rss(title string, entries ...entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title>`, html.EscapeString(title))
	for _, e := range entries {
		b.WriteString("<item>")
		fmt.Fprintf(&b, "<title>%s</title><link>%s</link><description>%s</description>",
			html.EscapeString(e.title), html.EscapeString(e.link), html.EscapeString(e.desc))
		if e.guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, e.guid)
		}
		if !e.published.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", e.published.Format(time.RFC1123Z))
		}
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// feedServer serves fixed feeds with validators and counts requests.
type feedServer struct {
	*httptest.Server
	mu          sync.Mutex
	feeds       map[string]string
	handlers    map[string]http.HandlerFunc
	requests    map[string]int
	conditional map[string]int // requests answered 304
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{feeds: map[string]string{}, handlers: map[string]http.HandlerFunc{},
		requests: map[string]int{}, conditional: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	fs.requests[r.URL.Path]++
	body, ok := fs.feeds[r.URL.Path]
	h := fs.handlers[r.URL.Path]
	fs.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, len(body))
	if r.Header.Get("If-None-Match") == etag {
		fs.mu.Lock()
		fs.conditional[r.URL.Path]++
		fs.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, body)
}

func (fs *feedServer) set(path, body string) {
	fs.mu.Lock()
	fs.feeds[path] = body
	fs.mu.Unlock()
}

func (fs *feedServer) handle(path string, h http.HandlerFunc) {
	fs.mu.Lock()
	fs.handlers[path] = h
	fs.mu.Unlock()
}

func (fs *feedServer) count(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[path]
}

func testMatcher(t *testing.T) *match.Matcher {
	t.Helper()
	m, err := match.Compile(match.Watchlist{
		Actors: []match.Actor{
			{ID: "witkoff", Name: "Steve Witkoff", Aliases: []string{"Witkoff", "Steve Witkoff"}, Track: true},
			{ID: "ushakov", Name: "Yuri Ushakov", Aliases: []string{"Ushakov", "Ушаков*"}, Track: true},
		},
		Storylines: []match.Storyline{
			{ID: "call-leak", Title: "Call leak", Query: "@witkoff AND @ushakov AND (transcript OR recording OR call OR leak*)"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T, srv *feedServer, feeds []monitor.FeedConfig, opts monitor.Options) (*monitor.Poller, *store.DB, *clock) {
	t.Helper()
	clk := &clock{now: now0}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "sw.db"), store.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if opts.Fetch.Client == nil {
		opts.Fetch.Client = srv.Client()
	}
	opts.Now = clk.Now
	if opts.Fetch.Timeout == 0 {
		opts.Fetch.Timeout = 5 * time.Second
	}
	return monitor.NewPoller(db, testMatcher(t), feeds, opts), db, clk
}

var leak = entry{guid: "ap-1", link: "https://apnews.com/article/witkoff-ushakov-call",
	title: "Witkoff coached Ushakov on how Putin should pitch Trump, call recording shows",
	desc:  "A leaked recording of a call between Steve Witkoff and Yuri Ushakov."}

var unrelated = entry{guid: "ap-2", link: "https://apnews.com/article/weather",
	title: "Storm brings snow to the Alps", desc: "Weather news with nothing to track."}

func TestPollStoresItemsAndHitsThenNothingOnSecondPoll(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	leak := leak
	leak.published = now0.Add(-time.Hour)
	srv.set("/ap.xml", rss("AP", leak, unrelated))
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/ap.xml", Name: "AP"}}
	p, db, clk := setup(t, srv, feeds, monitor.Options{})
	ctx := context.Background()

	c, err := p.PollAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.OK != 1 || c.ItemsNew != 2 || c.HitsNew != 3 || c.HitsByWatch["call-leak"] != 1 {
		t.Fatalf("first cycle = %+v, want 1 ok, 2 items, 3 hits (witkoff, ushakov, call-leak)", c)
	}
	clk.Add(10 * time.Minute)
	c, err = p.PollAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.NotModified != 1 || c.ItemsNew != 0 || c.HitsNew != 0 {
		t.Errorf("second cycle = %+v, want 1 not modified and nothing new", c)
	}
	if srv.conditional["/ap.xml"] != 1 {
		t.Errorf("server answered %d conditional requests with 304, want 1", srv.conditional["/ap.xml"])
	}
	// The feed changes: only the new item is matched and stored.
	fresh := entry{guid: "ap-3", link: "https://apnews.com/article/ushakov", title: "Ushakov says the call was hacked"}
	srv.set("/ap.xml", rss("AP", fresh, leak, unrelated))
	c, _ = p.PollAll(ctx)
	if c.OK != 1 || c.ItemsNew != 1 || c.HitsNew != 1 {
		t.Errorf("third cycle = %+v, want 1 new item with 1 hit", c)
	}
	hits, err := db.Hits(ctx, store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 4 || hits[0].Title != fresh.title || hits[0].Feed != "AP" {
		t.Errorf("stored hits: %+v", hits)
	}
}

func TestFailingFeedsDoNotStopTheCycle(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.set("/good.xml", rss("Good", leak))
	srv.handle("/500.xml", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	srv.handle("/429.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	srv.handle("/html.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><html><body>Not a feed</body></html>")
	})
	srv.handle("/hang.xml", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })

	var feeds []monitor.FeedConfig
	for _, p := range []string{"/500.xml", "/429.xml", "/html.xml", "/hang.xml", "/good.xml"} {
		feeds = append(feeds, monitor.FeedConfig{URL: srv.URL + p, Interval: 10 * time.Minute})
	}
	p, db, clk := setup(t, srv, feeds, monitor.Options{Fetch: feed.Fetcher{Timeout: 200 * time.Millisecond}, PerHost: 8})
	ctx := context.Background()

	c, err := p.PollAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.OK != 1 || c.Failed != 4 || c.HitsNew != 3 {
		t.Fatalf("cycle = %+v, want 1 ok, 4 failed, 3 hits", c)
	}
	want := map[string]struct {
		status int
		errHas string
		next   time.Duration
	}{
		// One poll interval less a tenth (so the next tick is not skipped);
		// Retry-After exactly.
		"/500.xml":  {500, "HTTP 500", 9 * time.Minute},
		"/429.xml":  {429, "retry after 1h", time.Hour},
		"/html.xml": {200, "not a feed", 9 * time.Minute},
		"/hang.xml": {0, "timed out", 9 * time.Minute},
	}
	for path, w := range want {
		f, err := db.Feed(ctx, srv.URL+path)
		if err != nil {
			t.Fatal(err)
		}
		if f.LastStatus != w.status || !strings.Contains(f.LastError, w.errHas) || f.ConsecutiveErrors != 1 ||
			!f.NextAttempt.Equal(now0.Add(w.next)) || f.ETag != "" || f.FirstPollDone {
			t.Errorf("%s: status %d error %q errors %d next %s, want status %d error ~%q next +%s",
				path, f.LastStatus, f.LastError, f.ConsecutiveErrors, f.NextAttempt, w.status, w.errHas, w.next)
		}
	}

	// 30 minutes later the 500 feed is retried, the 429 feed is not.
	clk.Add(30 * time.Minute)
	c, _ = p.PollAll(ctx)
	if srv.count("/429.xml") != 1 {
		t.Errorf("429 feed fetched %d times before its Retry-After, want 1", srv.count("/429.xml"))
	}
	if srv.count("/500.xml") != 2 || c.Deferred != 1 {
		t.Errorf("500 feed fetched %d times, deferred %d; want 2 and 1", srv.count("/500.xml"), c.Deferred)
	}
	f, _ := db.Feed(ctx, srv.URL+"/500.xml")
	if f.ConsecutiveErrors != 2 || !f.NextAttempt.Equal(clk.Now().Add(19*time.Minute)) {
		t.Errorf("500 feed after second error: %d errors, next %s; want 2 and doubled backoff", f.ConsecutiveErrors, f.NextAttempt)
	}
	// After the hour the 429 feed is asked again; when it recovers its error clears.
	clk.Add(31 * time.Minute)
	srv.handle("/429.xml", nil)
	srv.set("/429.xml", rss("Recovered", unrelated))
	c, _ = p.PollAll(ctx)
	f, _ = db.Feed(ctx, srv.URL+"/429.xml")
	if srv.count("/429.xml") != 2 || f.LastError != "" || f.ConsecutiveErrors != 0 || !f.NextAttempt.IsZero() || f.LastStatus != 200 {
		t.Errorf("429 feed after Retry-After: fetched %d times, state %+v", srv.count("/429.xml"), f.FeedState)
	}
}

func TestSameArticleInTwoFeedsIsOneItemWithOneHitPerWatch(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	a := leak
	a.link = "https://apnews.com/article/witkoff-ushakov-call?utm_source=rss&utm_medium=feed"
	b := leak
	b.guid = "other-guid"
	b.link = "https://APNEWS.com/article/witkoff-ushakov-call?fbclid=abc#top"
	srv.set("/a.xml", rss("A", a))
	srv.set("/b.xml", rss("B", b))
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/a.xml"}, {URL: srv.URL + "/b.xml"}}
	p, db, _ := setup(t, srv, feeds, monitor.Options{})
	ctx := context.Background()
	c, err := p.PollAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.OK != 2 || c.ItemsNew != 1 || c.HitsNew != 3 {
		t.Fatalf("cycle = %+v, want 2 ok, 1 item, 3 hits", c)
	}
	hits, _ := db.Hits(ctx, store.HitFilter{})
	perWatch := map[string]int{}
	for _, h := range hits {
		perWatch[h.Watch]++
	}
	if len(hits) != 3 || perWatch["witkoff"] != 1 || perWatch["ushakov"] != 1 || perWatch["call-leak"] != 1 {
		t.Errorf("hits per watch = %v", perWatch)
	}
	it, err := db.Item(ctx, hits[0].ItemID)
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Sources) != 2 || it.CanonicalURL != "https://apnews.com/article/witkoff-ushakov-call" {
		t.Errorf("item %q has sources %v, want two", it.CanonicalURL, it.Sources)
	}
}

func TestFirstPollBackfill(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	old := leak
	old.published = now0.Add(-72 * time.Hour)
	recent := entry{guid: "r", link: "https://example.org/recent", title: "Witkoff returns to Moscow", published: now0.Add(-time.Hour)}
	undated := entry{guid: "u", link: "https://example.org/undated", title: "Ushakov comments"}
	srv.set("/f.xml", rss("F", old, recent, undated))
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/f.xml"}}
	p, db, clk := setup(t, srv, feeds, monitor.Options{Backfill: 24 * time.Hour})
	ctx := context.Background()
	c, _ := p.PollAll(ctx)
	if c.ItemsNew != 3 || c.HitsNew != 2 || c.HitsByWatch["call-leak"] != 0 {
		t.Fatalf("first poll = %+v, want 3 items recorded, 2 hits (recent and undated only)", c)
	}
	hits, _ := db.Hits(ctx, store.HitFilter{})
	for _, h := range hits {
		if h.Title == old.title {
			t.Errorf("item older than backfill became a hit: %+v", h)
		}
	}
	// Later polls match every new item, however old its date.
	clk.Add(time.Hour)
	older := entry{guid: "o2", link: "https://example.org/older", title: "Witkoff profile", published: now0.Add(-96 * time.Hour)}
	srv.set("/f.xml", rss("F", older, old, recent, undated))
	c, _ = p.PollAll(ctx)
	if c.ItemsNew != 1 || c.HitsNew != 1 {
		t.Errorf("second poll = %+v, want the old-dated new item matched", c)
	}
	// Only the item the first poll held back is marked so, for backtests.
	items, err := db.ItemsSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if want := it.Title == old.title; len(it.Copies) != 1 || it.Copies[0].HeldBack != want {
			t.Errorf("item %q copies %+v, want one held back = %v", it.Title, it.Copies, want)
		}
	}
}

func TestPermanentRedirectUpdatesFetchURLNotKey(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.set("/new.xml", rss("Moved", leak))
	srv.handle("/old.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.xml", http.StatusMovedPermanently)
	})
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/old.xml"}}
	p, db, _ := setup(t, srv, feeds, monitor.Options{})
	ctx := context.Background()
	p.PollAll(ctx)
	p.PollAll(ctx)
	f, err := db.Feed(ctx, srv.URL+"/old.xml")
	if err != nil {
		t.Fatal(err)
	}
	if f.FetchURL != srv.URL+"/new.xml" || f.ItemCount != 1 {
		t.Errorf("feed state %+v, want fetch URL /new.xml and 1 item", f.FeedState)
	}
	if n := srv.count("/old.xml"); n != 1 {
		t.Errorf("old URL fetched %d times, want 1 (then the stored new URL)", n)
	}
}

// A 301 does not pin a feed to its new URL: when that URL dies and the
// configured one serves again, the feed is read from the configured URL
// (and the move forgotten); while both fail, the error names both.
func TestMovedFeedFallsBackToItsConfiguredURL(t *testing.T) {
	srv := newFeedServer(t)
	srv.set("/new.xml", rss("Moved", leak))
	srv.handle("/old.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.xml", http.StatusMovedPermanently)
	})
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/old.xml", Interval: time.Minute}}
	p, db, clk := setup(t, srv, feeds, monitor.Options{})
	ctx := context.Background()
	state := func() store.Feed {
		t.Helper()
		f, err := db.Feed(ctx, srv.URL+"/old.xml")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	p.PollAll(ctx)
	if f := state(); f.FetchURL != srv.URL+"/new.xml" {
		t.Fatalf("after the 301: fetch URL %q", f.FetchURL)
	}

	// The new URL dies, and so does the old one for a while.
	srv.handle("/new.xml", http.NotFound)
	srv.handle("/old.xml", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	c, _ := p.PollAll(ctx)
	f := state()
	if c.Failed != 1 || !strings.Contains(f.LastError, "/new.xml: HTTP 404") ||
		!strings.Contains(f.LastError, "the configured URL failed too") || !strings.Contains(f.LastError, "/old.xml: HTTP 502") {
		t.Errorf("both failing: %d failed, error %q", c.Failed, f.LastError)
	}
	if f.FetchURL != srv.URL+"/new.xml" {
		t.Errorf("a failure of both forgot the move: fetch URL %q", f.FetchURL)
	}

	// The configured URL serves the feed again, with a new item.
	srv.handle("/old.xml", nil)
	srv.set("/old.xml", rss("Back", leak, unrelated))
	clk.Add(time.Hour)
	c, _ = p.PollAll(ctx)
	f = state()
	if c.OK != 1 || f.LastError != "" || f.FetchURL != "" || f.ItemCount != 2 {
		t.Errorf("configured URL back: %d ok, error %q, fetch URL %q, %d items; want it read from the configured URL",
			c.OK, f.LastError, f.FetchURL, f.ItemCount)
	}
	clk.Add(time.Hour)
	p.PollAll(ctx)
	// Fetched by the first three polls, not by the fourth.
	if n := srv.count("/new.xml"); n != 3 {
		t.Errorf("the dead URL was fetched %d times, want 3 (not again once the move was forgotten)", n)
	}
}

func TestConcurrencyLimits(t *testing.T) {
	t.Parallel()
	var inflight, peak atomic.Int32
	h := func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		fmt.Fprint(w, rss("F", entry{guid: r.URL.Path, link: "https://example.org" + r.URL.Path, title: "x"}))
	}
	srv := newFeedServer(t)
	var feeds []monitor.FeedConfig
	for i := range 12 {
		path := fmt.Sprintf("/f%d.xml", i)
		srv.handle(path, h)
		feeds = append(feeds, monitor.FeedConfig{URL: srv.URL + path})
	}
	p, _, _ := setup(t, srv, feeds, monitor.Options{Concurrency: 8, PerHost: 1})
	c, err := p.PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.OK != 12 {
		t.Fatalf("cycle = %+v, want 12 ok", c)
	}
	if peak.Load() != 1 {
		t.Errorf("%d requests at once to one host, per_host is 1", peak.Load())
	}
}
