package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor/hostiletest"
)

// hostileErrors is what `storywatch feeds` says of each hostile feed that
// fails; the others are read.
var hostileErrors = map[string]string{
	hostiletest.Hang:               "timed out after 2s",
	hostiletest.Trickle:            "timed out after 2s",
	hostiletest.Endless:            "body larger than max_body",
	hostiletest.GzipBomb:           "body larger than max_body",
	hostiletest.RedirectLoop:       "more than 5 redirects",
	hostiletest.RedirectChain:      "more than 5 redirects",
	hostiletest.ContentLengthLong:  "closed the connection",
	hostiletest.ContentLengthShort: "XML syntax error",
	hostiletest.JSONArray:          "not a feed: a JSON array",
}

// `storywatch once` over every hostile feed and two good ones: the cycle
// ends within the timeout plus a margin, the good feeds' hits are stored,
// and `storywatch feeds` says what went wrong with each failing feed.
func TestOnceOverHostileFeedsEndsInTimeAndFeedsExplains(t *testing.T) {
	const maxBody = 4 << 20
	hs := hostiletest.Start(t, hostiletest.Options{MaxBody: maxBody})
	var urls []string
	for i := range 2 {
		body := pollFeed(fmt.Sprintf("Good %d", i), pollItem{fmt.Sprintf("good-%d", i),
			"Witkoff–Ushakov call: the recording", fmt.Sprintf("https://good.example/%d", i)})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, body)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL+"/good.xml")
	}
	for _, name := range hostiletest.Names {
		urls = append(urls, hs.URL(name))
	}
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "database: %s\nlisten: \"\"\n", filepath.Join(dir, "sw.db"))
	fmt.Fprintf(&b, "poll:\n  schedule: \"@every 10m\"\n  timeout: 2s\n  max_body: 4MiB\n  concurrency: 32\n  per_host: 2\n")
	b.WriteString("feeds:\n")
	for _, u := range urls {
		fmt.Fprintf(&b, "  - url: %s\n", u)
	}
	b.WriteString(`actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff]
  - id: ushakov
    name: Yuri Ushakov
    aliases: [Ushakov]
storylines:
  - id: call-leak
    title: Witkoff–Ushakov call
    query: '@witkoff AND @ushakov AND (call OR recording)'
`)
	cfg := filepath.Join(dir, "storywatch.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	took := time.Since(start)
	t.Logf("once over %d feeds took %s (timeout 2s):\n%s", len(urls), took, out)
	if code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, errOut)
	}
	wantSummary := fmt.Sprintf("%d ok, 0 not modified, %d failed", len(urls)-len(hostileErrors), len(hostileErrors))
	if !strings.Contains(out, wantSummary) {
		t.Errorf("once said:\n%s\nwant %q", out, wantSummary)
	}
	// Generous: the timeout, plus a margin for the 10,000-item feed on a
	// loaded machine; the hostile feeds' timeouts run side by side.
	if took > 6*time.Second {
		t.Errorf("once took %s, want the 2s timeout plus a margin", took)
	}

	code, out, errOut = runCmd(t, "-config", cfg, "hits", "-json")
	if code != 0 {
		t.Fatalf("hits: exit %d: %s", code, errOut)
	}
	for i := range 2 {
		link := fmt.Sprintf("https://good.example/%d", i)
		if n := strings.Count(out, `"`+link+`"`); n != 3 {
			t.Errorf("hits of good feed %d: %d, want 3", i, n)
		}
	}

	code, out, errOut = runCmd(t, "-config", cfg, "feeds", "-json")
	if code != 0 {
		t.Fatalf("feeds -json: exit %d: %s", code, errOut)
	}
	byURL := map[string]feedOutput{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f feedOutput
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("feeds -json line %q: %v", line, err)
		}
		byURL[f.URL] = f
	}
	for _, name := range hostiletest.Names {
		f := byURL[hs.URL(name)]
		want, fails := hostileErrors[name]
		switch {
		case fails && (!strings.Contains(f.Error, want) || f.NextAttempt == nil):
			t.Errorf("feeds: %s error %q, next attempt %v; want %q and a next attempt", name, f.Error, f.NextAttempt, want)
		case !fails && (f.Error != "" || f.Items == 0):
			t.Errorf("feeds: %s error %q with %d items; want it read", name, f.Error, f.Items)
		}
	}
	_, table, _ := runCmd(t, "-config", cfg, "feeds")
	for _, want := range []string{"timed out after 2s", "more than 5 redirects", "body larger than max_body"} {
		if !strings.Contains(table, want) {
			t.Errorf("feeds table lacks %q:\n%s", want, table)
		}
	}
	if len(table) > 64<<10 {
		t.Errorf("feeds table is %d bytes: a hostile title or error was not cut", len(table))
	}
}
