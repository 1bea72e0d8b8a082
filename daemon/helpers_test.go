package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/store"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func noEnv(string) string { return "" }

// loadConfig loads the config at path with no environment.
func loadConfig(t *testing.T, path string) *config.Config {
	t.Helper()
	c, err := config.Load(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// openDB opens the database of c, closed at the end of the test.
func openDB(t *testing.T, c *config.Config) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), c.Database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newTestDaemon builds the daemon of the config at cfgPath over its
// database, as storywatch run wires it; edit changes the options first.
func newTestDaemon(t *testing.T, cfgPath string, log *slog.Logger, edit ...func(*Options)) (*Daemon, *store.DB) {
	t.Helper()
	c := loadConfig(t, cfgPath)
	db := openDB(t, c)
	o := Options{Config: c, Store: db, Log: log, Now: db.Now, Version: "test", ConfigPath: cfgPath, Getenv: noEnv}
	for _, e := range edit {
		e(&o)
	}
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return d, db
}

// runDaemon runs d until the test ends, and then checks that Run stopped
// cleanly within the grace period.
func runDaemon(t *testing.T, d *Daemon) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v after cancel, want nil", err)
				}
			case <-time.After(d.opts.Grace + 5*time.Second):
				t.Error("Run did not stop within its grace period")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// writeByRename replaces path as editors do: a new file renamed over it.
func writeByRename(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// logBuffer collects the daemon's log for a test to read while it runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logger returns a JSON logger into b.
func (b *logBuffer) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(b, nil)) }

// records returns the JSON log records with the given message.
func (b *logBuffer) records(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pollServer serves test feeds on loopback and counts requests.
type pollServer struct {
	*httptest.Server
	mu      sync.Mutex
	feeds   map[string]string
	special map[string]http.HandlerFunc
}

func newPollServer(t *testing.T) *pollServer {
	s := &pollServer{feeds: map[string]string{}, special: map[string]http.HandlerFunc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body, h := s.feeds[r.URL.Path], s.special[r.URL.Path]
		s.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

type pollItem struct{ id, title, link string }

var leakItem = pollItem{"ap-1", "Witkoff coached Ushakov on Putin call, recording shows", "https://apnews.com/article/witkoff-ushakov?utm_source=rss"}

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

// editConfig rewrites the config at path with r's replacements.
func editConfig(t *testing.T, path string, r *strings.Replacer) {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(r.Replace(string(text))), 0o600); err != nil {
		t.Fatal(err)
	}
}

// daemonFeed is an RSS feed of the story, dated around now so that the
// first poll's backfill limit lets every item become a hit.
func daemonFeed(now time.Time) string {
	item := func(n int, title, desc string) string {
		return fmt.Sprintf(`<item><guid>urn:test:%d</guid><link>https://news.example.org/%d</link>
<title>%s</title><description>%s</description><pubDate>%s</pubDate></item>`,
			n, n, title, desc, now.Add(-time.Duration(n)*time.Hour).Format(time.RFC1123Z))
	}
	return `<?xml version="1.0"?><rss version="2.0"><channel><title>Test wire</title><link>https://news.example.org/</link>` +
		item(1, "Leaked call: Witkoff coached Ushakov", "A recording of the call between Steve Witkoff and Yuri Ushakov.") +
		item(2, "Ushakov comments on the recording", "Yuri Ushakov said the call recording was authentic.") +
		item(3, "Kyiv weighs the 28-point peace plan", "Officials studied the 28-point plan drafted in Washington.") +
		item(4, "Weather: snow in the capital", "Nothing about the story.") +
		`</channel></rss>`
}

// daemonConfigText is a config that polls feeds every 2 s and sends the
// instant digest "breaking" to the webhook hook; extra is appended to the
// storylines.
func daemonConfigText(db, hook string, feeds []string, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "database: %s\nlisten: 127.0.0.1:0\npoll:\n  schedule: \"@every 2s\"\n  timeout: 3s\nfeeds:\n", db)
	for _, f := range feeds {
		fmt.Fprintf(&b, "  - url: %s\n", f)
	}
	fmt.Fprintf(&b, `actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff, Steve Witkoff]
  - id: ushakov
    name: Yuri Ushakov
    aliases: [Ushakov, Yuri Ushakov]
    track: false
storylines:
  - id: call-leak
    title: Witkoff–Ushakov call recording
    query: '@witkoff AND @ushakov AND (recording OR call OR leak*)'
%sdigests:
  - id: breaking
    instant: true
    to: [hook]
notifiers:
  - id: hook
    webhook:
      url: %s
`, extra, hook)
	return b.String()
}

const peacePlanStoryline = `  - id: peace-plan
    title: The 28-point peace plan
    query: '"28-point plan" OR "28-point peace plan"'
`

// hookServer counts the webhook deliveries it receives.
func hookServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// metricValue returns the value of one exact series in a scrape, or -1.
func metricValue(scrape, series string) float64 {
	for _, line := range strings.Split(scrape, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// editConfigAppend appends text (storylines) to the config at path.
func editConfigAppend(t *testing.T, path, text string) {
	t.Helper()
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeByRename(t, path, string(old)+text)
}
