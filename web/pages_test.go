package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/match"
)

// fakePages is a PageStore of fixed data.
type fakePages struct {
	times     map[string][]time.Time
	stories   map[string][]StorySummary
	timelines map[int64]StoryTimeline
	items     []backtest.Item
	stored    []backtest.StoredHit
	queries   []StoryQuery
	// block makes ItemsSince wait for its context.
	block bool
}

func (f *fakePages) HitTimes(_ context.Context, watches []string, since time.Time) (map[string][]time.Time, error) {
	out := map[string][]time.Time{}
	for _, w := range watches {
		for _, t := range f.times[w] {
			if !t.Before(since) {
				out[w] = append(out[w], t)
			}
		}
	}
	return out, nil
}

func (f *fakePages) WatchStories(_ context.Context, q StoryQuery) (StoryPage, error) {
	f.queries = append(f.queries, q)
	var sel []StorySummary
	for _, s := range f.stories[q.Watch] {
		if !s.Found.Before(q.Since) {
			sel = append(sel, s)
		}
	}
	page := StoryPage{Total: len(sel)}
	sel = sel[min(q.Offset, len(sel)):]
	if q.Limit > 0 && len(sel) > q.Limit {
		sel = sel[:q.Limit]
	}
	page.Stories = sel
	return page, nil
}

func (f *fakePages) StoryTimeline(_ context.Context, id int64) (StoryTimeline, error) {
	t, ok := f.timelines[id]
	if !ok {
		return t, ErrNotFound
	}
	return t, nil
}

func (f *fakePages) StoryOutlets(_ context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	for _, id := range ids {
		out[id] = []string{"AP", "Ynet"}
	}
	return out, nil
}

func (f *fakePages) ItemsSince(ctx context.Context, since time.Time) ([]backtest.Item, error) {
	if f.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	var out []backtest.Item
	for _, it := range f.items {
		if !it.FirstSeen.Before(since) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (f *fakePages) HitsOfItemsSince(context.Context, time.Time) ([]backtest.StoredHit, error) {
	return f.stored, nil
}

const hostile = `<script>alert(1)</script> Ushakov`

var testWatchlist = match.Watchlist{
	Actors: []match.Actor{
		{ID: "witkoff", Name: "Steve Witkoff", Aliases: []string{"Witkoff"}, Track: true},
		{ID: "ushakov", Name: "Yuri Ushakov", Aliases: []string{"Ushakov"}, Track: true},
		{ID: "putin", Name: "Vladimir Putin", Aliases: []string{"Putin"}},
	},
	Storylines: []match.Storyline{{ID: "call-leak", Title: "Witkoff–Ushakov call", Query: "@witkoff AND @ushakov AND (call OR leak*)"}},
}

func samplePages() *fakePages {
	m := []match.Match{{Term: "Ushakov", Field: "summary", Snippet: "coached <b>Ushakov</b> on a call", Mark: [2]int{11, 18}}}
	return &fakePages{
		times: map[string][]time.Time{
			"call-leak": {testNow.Add(-10 * 24 * time.Hour), testNow.Add(-3 * 24 * time.Hour), testNow.Add(-time.Hour)},
			"ushakov":   {testNow.Add(-2 * time.Hour)},
		},
		stories: map[string][]StorySummary{
			"call-leak": {
				{ID: 7, Title: hostile, URL: "javascript:alert(1)", FirstSeen: testNow.Add(-time.Hour), Found: testNow.Add(-time.Hour),
					Copies: 2, Outlets: []string{"AP", "Ynet"}, Score: 6, Matches: m},
				{ID: 3, Title: "Leaked call: Witkoff & Ushakov", URL: "https://apnews.example/leak", FirstSeen: testNow.Add(-3 * 24 * time.Hour),
					Found: testNow.Add(-3 * 24 * time.Hour), Copies: 1, Outlets: []string{"AP"}, Score: 4, Matches: m},
			},
		},
		timelines: map[int64]StoryTimeline{7: {ID: 7, Title: hostile, URL: "javascript:alert(1)", FirstSeen: testNow.Add(-time.Hour),
			LastSeen: testNow, CopyCount: 2,
			Copies: []Copy{
				{ItemID: 7, Lead: true, Title: hostile, URL: "javascript:alert(1)", Outlet: "AP", Feed: "AP", FirstSeen: testNow.Add(-time.Hour)},
				{ItemID: 8, Title: "A copy", URL: "https://ynet.example/copy", Outlet: "Ynet", Feed: "Ynet world", FirstSeen: testNow},
			},
			Hits: []StoryHit{{ItemID: 7, Watch: "call-leak", Score: 6, Matches: m, FoundAt: testNow.Add(-time.Hour)}}}},
	}
}

func newPageServer(t testing.TB, pages *fakePages, token string) (*Server, http.Handler) {
	t.Helper()
	s := New(Options{Store: &fakeStore{}, Pages: pages, Now: func() time.Time { return testNow }})
	s.Configure(Settings{Token: token, Watchlist: testWatchlist})
	return s, s.Handler()
}

func TestOverviewShowsStorylinesFirstWithCountsAndChart(t *testing.T) {
	t.Parallel()
	_, h := newPageServer(t, samplePages(), "")
	rec := get(t, h, "GET", "/", nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("/ = %d: %s", rec.Code, body)
	}
	story, actors := strings.Index(body, "Witkoff–Ushakov call"), strings.Index(body, "Yuri Ushakov")
	if story < 0 || actors < 0 || story > actors {
		t.Errorf("storylines are not listed before actors (%d, %d)", story, actors)
	}
	for _, want := range []string{
		"<strong>1</strong> new in 24 h · <strong>2</strong> in 7 days",
		`aria-label="New stories per day over 14 days: 3 in all, at most 1 a day, 1 today"`,
		`<rect class="bar today"`,
		`<a href="/story/7">2 copies</a>`,
		"also in Ynet",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Count(body, "<rect ") != 4 { // call-leak 3 days with stories, ushakov 1
		t.Errorf("%d bars drawn, want 4", strings.Count(body, "<rect "))
	}
}

func TestPagesShowFeedTextAsText(t *testing.T) {
	t.Parallel()
	_, h := newPageServer(t, samplePages(), "")
	for _, target := range []string{"/", "/watch/call-leak", "/story/7"} {
		rec := get(t, h, "GET", target, nil)
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("%s = %d: %s", target, rec.Code, body)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<b>") || strings.Contains(body, "javascript:") {
			t.Errorf("%s lets feed markup or a javascript: link through:\n%s", target, body)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; Ushakov") {
			t.Errorf("%s does not show the hostile title as text", target)
		}
		if !strings.Contains(body, "coached &lt;b&gt;<mark>Ushakov</mark>&lt;/b&gt; on a call") {
			t.Errorf("%s does not mark the match inside the escaped snippet", target)
		}
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: Content-Security-Policy = %q, want no scripts at all", target, csp)
		}
		if rec.Header().Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: links to outlets would send a referrer", target)
		}
	}
}

func TestHTTPURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://apnews.example/a", "https://apnews.example/a"},
		{"HTTP://apnews.example/a", "HTTP://apnews.example/a"},
		{" http://x.example/ ", "http://x.example/"},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{"data:text/html,<script>", ""},
		{"/relative/path", ""},
		{"//evil.example/", ""},
		{"mailto:desk@example.org", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := httpURL(tt.in); got != tt.want {
			t.Errorf("httpURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWatchPageIsPaged(t *testing.T) {
	t.Parallel()
	pages := samplePages()
	for i := range 60 {
		pages.stories["ushakov"] = append(pages.stories["ushakov"], StorySummary{ID: int64(100 + i), Title: "Story", Found: testNow})
	}
	_, h := newPageServer(t, pages, "")
	rec := get(t, h, "GET", "/watch/ushakov?page=2", nil)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "page 2 of 3") ||
		!strings.Contains(body, `href="/watch/ushakov?page=1"`) || !strings.Contains(body, `href="/watch/ushakov?page=3"`) {
		t.Errorf("page 2 = %d, lacks its place and neighbours:\n%s", rec.Code, body)
	}
	if q := pages.queries[len(pages.queries)-1]; q.Offset != 25 || q.Limit != 25 {
		t.Errorf("page 2 asked for %+v, want offset 25 limit 25", q)
	}
	if n := strings.Count(body, `<li class="story">`); n != 25 {
		t.Errorf("page 2 lists %d stories, want 25", n)
	}
	for target, want := range map[string]int{
		"/watch/ushakov?page=0":   400,
		"/watch/ushakov?page=two": 400,
		"/watch/nobody":           404,
		"/story/99":               404,
		"/story/x":                404,
	} {
		if rec := get(t, h, "GET", target, nil); rec.Code != want {
			t.Errorf("%s = %d, want %d", target, rec.Code, want)
		}
	}
}

func TestStoryPageShowsCopiesAndWhy(t *testing.T) {
	t.Parallel()
	_, h := newPageServer(t, samplePages(), "")
	body := get(t, h, "GET", "/story/7", nil).Body.String()
	for _, want := range []string{
		`<a href="https://ynet.example/copy" rel="noopener noreferrer">A copy</a>`,
		`<span class="outlet">Ynet</span> · feed Ynet world`,
		"2 copies · AP, Ynet",
		`<a href="/watch/call-leak">Witkoff–Ushakov call</a>`,
		"score 6",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("story page lacks %q", want)
		}
	}
}

func tryItems() []backtest.Item {
	item := func(id int64, ago time.Duration, title, summary string) backtest.Item {
		doc := match.Document{Title: title, Summary: summary, URL: "https://news.example/" + url.PathEscape(title)}
		return backtest.Item{ID: id, StoryID: id, FirstSeen: testNow.Add(-ago), Title: doc.Title, URL: doc.URL,
			Copies: []backtest.Copy{{Doc: doc}}}
	}
	return []backtest.Item{
		item(1, 50*time.Hour, "Witkoff call with Ushakov leaked", "The recording"),
		item(2, 2*time.Hour, "Putin aide Ushakov on the call", "Witkoff advised him"),
		item(3, time.Hour, "Snow in Moscow", "Cold"),
		item(4, 30*time.Minute, hostile, "Witkoff said"),
	}
}

func TestTryShowsHitsWithMarks(t *testing.T) {
	t.Parallel()
	pages := samplePages()
	pages.items = tryItems()
	_, h := newPageServer(t, pages, "")
	rec := get(t, h, "GET", "/try?q="+url.QueryEscape("@ushakov AND (call OR Witkoff)")+"&since=24h", nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("try = %d: %s", rec.Code, body)
	}
	for _, want := range []string{
		"<strong>2</strong> of 3 stored items would be hit", // the 50 h old item is outside 24h
		"Putin aide <mark>Ushakov</mark> on the call",
		"&lt;script&gt;alert(1)&lt;/script&gt; <mark>Ushakov</mark>",
		`<a href="/story/2">story</a>`,
		"Hits (2)",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("try lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "Would add") {
		t.Errorf("try shows markup, or changes without a storyline to compare with")
	}
	if strings.Index(body, "&lt;script&gt;") > strings.Index(body, "Putin aide") {
		t.Errorf("hits are not newest first")
	}
}

func TestTryComparesWithAStoryline(t *testing.T) {
	t.Parallel()
	pages := samplePages()
	pages.items = tryItems()
	pages.stored = []backtest.StoredHit{{ItemID: 1, Watch: "call-leak", Score: 6}, {ItemID: 3, Watch: "call-leak", Score: 1}}
	_, h := newPageServer(t, pages, "")
	rec := get(t, h, "GET", "/try?q="+url.QueryEscape("@ushakov AND call")+"&since=720h&watch=call-leak", nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("try = %d: %s", rec.Code, body)
	}
	for _, want := range []string{"<strong>1</strong> to add, <strong>1</strong> to drop", "Would add (1)", "Would drop (1)", "Snow in Moscow", "Every hit (2)",
		`<option value="call-leak" selected>`} {
		if !strings.Contains(body, want) {
			t.Errorf("try with watch=call-leak lacks %q:\n%s", want, body)
		}
	}
	// Without a query, the storyline's own query is tried.
	body = get(t, h, "GET", "/try?watch=call-leak", nil).Body.String()
	if !strings.Contains(body, ">@witkoff AND @ushakov AND (call OR leak*)</textarea>") || !strings.Contains(body, "Every hit (2)") {
		t.Errorf("try of a storyline's own query:\n%s", body)
	}
}

func TestTryExplainsBadInput(t *testing.T) {
	t.Parallel()
	pages := samplePages()
	pages.items = tryItems()
	_, h := newPageServer(t, pages, "")
	tests := []struct {
		name, query string
		want        []string
	}{
		{"syntax error with its offset", "q=" + url.QueryEscape("Witkoff AND (call OR"),
			[]string{"at offset 20", `Witkoff AND (call OR<mark class="at">␣</mark>`}},
		{"unbalanced parenthesis", "q=" + url.QueryEscape("Witkoff) call"),
			[]string{"unbalanced parenthesis at offset 7", `Witkoff<mark class="at">)</mark> call`}},
		{"unknown actor", "q=" + url.QueryEscape("@nobody AND call"), []string{`unknown actor &#34;@nobody&#34;`}},
		{"negation only", "q=" + url.QueryEscape("NOT Witkoff"), []string{"can only match by negation"}},
		{"bad period", "q=Witkoff&since=soon", []string{"since &#34;soon&#34;"}},
		{"unknown storyline", "q=Witkoff&watch=nope", []string{"no storyline &#34;nope&#34;"}},
		{"query too long", "q=" + strings.Repeat("a", maxQueryRunes+1), []string{"at most 2000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, "GET", "/try?"+tt.query, nil)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", rec.Code)
			}
			for _, w := range tt.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("page lacks %q:\n%s", w, rec.Body)
				}
			}
		})
	}
}

func TestTryIsBounded(t *testing.T) {
	t.Parallel()
	pages := samplePages()
	pages.block = true
	s, h := newPageServer(t, pages, "")
	s.tryTimeout = 50 * time.Millisecond
	rec := get(t, h, "GET", "/try?q=Witkoff", nil)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "try a shorter period") {
		t.Errorf("a slow query = %d:\n%s", rec.Code, rec.Body)
	}
	for range maxTries {
		s.tries <- struct{}{}
	}
	rec = get(t, h, "GET", "/try?q=Witkoff", nil)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "Other queries are running") {
		t.Errorf("a query beyond the limit = %d:\n%s", rec.Code, rec.Body)
	}
}
