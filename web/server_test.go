package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/match"
)

var testNow = time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)

// fakeStore is a Store serving fixed hits.
type fakeStore struct {
	mu      sync.Mutex
	pingErr error
	hits    []Hit
	queries []HitQuery
}

func (f *fakeStore) Ready(context.Context) error { return f.pingErr }

func (f *fakeStore) Hits(_ context.Context, q HitQuery) ([]Hit, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	var out []Hit
	for _, h := range f.hits {
		if (q.Watch == "" || h.Watch == q.Watch) && !h.FoundAt.Before(q.Since) {
			out = append(out, h)
		}
	}
	return out, nil
}

func sampleHits() []Hit {
	m := []match.Match{{Term: "Witkoff", Field: "title", Snippet: "Witkoff coached <b>Ushakov</b>"}}
	return []Hit{
		// Newest first, as the store returns them.
		{ItemID: 3, Watch: "call-leak", ItemURL: "https://ex.org/c", Title: "Copy of the leak report", Feed: "Wire", FoundAt: testNow.Add(-1 * time.Hour), Score: 4, Story: "s1", Outlets: []string{"AP", "Wire"}, Matches: m},
		{ItemID: 2, Watch: "witkoff", ItemURL: "https://ex.org/b", Title: "Plan <script>alert(1)</script> & more", Feed: "BBC", FoundAt: testNow.Add(-2 * time.Hour), Score: 2, Matches: m},
		{ItemID: 1, Watch: "call-leak", ItemURL: "https://ex.org/a", Title: "Leaked call: Witkoff & Ushakov", Feed: "AP", FoundAt: testNow.Add(-3 * time.Hour), Published: testNow.Add(-4 * time.Hour), Score: 6, Story: "s1", Outlets: []string{"AP", "Wire"}, Matches: m},
		{ItemID: 1, Watch: "witkoff", ItemURL: "https://ex.org/a", Title: "Leaked call: Witkoff & Ushakov", Feed: "AP", FoundAt: testNow.Add(-3 * time.Hour), Score: 2, Story: "s1", Outlets: []string{"AP", "Wire"}, Matches: m},
	}
}

func newTestServer(t *testing.T, st *fakeStore, settings Settings) (*Server, http.Handler) {
	t.Helper()
	s := New(Options{Store: st, Metrics: NewMetrics(func() float64 { return 3 }), Now: func() time.Time { return testNow }})
	s.Configure(settings)
	return s, s.Handler()
}

func get(t testing.TB, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealthzAnswersWithoutDatabase(t *testing.T) {
	t.Parallel()
	_, h := newTestServer(t, &fakeStore{pingErr: errors.New("gone")}, Settings{})
	if rec := get(t, h, "GET", "/healthz", nil); rec.Code != 200 {
		t.Fatalf("healthz = %d, want 200", rec.Code)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pingErr   error
		lastCycle time.Time
		want      int
	}{
		{"no cycle yet", nil, time.Time{}, 503},
		{"recent cycle", nil, testNow.Add(-time.Minute), 200},
		{"cycle within three intervals", nil, testNow.Add(-29 * time.Minute), 200},
		{"cycle older than three intervals", nil, testNow.Add(-31 * time.Minute), 503},
		{"database down", errors.New("disk gone"), testNow, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, h := newTestServer(t, &fakeStore{pingErr: tt.pingErr}, Settings{PollSchedules: []Schedule{Every(10 * time.Minute)}})
			if !tt.lastCycle.IsZero() {
				s.CycleDone(tt.lastCycle)
			}
			if rec := get(t, h, "GET", "/readyz", nil); rec.Code != tt.want {
				t.Errorf("readyz = %d (%s), want %d", rec.Code, strings.TrimSpace(rec.Body.String()), tt.want)
			}
		})
	}
}

func TestReadyzFollowsUnevenCronSchedules(t *testing.T) {
	t.Parallel()
	daytime, err := cron.ParseStandard("*/5 6-22 * * *") // no polls from 23:00 to 06:00 UTC
	if err != nil {
		t.Fatal(err)
	}
	day := func(h, m int) time.Time { return time.Date(2025, 11, 26, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		now, last time.Time
		want      int
	}{
		{"night after the last poll of the evening", day(3, 0), day(22, 55).Add(-24*time.Hour + 20*time.Second), 200},
		{"first polls of the morning", day(6, 7), day(22, 55).Add(-24*time.Hour + 20*time.Second), 200},
		{"morning polls missed", day(6, 12), day(22, 55).Add(-24*time.Hour + 20*time.Second), 503},
		{"daytime, a cycle a tick ago", day(12, 1), day(12, 0).Add(20 * time.Second), 200},
		{"daytime, three ticks missed", day(12, 1), day(11, 45).Add(20 * time.Second), 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Options{Store: &fakeStore{}, Metrics: NewMetrics(func() float64 { return 0 }), Now: func() time.Time { return tt.now }})
			s.Configure(Settings{PollSchedules: []Schedule{daytime}})
			s.CycleDone(tt.last)
			if rec := get(t, s.Handler(), "GET", "/readyz", nil); rec.Code != tt.want {
				t.Errorf("readyz at %s, last cycle %s = %d (%s), want %d", tt.now.Format("15:04"), tt.last.Format("Jan 2 15:04"),
					rec.Code, strings.TrimSpace(rec.Body.String()), tt.want)
			}
		})
	}
}

func TestEndpointsAreReadOnly(t *testing.T) {
	t.Parallel()
	_, h := newTestServer(t, &fakeStore{}, Settings{})
	for _, target := range []string{"/healthz", "/api/hits", "/hits.atom", "/metrics", "/nowhere"} {
		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			rec := get(t, h, method, target, nil)
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s = %d, want 405", method, target, rec.Code)
			}
		}
	}
	if rec := get(t, h, "HEAD", "/healthz", nil); rec.Code != 200 {
		t.Errorf("HEAD /healthz = %d, want 200", rec.Code)
	}
}

func TestTokenGuardsDataButNotProbes(t *testing.T) {
	t.Parallel()
	s, h := newTestServer(t, &fakeStore{}, Settings{Token: "s3cret"})
	s.CycleDone(testNow)
	tests := []struct {
		name   string
		target string
		auth   string
		want   int
	}{
		{"no token", "/api/hits", "", 401},
		{"wrong token", "/api/hits", "Bearer nope", 401},
		{"bearer token", "/api/hits", "Bearer s3cret", 200},
		{"basic auth password for feed readers", "/hits.atom", "Basic dXNlcjpzM2NyZXQ=", 200},
		{"metrics need the token", "/metrics", "", 401},
		{"healthz is open", "/healthz", "", 200},
		{"readyz is open", "/readyz", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.auth != "" {
				header.Set("Authorization", tt.auth)
			}
			if rec := get(t, h, "GET", tt.target, header); rec.Code != tt.want {
				t.Errorf("GET %s = %d, want %d", tt.target, rec.Code, tt.want)
			}
		})
	}
}

func TestAtomFeedHasOneEntryPerStory(t *testing.T) {
	t.Parallel()
	st := &fakeStore{hits: sampleHits()}
	_, h := newTestServer(t, st, Settings{Watches: map[string]string{"call-leak": "Witkoff–Ushakov call", "witkoff": "Steve Witkoff"}})
	rec := get(t, h, "GET", "/hits.atom", nil)
	if rec.Code != 200 {
		t.Fatalf("hits.atom = %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("Content-Type = %q", ct)
	}
	var feed atomFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatalf("not XML: %v\n%s", err, rec.Body)
	}
	if feed.XMLName.Space != "http://www.w3.org/2005/Atom" || feed.ID == "" || feed.Updated == "" {
		t.Errorf("feed lacks the Atom namespace, id or updated: %+v", feed)
	}
	// s1 (three hits, two items) and item 2 (no story yet).
	if len(feed.Entries) != 2 {
		t.Fatalf("%d entries, want 2 (one per story)", len(feed.Entries))
	}
	lead := feed.Entries[0]
	if lead.Title.Body != "Leaked call: Witkoff & Ushakov" || lead.Links[0].Href != "https://ex.org/a" {
		t.Errorf("story entry does not show its lead: %+v", lead)
	}
	if len(lead.Categories) != 2 {
		t.Errorf("story entry categories = %v, want both watches", lead.Categories)
	}
	if !strings.Contains(lead.Summary.Body, "also in: Wire") {
		t.Errorf("story entry summary does not name the other outlet: %q", lead.Summary.Body)
	}
	for _, e := range feed.Entries {
		if e.ID == "" || e.Updated == "" || e.Title.Body == "" {
			t.Errorf("entry lacks id, updated or title: %+v", e)
		}
	}
	if strings.Contains(rec.Body.String(), "<script>") || strings.Contains(rec.Body.String(), "<b>") {
		t.Errorf("feed text reached the document as markup:\n%s", rec.Body)
	}
	if feed.Entries[1].Title.Body != "Plan <script>alert(1)</script> & more" {
		t.Errorf("escaped title does not round-trip: %q", feed.Entries[1].Title.Body)
	}
}

func TestAtomFeedForOneWatch(t *testing.T) {
	t.Parallel()
	st := &fakeStore{hits: sampleHits()}
	_, h := newTestServer(t, st, Settings{Watches: map[string]string{"call-leak": "Witkoff–Ushakov call"}})
	rec := get(t, h, "GET", "/hits.atom?watch=call-leak", nil)
	var feed atomFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != 1 || !strings.Contains(feed.Title, "Witkoff–Ushakov call") {
		t.Errorf("feed %q has %d entries, want 1 titled after the watch", feed.Title, len(feed.Entries))
	}
	if rec := get(t, h, "GET", "/hits.atom?watch=nobody", nil); rec.Code != 404 {
		t.Errorf("unknown watch = %d, want 404", rec.Code)
	}
}

func TestAPIHits(t *testing.T) {
	t.Parallel()
	st := &fakeStore{hits: sampleHits()}
	_, h := newTestServer(t, st, Settings{})
	rec := get(t, h, "GET", "/api/hits?since=150m&watch=call-leak", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("api/hits = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var got []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(got) != 1 || got[0]["item_url"] != "https://ex.org/c" {
		t.Fatalf("api/hits = %v, want the one call-leak hit of the last 150m", got)
	}
	if o, _ := got[0]["outlets"].([]any); len(o) != 2 || o[1] != "Wire" {
		t.Errorf("hit outlets = %v, want the story's outlets as in hits -json", got[0]["outlets"])
	}
	for _, key := range []string{"watch", "item_url", "title", "feed", "found_at", "score", "story", "outlets", "matches"} {
		if _, ok := got[0][key]; !ok {
			t.Errorf("hit lacks %q: %v", key, got[0])
		}
	}
	if p, ok := got[0]["published"]; !ok || p != nil {
		t.Errorf("unknown published time = %v, want null as in hits -json", got[0]["published"])
	}

	tests := []struct {
		since string
		want  time.Time
	}{
		{"", testNow.Add(-24 * time.Hour)},
		{"2d", testNow.Add(-48 * time.Hour)},
		{"2025-11-20T00:00:00Z", time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		st.queries = nil
		get(t, h, "GET", "/api/hits?since="+tt.since, nil)
		if len(st.queries) != 1 || !st.queries[0].Since.Equal(tt.want) {
			t.Errorf("since=%q queried %v, want since %s", tt.since, st.queries, tt.want)
		}
	}
	if rec := get(t, h, "GET", "/api/hits?since=yesterday", nil); rec.Code != 400 {
		t.Errorf("bad since = %d, want 400", rec.Code)
	}
	rec = get(t, h, "GET", "/api/hits?watch=nobody", nil)
	if strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("no hits = %q, want []", rec.Body.String())
	}
}

func TestMetricsExposeCounters(t *testing.T) {
	t.Parallel()
	s := New(Options{Store: &fakeStore{}, Metrics: NewMetrics(func() float64 { return 3 })})
	m := s.metrics
	m.Fetch(FetchOK)
	m.Fetch(FetchError)
	m.Items(5)
	m.Hits("call-leak", 2)
	m.Stories(4)
	m.Delivery("desk-email", "sent")
	m.Cycle(1500*time.Millisecond, testNow)
	m.Reload(true)
	rec := get(t, s.Handler(), "GET", "/metrics", nil)
	body := rec.Body.String()
	for _, want := range []string{
		`storywatch_fetches_total{result="ok"} 1`,
		`storywatch_fetches_total{result="error"} 1`,
		`storywatch_fetches_total{result="not_modified"} 0`,
		`storywatch_items_total 5`,
		`storywatch_hits_total{watch="call-leak"} 2`,
		`storywatch_stories_total 4`,
		`storywatch_deliveries_total{notifier="desk-email",result="sent"} 1`,
		`storywatch_outbox_depth 3`,
		`storywatch_poll_cycle_duration_seconds_count 1`,
		`storywatch_config_reloads_total{result="ok"} 1`,
		`storywatch_config_reloads_total{result="error"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestServeShutsDownOnCancel(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, &fakeStore{}, Settings{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("healthz over TCP = %d %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestAtomEntryShowsTheStoryLeadAndNoEmptyLink(t *testing.T) {
	t.Parallel()
	m := []match.Match{{Term: "Witkoff", Field: "title", Snippet: "Witkoff"}}
	st := &fakeStore{hits: []Hit{
		// Newest first. The lead (item 10, the story's id) got its hit from
		// a backtest, after a copy's hit.
		{ItemID: 10, Watch: "peace-plan", ItemURL: "https://ap.example/lead", Title: "Lead report", Feed: "AP",
			FoundAt: testNow.Add(-1 * time.Hour), Score: 3, Story: "10", Outlets: []string{"AP", "Wire"}, Matches: m},
		{ItemID: 12, Watch: "witkoff", ItemURL: "https://wire.example/copy", Title: "Wire copy", Feed: "Wire",
			FoundAt: testNow.Add(-3 * time.Hour), Score: 2, Story: "10", Outlets: []string{"AP", "Wire"}, Matches: m},
		// An item whose feed gave no link.
		{ItemID: 20, Watch: "witkoff", Title: "No link here", Feed: "Radio",
			FoundAt: testNow.Add(-4 * time.Hour), Score: 2, Story: "20", Matches: m},
	}}
	_, h := newTestServer(t, st, Settings{})
	rec := get(t, h, "GET", "/hits.atom", nil)
	var feed atomFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatalf("not XML: %v\n%s", err, rec.Body)
	}
	if len(feed.Entries) != 2 {
		t.Fatalf("%d entries, want 2", len(feed.Entries))
	}
	lead := feed.Entries[0]
	if lead.Title.Body != "Lead report" || len(lead.Links) != 1 || lead.Links[0].Href != "https://ap.example/lead" {
		t.Errorf("story entry shows %q %+v, want the lead's title and link", lead.Title.Body, lead.Links)
	}
	if len(feed.Entries[1].Links) != 0 || strings.Contains(rec.Body.String(), `href=""`) {
		t.Errorf("an item without a link got a link element: %+v", feed.Entries[1].Links)
	}
}

func TestTokenOfAnotherLengthIsRefused(t *testing.T) {
	t.Parallel()
	_, h := newTestServer(t, &fakeStore{}, Settings{Token: "s3cret"})
	for _, given := range []string{"s3cre", "s3cret0", "S3CRET", ""} {
		header := http.Header{"Authorization": {"Bearer " + given}}
		if rec := get(t, h, "GET", "/api/hits", header); rec.Code != 401 {
			t.Errorf("token %q: %d, want 401", given, rec.Code)
		}
	}
	if rec := get(t, h, "GET", "/api/hits", http.Header{"Authorization": {"Bearer s3cret"}}); rec.Code != 200 {
		t.Errorf("right token: %d, want 200", rec.Code)
	}
}

// Links a feed made up are never republished: only http(s) links leave,
// in the Atom feed and in /api/hits.
func TestOnlyHTTPLinksAreRepublished(t *testing.T) {
	t.Parallel()
	bad := []string{"javascript:alert(1)", " JavaScript:alert(2)", "data:text/html;base64,PHNjcmlwdD4=",
		"vbscript:msgbox(3)", "https://ex.org/a\r\nX-Injected: 1", "https://ex.org/\x1b[2J"}
	var hits []Hit
	for i, u := range bad {
		hits = append(hits, Hit{ItemID: int64(i + 1), Watch: "w", ItemURL: u, Title: fmt.Sprintf("Title %d \x1b]0;owned\x07", i),
			FoundAt: testNow.Add(-time.Duration(i+1) * time.Minute), Score: 1})
	}
	hits = append(hits, Hit{ItemID: 99, Watch: "w", ItemURL: "https://ex.org/good", Title: "Good", FoundAt: testNow.Add(-time.Hour), Score: 1})
	_, h := newTestServer(t, &fakeStore{hits: hits}, Settings{})
	atom := get(t, h, "GET", "/hits.atom", nil).Body.String()
	api := get(t, h, "GET", "/api/hits", nil).Body.String()
	for name, body := range map[string]string{"atom": atom, "api": api} {
		for _, s := range []string{"javascript:", "JavaScript:", "data:text", "vbscript:", "X-Injected", "\x1b", `\u001b`} {
			if strings.Contains(body, s) {
				t.Errorf("%s holds %q:\n%s", name, s, body)
			}
		}
		if !strings.Contains(body, "https://ex.org/good") {
			t.Errorf("%s lost the good link:\n%s", name, body)
		}
	}
	var feed atomFeed
	if err := xml.Unmarshal([]byte(atom), &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != len(hits) {
		t.Fatalf("%d entries, want %d: an item with a bad link is still listed, without it", len(feed.Entries), len(hits))
	}
	for _, e := range feed.Entries {
		for _, l := range e.Links {
			if !strings.HasPrefix(l.Href, "https://") {
				t.Errorf("entry %s links to %q", e.ID, l.Href)
			}
		}
	}
}

// The Host header is the client's to choose: rel="self" does not echo it,
// it is relative, or under public_url when one is configured.
func TestAtomSelfLinkIgnoresTheHostHeader(t *testing.T) {
	t.Parallel()
	_, h := newTestServer(t, &fakeStore{hits: sampleHits()}, Settings{})
	req := httptest.NewRequest("GET", "/hits.atom?watch=call-leak", nil)
	req.Host = "evil.example"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var feed atomFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rec.Body.String(), "evil.example") {
		t.Errorf("the feed echoes the Host header:\n%s", rec.Body)
	}
	if len(feed.Links) != 1 || feed.Links[0].Rel != "self" || feed.Links[0].Href != "/hits.atom?watch=call-leak" {
		t.Errorf("links = %+v, want a relative self link", feed.Links)
	}
	// With a public URL configured, the link is under it.
	_, h = newTestServer(t, &fakeStore{hits: sampleHits()}, Settings{PublicURL: "https://desk.example.org/sw/"})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	feed = atomFeed{}
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	if want := "https://desk.example.org/sw/hits.atom?watch=call-leak"; len(feed.Links) != 1 || feed.Links[0].Href != want {
		t.Errorf("links = %+v, want %s", feed.Links, want)
	}
}
