package web_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
	bt "github.com/storywatch/storywatch/web/browsertest"
)

// The browser tests look at the pages as a person does, in Chromium: what
// is visible, what a click leads to, what a form gives.

const hostileTitle = `<script>alert(1)</script> Ushakov`

var browserWatchlist = match.Watchlist{
	Actors: []match.Actor{
		{ID: "witkoff", Name: "Steve Witkoff", Aliases: []string{"Witkoff", "Steve Witkoff"}, Track: true},
		{ID: "ushakov", Name: "Yuri Ushakov", Aliases: []string{"Ushakov", "Yuri Ushakov"}, Track: true},
	},
	Storylines: []match.Storyline{{ID: "call-leak", Title: "Witkoff–Ushakov call recording",
		Query: "@witkoff AND @ushakov AND (transcript OR recording OR call OR leak*)"}},
}

// pagesOnly serves the pages; the JSON endpoints are not looked at here.
type pagesOnly struct{}

func (pagesOnly) Ready(context.Context) error                           { return nil }
func (pagesOnly) Hits(context.Context, web.HitQuery) ([]web.Hit, error) { return nil, nil }

// seedStore stores, through the poll cycle's own write path and with the
// real matcher's hits: a wire report seen in two feeds, a rewrite with the
// same title in a third, a hostile item and an unrelated one.
func seedStore(t *testing.T, now time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "pages.db"), store.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := match.Compile(browserWatchlist)
	if err != nil {
		t.Fatal(err)
	}
	item := func(key, url, title, summary string) monitor.NewItem {
		it := feed.Item{Key: key, URL: url, CanonicalURL: url, Title: title, Summary: summary, Published: now.Add(-time.Hour)}
		if !strings.HasPrefix(url, "http") {
			it.CanonicalURL = ""
		}
		return monitor.NewItem{Item: it, Hits: m.Match(it.Document())}
	}
	report := item("ap-1", "https://apnews.example/witkoff-ushakov-call",
		"Trump envoy Witkoff coached Putin aide Ushakov, call transcript shows",
		"Steve Witkoff advised Yuri Ushakov on how Putin should pitch a peace plan, according to a transcript of the call.")
	wire := report
	wire.Key = "wire-1"
	rewrite := item("ynet-1", "https://ynet.example/leaked-call", report.Title, "A rewrite of the wire report.")
	hostile := item("anon-1", "javascript:alert(2)", hostileTitle, `Ushakov said <img src=x onerror=alert(3)> nothing.`)
	other := item("ap-2", "https://apnews.example/snow", "First snow in Moscow", "Snow fell overnight.")
	for _, f := range []monitor.FeedFetch{
		{Name: "AP", State: monitor.FeedState{URL: "http://ap.example/rss", FirstPollDone: true}, Items: []monitor.NewItem{report, other}},
		{Name: "Wire", State: monitor.FeedState{URL: "http://wire.example/rss", FirstPollDone: true}, Items: []monitor.NewItem{wire}},
		{Name: "Ynet", State: monitor.FeedState{URL: "http://ynet.example/rss", FirstPollDone: true}, Items: []monitor.NewItem{rewrite}},
		{Name: "Anon", State: monitor.FeedState{URL: "http://anon.example/rss", FirstPollDone: true}, Items: []monitor.NewItem{hostile}},
	} {
		if _, err := db.SaveFetch(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func servePages(t *testing.T, token string) string {
	t.Helper()
	now := time.Now()
	db := seedStore(t, now)
	srv := web.New(web.Options{Store: pagesOnly{}, Pages: db})
	srv.Configure(web.Settings{Token: token, Watchlist: browserWatchlist})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestPagesInABrowser(t *testing.T) {
	t.Parallel()
	browser := bt.New(t)
	base := servePages(t, "")

	t.Run("the overview shows the stored stories", func(t *testing.T) {
		tab := bt.Tab(t, browser)
		guard := bt.NewGuard(t, tab)
		bt.Go(t, tab, base+"/")
		cards := bt.Texts(t, tab, "section.card h3")
		if len(cards) != 3 || !strings.HasPrefix(cards[0], "Witkoff–Ushakov call recording") {
			t.Errorf("watch cards = %q, want the storyline first, then the two actors", cards)
		}
		headlines := bt.Texts(t, tab, "section.card .headline")
		if !slices.Contains(headlines, "Trump envoy Witkoff coached Putin aide Ushakov, call transcript shows") {
			t.Errorf("headlines = %q, want the wire report", headlines)
		}
		if got := bt.Texts(t, tab, "section.card .counts")[0]; got != "1 new in 24 h · 1 in 7 days" {
			t.Errorf("counts = %q", got)
		}
		if n := bt.Eval[int](t, tab, `document.querySelectorAll('figure.chart svg rect.today').length`); n != 3 {
			t.Errorf("%d charts with a bar today, want 3", n)
		}
		guard.Check(t, tab)
	})

	t.Run("a story shows every copy", func(t *testing.T) {
		tab := bt.Tab(t, browser)
		guard := bt.NewGuard(t, tab)
		bt.Go(t, tab, base+"/watch/call-leak")
		bt.Do(t, tab, "open the story", chromedp.Click(chromedp.CSS(`li.story .meta a[href^="/story/"]`)),
			chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
		copies := bt.Texts(t, tab, "li.copy .meta .outlet")
		if !slices.Equal(copies, []string{"AP", "Wire", "Ynet"}) {
			t.Errorf("the timeline's outlets = %q, want AP, Wire, Ynet", copies)
		}
		links := bt.Eval[[]string](t, tab, `[...document.querySelectorAll('li.copy .headline a')].map(a => a.href)`)
		if len(links) != 3 || links[2] != "https://ynet.example/leaked-call" {
			t.Errorf("copy links = %q", links)
		}
		watches := bt.Texts(t, tab, "section.card h3 a")
		if !slices.Contains(watches, "Witkoff–Ushakov call recording") || !slices.Contains(watches, "Steve Witkoff") {
			t.Errorf("watches of the story = %q", watches)
		}
		guard.Check(t, tab)
	})

	t.Run("a query tried on /try shows its hits marked", func(t *testing.T) {
		tab := bt.Tab(t, browser)
		guard := bt.NewGuard(t, tab)
		bt.Go(t, tab, base+"/try")
		bt.Do(t, tab, "try a query",
			chromedp.SendKeys(chromedp.ID("q"), "@ushakov AND (transcript OR nothing)"),
			chromedp.Click(chromedp.CSS("form.try button")),
			chromedp.WaitVisible(chromedp.CSS("p.summary")))
		summary := bt.Texts(t, tab, "p.summary")[0]
		if !strings.Contains(summary, "3 of 4 stored items would be hit") {
			t.Errorf("summary = %q", summary)
		}
		if loc := bt.Eval[string](t, tab, `location.search`); !strings.Contains(loc, "q=%40ushakov") || !strings.Contains(loc, "since=720h") {
			t.Errorf("the tried query is not in the address to share: %q", loc)
		}
		marks := bt.Texts(t, tab, "ol.stories mark")
		for _, want := range []string{"Ushakov", "Yuri Ushakov", "transcript", "nothing"} {
			if !slices.Contains(marks, want) {
				t.Errorf("marks = %q, want %q among them", marks, want)
			}
		}
		guard.Check(t, tab)
	})

	t.Run("a parse error points at its place", func(t *testing.T) {
		tab := bt.Tab(t, browser)
		bt.Go(t, tab, base+"/try?q=%40ushakov+AND+(call")
		if got := bt.Texts(t, tab, ".error p")[0]; !strings.Contains(got, "at offset 13") {
			t.Errorf("error = %q, want its offset", got)
		}
		if got := bt.Texts(t, tab, ".error mark.at"); len(got) != 1 {
			t.Errorf("the error's place is not marked: %q", got)
		}
	})

	t.Run("a hostile title is shown as text", func(t *testing.T) {
		tab := bt.Tab(t, browser)
		guard := bt.NewGuard(t, tab)
		for _, path := range []string{"/", "/watch/ushakov", "/try?q=%40ushakov"} {
			bt.Go(t, tab, base+path)
			if got := bt.Texts(t, tab, ".headline"); !slices.Contains(got, hostileTitle) {
				t.Errorf("%s: headlines = %q, want the hostile title as text", path, got)
			}
			if n := bt.Eval[int](t, tab, `document.scripts.length + document.images.length`); n != 0 {
				t.Errorf("%s: %d scripts or images in the page, want none", path, n)
			}
			if n := bt.Eval[int](t, tab, `[...document.links].filter(a => !/^https?:/.test(a.href)).length`); n != 0 {
				t.Errorf("%s: %d links that are not http(s)", path, n)
			}
		}
		guard.Check(t, tab)
	})

	t.Run("phone width", func(t *testing.T) {
		tab := bt.Tab(t, browser)
		bt.Do(t, tab, "set a phone's viewport", chromedp.EmulateViewport(390, 844))
		for _, path := range []string{"/", "/watch/call-leak", "/try?q=%40ushakov+AND+transcript&watch=call-leak"} {
			bt.Go(t, tab, base+path)
			if w := bt.Eval[int](t, tab, `document.documentElement.scrollWidth`); w > 390 {
				t.Errorf("%s is %d px wide at 390 px: it scrolls sideways", path, w)
			}
			if size := bt.Eval[float64](t, tab, `parseFloat(getComputedStyle(document.querySelector('main')).fontSize)`); size < 14 {
				t.Errorf("%s: text of %.0f px", path, size)
			}
		}
	})
}

func TestLoginInABrowser(t *testing.T) {
	t.Parallel()
	browser := bt.New(t)
	base := servePages(t, "desk token 42")
	guard := bt.NewGuard(t, browser)
	bt.Go(t, browser, base+"/watch/call-leak")
	if got := bt.Texts(t, browser, "h1"); len(got) != 1 || got[0] != "Log in" {
		t.Fatalf("without the token the page shows %q, want the login form", got)
	}
	bt.Do(t, browser, "log in with a wrong token",
		chromedp.SendKeys(chromedp.ID("token"), "guess"),
		chromedp.Click(chromedp.CSS("form.login button")),
		chromedp.WaitVisible(chromedp.CSS("p.error")))
	bt.Do(t, browser, "log in",
		chromedp.SendKeys(chromedp.ID("token"), "desk token 42"),
		chromedp.Click(chromedp.CSS("form.login button")),
		chromedp.WaitVisible(chromedp.CSS("ol.stories")))
	if got := bt.Texts(t, browser, "h1")[0]; got != "Witkoff–Ushakov call recording" {
		t.Errorf("after logging in the page shows %q, want the watch it asked for", got)
	}
	if c := bt.Eval[string](t, browser, `document.cookie`); c != "" {
		t.Errorf("scripts can read the session cookie: %q", c)
	}
	bt.Go(t, browser, base+"/try")
	if got := bt.Texts(t, browser, "h1")[0]; got != "Try a query" {
		t.Errorf("the session does not last: %q", got)
	}
	bt.Do(t, browser, "log out", chromedp.Click(chromedp.CSS("form.logout button")), chromedp.WaitVisible(chromedp.ID("token")))
	bt.Go(t, browser, base+"/")
	if got := bt.Texts(t, browser, "h1")[0]; got != "Log in" {
		t.Errorf("after logging out / shows %q", got)
	}
	guard.Check(t, browser)
}
