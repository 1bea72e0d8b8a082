package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/store"
)

// pollServer serves test feeds on loopback and records what it was asked.
type pollServer struct {
	*httptest.Server
	mu          sync.Mutex
	feeds       map[string]string
	special     map[string]http.HandlerFunc
	requests    map[string]int
	answered304 map[string]int
}

func newPollServer(t *testing.T) *pollServer {
	s := &pollServer{feeds: map[string]string{}, special: map[string]http.HandlerFunc{},
		requests: map[string]int{}, answered304: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		body, h := s.feeds[r.URL.Path], s.special[r.URL.Path]
		s.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		etag := fmt.Sprintf(`"%d"`, len(body))
		const lastMod = "Wed, 26 Nov 2025 10:00:00 GMT"
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			s.mu.Lock()
			s.answered304[r.URL.Path]++
			s.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *pollServer) count(path string) (requests, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path], s.answered304[path]
}

type pollItem struct{ id, title, link string }

// pollFeed renders an RSS feed whose items were published an hour ago.
func pollFeed(title string, items ...pollItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>`, html.EscapeString(title))
	pub := time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid>%s</guid><title>%s</title><link>%s</link><pubDate>%s</pubDate></item>`,
			it.id, html.EscapeString(it.title), html.EscapeString(it.link), pub)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// pollConfig writes a config polling the given feed URLs into dir.
func pollConfig(t *testing.T, dir, timeout string, feedURLs ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "database: %s\nlisten: \"\"\nretention: 30d\n", filepath.Join(dir, "sw.db"))
	fmt.Fprintf(&b, "poll:\n  schedule: \"@every 10m\"\n  timeout: %s\n  concurrency: 8\n  per_host: 8\n  backfill: 24h\n", timeout)
	b.WriteString("feeds:\n")
	for _, u := range feedURLs {
		fmt.Fprintf(&b, "  - url: %s\n", u)
	}
	b.WriteString(`actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff, Steve Witkoff]
  - id: ushakov
    name: Yuri Ushakov
    aliases: [Ushakov, Ушаков*]
storylines:
  - id: call-leak
    title: Witkoff–Ushakov call
    query: '@witkoff AND @ushakov AND (call OR recording OR leak*)'
`)
	path := filepath.Join(dir, "storywatch.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	return exitCode(err, &errb), out.String(), errb.String()
}

var leakItem = pollItem{"ap-1", "Witkoff coached Ushakov on Putin call, recording shows", "https://apnews.com/article/witkoff-ushakov?utm_source=rss"}

func TestOnceStoresHitsAndSecondOnceIsConditional(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem, pollItem{"ap-2", "Snow in the Alps", "https://apnews.com/article/snow"})
	cfg := pollConfig(t, t.TempDir(), "5s", srv.URL+"/ap.xml")

	code, out, errOut := runCmd(t, "-config", cfg, "once")
	if code != 0 || !strings.Contains(out, "1 ok") || !strings.Contains(out, "2 new items, 3 new hits") {
		t.Fatalf("first once: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "once", "-config", cfg)
	if code != 0 || !strings.Contains(out, "1 not modified") || !strings.Contains(out, "0 new items, 0 new hits") {
		t.Fatalf("second once: exit %d\n%s%s", code, out, errOut)
	}
	if req, nm := srv.count("/ap.xml"); req != 2 || nm != 1 {
		t.Errorf("server saw %d requests, %d answered 304; want 2 and 1", req, nm)
	}

	code, out, errOut = runCmd(t, "-config", cfg, "hits", "-json")
	if code != 0 {
		t.Fatalf("hits -json: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("hits -json printed %d lines, want 3:\n%s", len(lines), out)
	}
	watches := map[string]bool{}
	for _, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("hits -json line %q: %v", line, err)
		}
		for _, k := range []string{"watch", "item_url", "title", "feed", "published", "found_at", "score", "story", "matches"} {
			if _, ok := obj[k]; !ok {
				t.Errorf("hits -json object lacks %q: %s", k, line)
			}
		}
		if obj["title"] != leakItem.title || obj["feed"] != "AP" || obj["item_url"] != leakItem.link || obj["score"].(float64) < 1 {
			t.Errorf("hit fields: %s", line)
		}
		if m, _ := obj["matches"].([]any); len(m) == 0 {
			t.Errorf("hit without matches: %s", line)
		}
		watches[obj["watch"].(string)] = true
	}
	if !watches["witkoff"] || !watches["ushakov"] || !watches["call-leak"] {
		t.Errorf("watches with hits: %v", watches)
	}
	code, out, _ = runCmd(t, "-config", cfg, "hits", "-watch", "call-leak", "-since", "1d")
	if code != 0 || !strings.Contains(out, "call-leak") || strings.Contains(out, "witkoff ") {
		t.Errorf("hits -watch call-leak: exit %d\n%s", code, out)
	}
}

func TestOnceSurvivesFailingFeeds(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/good.xml"] = pollFeed("Good", leakItem)
	srv.special["/500.xml"] = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }
	srv.special["/429.xml"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}
	srv.special["/notxml.xml"] = func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"not": "a feed"}`) }
	srv.special["/hang.xml"] = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	paths := []string{"/500.xml", "/429.xml", "/notxml.xml", "/hang.xml", "/good.xml"}
	var urls []string
	for _, p := range paths {
		urls = append(urls, srv.URL+p)
	}
	cfg := pollConfig(t, t.TempDir(), "300ms", urls...)

	start := time.Now()
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	if code != 0 || !strings.Contains(out, "1 ok, 0 not modified, 4 failed") || !strings.Contains(out, "3 new hits") {
		t.Fatalf("once: exit %d\n%s%s", code, out, errOut)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("once took %s with a 300ms timeout", d)
	}

	code, out, errOut = runCmd(t, "-config", cfg, "feeds", "-json")
	if code != 0 {
		t.Fatalf("feeds -json: exit %d: %s", code, errOut)
	}
	type feedLine struct {
		URL         string     `json:"url"`
		Status      int        `json:"status"`
		Items       int        `json:"items"`
		Error       string     `json:"error"`
		NextAttempt *time.Time `json:"next_attempt"`
	}
	got := map[string]feedLine{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f feedLine
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatal(err)
		}
		got[strings.TrimPrefix(f.URL, srv.URL)] = f
	}
	wantErr := map[string]string{"/500.xml": "HTTP 500", "/429.xml": "HTTP 429", "/notxml.xml": "not a feed", "/hang.xml": "timed out"}
	for path, frag := range wantErr {
		f := got[path]
		if !strings.Contains(f.Error, frag) || f.NextAttempt == nil || !f.NextAttempt.After(start) {
			t.Errorf("feeds -json %s: %+v, want error ~%q and a next attempt", path, f, frag)
		}
	}
	if f := got["/429.xml"]; f.NextAttempt == nil || f.NextAttempt.Before(start.Add(59*time.Minute)) {
		t.Errorf("429 feed next attempt %v, want an hour out", f.NextAttempt)
	}
	if f := got["/good.xml"]; f.Error != "" || f.NextAttempt != nil || f.Items != 1 || f.Status != 200 {
		t.Errorf("good feed: %+v", f)
	}
	_, text, _ := runCmd(t, "-config", cfg, "feeds")
	if !strings.Contains(text, "HTTP 429") || !strings.Contains(text, "NEXT POLL") {
		t.Errorf("feeds table lacks the errors:\n%s", text)
	}

	// Run again: the 429 feed is left alone until its Retry-After.
	code, out, _ = runCmd(t, "-config", cfg, "once")
	if req, _ := srv.count("/429.xml"); req != 1 {
		t.Errorf("429 feed fetched %d times before its Retry-After, want 1", req)
	}
	if code != 0 || !strings.Contains(out, "backing off: "+srv.URL+"/429.xml") {
		t.Errorf("second once: exit %d\n%s", code, out)
	}
}

// TestHelperProcess is not a test: TestOnceKilledMidCycle runs the test
// binary again with it to get a storywatch process it can kill.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("STORYWATCH_HELPER_PROCESS") != "1" {
		t.Skip("helper process for subprocess tests")
	}
	args := strings.Split(os.Getenv("STORYWATCH_HELPER_ARGS"), "\n")
	err := run(context.Background(), args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(exitCode(err, os.Stderr))
}

func TestOnceKilledMidCycleLosesAndRepeatsNothing(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	gate := make(chan struct{})
	var gateOnce sync.Once
	openGate := func() { gateOnce.Do(func() { close(gate) }) }
	defer openGate()
	const fast, slow = 4, 4
	var urls []string
	for i := range fast + slow {
		path := fmt.Sprintf("/f%d.xml", i)
		body := pollFeed(fmt.Sprintf("Feed %d", i),
			pollItem{fmt.Sprintf("item-%d", i), fmt.Sprintf("Witkoff–Ushakov call, report %d", i), fmt.Sprintf("https://news.example/%d", i)})
		srv.feeds[path] = body
		if i >= fast {
			// Slow feeds send half a body, then stall until the gate opens.
			srv.special[path] = func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-gate:
					w.Header().Set("Content-Type", "application/rss+xml")
					fmt.Fprint(w, body)
					return
				default:
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprint(w, body[:len(body)/2])
				w.(http.Flusher).Flush()
				select {
				case <-gate:
				case <-r.Context().Done():
				}
			}
		}
		urls = append(urls, srv.URL+path)
	}
	dir := t.TempDir()
	cfg := pollConfig(t, dir, "60s", urls...)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "STORYWATCH_HELPER_PROCESS=1", "STORYWATCH_HELPER_ARGS=-config\n"+cfg+"\nonce")
	var childOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &childOut, &childOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the fast feeds' hits are committed, then kill the process
	// while the slow feeds are still being fetched.
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "sw.db"))
	if err != nil {
		t.Fatal(err)
	}
	var before []store.Hit
	deadline := time.Now().Add(20 * time.Second)
	for {
		before, err = db.Hits(ctx, store.HitFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(before) == fast*3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(before) != fast*3 {
		t.Fatalf("before the kill: %d hits committed, want %d\nchild output:\n%s", len(before), fast*3, childOut.String())
	}
	if strings.Contains(childOut.String(), "polled") {
		t.Fatalf("the cycle finished before the kill:\n%s", childOut.String())
	}

	openGate()
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	if code != 0 {
		t.Fatalf("once after the kill: exit %d\n%s%s", code, out, errOut)
	}
	after, err := db.Hits(ctx, store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != (fast+slow)*3 {
		t.Errorf("after the rerun: %d hits, want %d (3 per item, none twice)", len(after), (fast+slow)*3)
	}
	ids := map[int64]bool{}
	seen := map[string]bool{}
	for _, h := range after {
		ids[h.ID] = true
		k := h.ItemURL + " " + h.Watch
		if seen[k] {
			t.Errorf("duplicate hit %s", k)
		}
		seen[k] = true
	}
	for _, h := range before {
		if !ids[h.ID] {
			t.Errorf("committed hit %d (%s, %s) lost", h.ID, h.Watch, h.ItemURL)
		}
	}
	for i := range fast {
		if _, nm := srv.count(fmt.Sprintf("/f%d.xml", i)); nm != 1 {
			t.Errorf("committed feed %d was not answered 304 on the rerun", i)
		}
	}
}

func TestDemoPrintsTheDigestWithoutNetwork(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1") // any non-loopback request would fail
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	code, out, errOut := runCmd(t, "demo")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"6 ok, 0 not modified, 0 failed",
		"[storywatch] desk: ", // the digest's subject line
		"== Witkoff–Ushakov call recording (call-leak)",
		"== The 28-point peace plan (peace-plan)",
		"(dmitriev-channel)",
		"Ушаков о записи разговора с Уиткоффом", // Russian-language coverage
		"Віткоффа",                              // Ukrainian-language coverage
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// The AP report, its Google News copy and Ynet's copy of it are one
	// story, its outlets in the order of the rule (earliest published
	// first), listed once.
	if n := strings.Count(out, "AP, Google News search, Ynet · first seen"); n != 1 {
		t.Errorf("the AP story with its three outlets is listed %d times, want once:\n%s", n, out)
	}
	// One entry per story, and the subject counts them.
	entries := regexp.MustCompile(`(?m)^\d+\. `).FindAllString(out, -1)
	if !strings.Contains(out, fmt.Sprintf("[storywatch] desk: %d new stories (", len(entries))) {
		t.Errorf("the subject does not count the %d entries:\n%s", len(entries), out)
	}
	for _, unwanted := range []string{"Storm brings heavy snow", "первый снег", "farm subsidy"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("demo output shows unrelated item %q", unwanted)
		}
	}
}

func TestFeedURLSecretsStayOutOfLogsAndErrors(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.special["/news"] = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) }
	dir := t.TempDir()
	cfg := pollConfig(t, dir, "5s", srv.URL+"/news?key=s3cret-api-key")
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	if code == 0 && !strings.Contains(out, "1 failed") {
		t.Fatalf("once: exit %d, want the feed failed\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "failed: "+srv.URL+"/news?…: ") {
		t.Errorf("the failure is not reported with the redacted URL:\n%s", out)
	}
	if strings.Contains(out+errOut, "s3cret") {
		t.Errorf("once printed the feed URL's key:\n%s%s", out, errOut)
	}
	_, out, _ = runCmd(t, "-config", cfg, "feeds", "-json")
	var feed struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &feed); err != nil {
		t.Fatalf("feeds -json: %v\n%s", err, out)
	}
	if feed.Error == "" || strings.Contains(feed.Error, "s3cret") {
		t.Errorf("stored error = %q, want it without the key", feed.Error)
	}
}

// feeds shows where a moved feed is fetched from beside its configured
// URL, in the table and in -json.
func TestFeedsShowsAMovedFeedsTwoURLs(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/new.xml"] = pollFeed("AP", leakItem)
	srv.special["/old.xml"] = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new.xml", http.StatusMovedPermanently)
	}
	cfg := pollConfig(t, t.TempDir(), "5s", srv.URL+"/old.xml")
	if code, out, errOut := runCmd(t, "-config", cfg, "once"); code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, errOut)
	}
	_, table, _ := runCmd(t, "-config", cfg, "feeds")
	if want := srv.URL + "/old.xml (moved to " + srv.URL + "/new.xml)"; !strings.Contains(table, want) {
		t.Errorf("feeds table lacks %q:\n%s", want, table)
	}
	_, js, _ := runCmd(t, "-config", cfg, "feeds", "-json")
	if !strings.Contains(js, `"url":"`+srv.URL+`/old.xml"`) || !strings.Contains(js, `"fetch_url":"`+srv.URL+`/new.xml"`) {
		t.Errorf("feeds -json: %s", js)
	}
}
