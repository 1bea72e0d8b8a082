package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed/hostiletest"
	"github.com/storywatch/storywatch/notify/schematest"
)

// hostileErrors is what `storywatch feeds` says of each hostile feed that
// fails; the others are read.
var hostileErrors = map[string]string{
	hostiletest.Hang:               "timed out after " + hostiletest.Timeout.String(),
	hostiletest.Trickle:            "timed out after " + hostiletest.Timeout.String(),
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
	t.Parallel()
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
	fmt.Fprintf(&b, "poll:\n  schedule: \"@every 10m\"\n  timeout: %s\n  max_body: 4MiB\n  concurrency: 32\n  per_host: 2\n", hostiletest.Timeout)
	b.WriteString("feeds:\n")
	for _, u := range urls {
		fmt.Fprintf(&b, "  - url: %s\n", u)
	}
	b.WriteString(chaosWatchlist)
	cfg := filepath.Join(dir, "storywatch.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	took := time.Since(start)
	t.Logf("once over %d feeds took %s (timeout %s):\n%s", len(urls), took, hostiletest.Timeout, out)
	if code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, errOut)
	}
	wantSummary := fmt.Sprintf("%d ok, 0 not modified, %d failed", len(urls)-len(hostileErrors), len(hostileErrors))
	if !strings.Contains(out, wantSummary) {
		t.Errorf("once said:\n%s\nwant %q", out, wantSummary)
	}
	// The hostile feeds' timeouts run side by side, so once takes about
	// one timeout (logged above). The bound only catches a fetch that
	// escapes its timeout — a hang or a 1 byte/s trickle would run for
	// minutes — and is far enough that a loaded machine never reaches it.
	if took > 15*hostiletest.Timeout {
		t.Errorf("once took %s: a fetch escaped the %s timeout", took, hostiletest.Timeout)
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
	for _, want := range []string{"timed out after " + hostiletest.Timeout.String(), "more than 5 redirects", "body larger than max_body"} {
		if !strings.Contains(table, want) {
			t.Errorf("feeds table lacks %q:\n%s", want, table)
		}
	}
	if len(table) > 64<<10 {
		t.Errorf("feeds table is %d bytes: a hostile title or error was not cut", len(table))
	}
}

// hostileMarkupFeed is a JSON Feed whose text tries to reach a reader's
// HTML and terminal: script tags, event handlers, a javascript: link and
// terminal escape sequences, in a title and in a link.
const hostileMarkupFeed = `{"version":"https://jsonfeed.org/version/1.1","title":"<script>feed()</script>","items":[
 {"id":"x1","url":"javascript:alert(3)","title":"<script>alert(1)</script> Witkoff and Ushakov call <img src=x onerror=alert(2)> \u001b]0;owned\u0007\u001b[2J recording",
  "content_html":"<p onclick=\"evil()\">Witkoff spoke to Ushakov about the call <script>steal()</script><iframe src=\"https://evil.example/\"></iframe></p>"},
 {"id":"x2","url":"https://evil.example/x2\u001b]0;owned\u0007\u001b[2J","title":"Witkoff and Ushakov call, the second report"}]}`

// Feed markup and control characters never reach a digest's HTML, the
// hits table or the webhook's JSON as markup; secrets never reach a log,
// an error or the outbox, even when every delivery fails.
func TestHostileTextIsEscapedAndSecretsNeverShow(t *testing.T) {
	t.Parallel()
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		fmt.Fprint(w, hostileMarkupFeed)
	}))
	t.Cleanup(feed.Close)
	// Every notifier fails: a webhook answering 500, a closed SMTP port, a
	// chat service that is not there; their errors must not carry secrets.
	var hookBodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		schematest.Check(t, body)
		var b strings.Builder
		fmt.Fprint(&b, r.URL.String(), " ", r.Header)
		hookBodies = append(hookBodies, b.String())
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
	}))
	t.Cleanup(hook.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedPort := closed.Listener.Addr().(*net.TCPAddr).Port
	closed.Close()

	secrets := map[string]string{
		"WEBHOOK_SECRET": "hmac-Secret-0a9f",
		"SMTP_PASSWORD":  "smtp-Secret-77c1",
		"CHAT_TOKEN":     "chatSecret5e21",
		"API_TOKEN":      "api-Secret-3bd4",
	}
	const pathSecret, querySecret = "PathSecret91ab", "QuerySecret08cd"
	dir := t.TempDir()
	cfg := filepath.Join(dir, "storywatch.yaml")
	text := fmt.Sprintf(`database: sw.db
listen: ""
http_token: ${API_TOKEN}
feeds:
  - url: %s/feed.json
actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff]
  - id: ushakov
    name: Yuri Ushakov
    aliases: [Ushakov]
storylines:
  - id: call-leak
    title: Witkoff–Ushakov call
    query: '@witkoff AND @ushakov AND call'
digests:
  - id: breaking
    instant: true
    to: [hook, mail, chat, archive]
delivery:
  retry_after: 1s
  retry_max: 1s
  give_up: 1h
notifiers:
  - id: hook
    webhook:
      url: %s/hooks/%s?token=%s
      secret: ${WEBHOOK_SECRET}
  - id: mail
    email:
      host: 127.0.0.1
      port: %d
      tls: none
      username: desk
      password: ${SMTP_PASSWORD}
      from: storywatch <alerts@example.org>
      to: [desk@example.org]
  - id: chat
    chat:
      url: generic://127.0.0.1:%d/hooks/${CHAT_TOKEN}?token=${CHAT_TOKEN}
  - id: archive
    file:
      dir: digests
`, feed.URL, hook.URL, pathSecret, querySecret, closedPort, closedPort)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return secrets[k] }
	runEnv := func(args ...string) (string, string) {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"-config", cfg}, args...), getenv, strings.NewReader(""), &out, &errb)
		if code := exitCode(err, &errb); code != 0 && args[0] != "once" {
			t.Fatalf("%s: exit %d\n%s%s", args[0], code, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	var seen strings.Builder
	for _, args := range [][]string{{"once"}, {"once"}, {"hits"}, {"hits", "-json"}, {"feeds"}, {"deliveries"}, {"stories"}} {
		out, errOut := runEnv(args...)
		fmt.Fprintf(&seen, "$ %s\n%s%s", strings.Join(args, " "), out, errOut)
	}
	all := seen.String()
	if !strings.Contains(all, "call-leak") {
		t.Fatalf("no hit was made:\n%s", all)
	}

	// Secrets: in no output, no stored error, no file.
	var files strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".yaml") {
			b, _ := os.ReadFile(p)
			files.Write(b)
		}
		return nil
	})
	for _, s := range append([]string{pathSecret, querySecret}, secrets["WEBHOOK_SECRET"], secrets["SMTP_PASSWORD"], secrets["CHAT_TOKEN"], secrets["API_TOKEN"]) {
		if strings.Contains(all, s) {
			t.Errorf("secret %q shown in command output:\n%s", s, all)
		}
		if strings.Contains(files.String(), s) {
			t.Errorf("secret %q written to the database or a digest file", s)
		}
	}
	if len(hookBodies) == 0 {
		t.Errorf("the webhook was never tried")
	}

	// Terminal: no control characters from feed text.
	for _, c := range []string{"\x1b", "\x07"} {
		if strings.Contains(all, c) {
			t.Errorf("feed control character %q reaches the terminal:\n%q", c, all)
		}
	}
	// HTML digest: feed markup is text, the javascript: link is defused.
	htmls, _ := filepath.Glob(filepath.Join(dir, "digests", "*.html"))
	if len(htmls) != 1 {
		t.Fatalf("HTML digests written: %v, want 1", htmls)
	}
	page, err := os.ReadFile(htmls[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img src=x", "onerror=", "<iframe", "onclick=", `href="javascript:`, "\x1b"} {
		if strings.Contains(strings.ToLower(string(page)), strings.ToLower(bad)) {
			t.Errorf("digest HTML contains %q:\n%s", bad, page)
		}
	}
	// Markup in a title is stripped as text is extracted; the words stay.
	if !strings.Contains(string(page), "Witkoff and Ushakov call") {
		t.Errorf("the hostile title is missing from the digest:\n%s", page)
	}
}
