package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

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

// daemonConfig writes the daemon's config. extra is appended to the
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

func TestRunDaemonPollsServesAndReloads(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon for several seconds")
	}
	var polls atomic.Int32
	feedBody := daemonFeed(time.Now())
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feedBody)
	}))
	defer feed.Close()
	hook, delivered := hookServer(t)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	cfgText := daemonConfigText(filepath.Join(dir, "sw.db"), hook.URL, []string{feed.URL + "/rss"}, "")
	writeByRename(t, cfgPath, cfgText)

	logs := &logBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-config", cfgPath, "run", "-log-format", "json"}, func(string) string { return "" },
			strings.NewReader(""), logs, logs)
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after cancel, want nil", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("run did not stop within 15s of cancel")
		}
	}()

	var base string
	eventually(t, 10*time.Second, "daemon start", func() bool {
		recs := logs.records("storywatch started")
		if len(recs) == 0 {
			return false
		}
		base = "http://" + recs[0]["listen"].(string)
		return true
	})

	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d, want 200", code)
	}
	// The container HEALTHCHECK: `storywatch health` asks /healthz.
	var healthOut bytes.Buffer
	addr := strings.TrimPrefix(base, "http://")
	if err := run(ctx, []string{"health", "-addr", addr}, func(string) string { return "" },
		strings.NewReader(""), &healthOut, io.Discard); err != nil || strings.TrimSpace(healthOut.String()) != "ok" {
		t.Errorf("health = %v, %q; want ok", err, healthOut.String())
	}
	eventually(t, 10*time.Second, "/readyz 200 after the first cycle", func() bool {
		code, _ := httpGet(t, base+"/readyz")
		return code == 200
	})
	eventually(t, 10*time.Second, "polling repeatedly", func() bool { return polls.Load() >= 2 })
	eventually(t, 10*time.Second, "the instant digest delivered", func() bool { return delivered.Load() >= 1 })

	// /api/hits: the two call-leak items and the witkoff item.
	var hits []map[string]any
	eventually(t, 5*time.Second, "hits in /api/hits", func() bool {
		_, body := httpGet(t, base+"/api/hits?since=1h")
		hits = nil
		return json.Unmarshal([]byte(body), &hits) == nil && len(hits) >= 2
	})
	for _, h := range hits {
		if h["watch"] == "peace-plan" {
			t.Errorf("peace-plan hit before the storyline exists: %v", h)
		}
	}

	// /hits.atom: one entry per story (each item is its own story for now).
	_, atomBody := httpGet(t, base+"/hits.atom")
	var feedDoc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			ID   string `xml:"id"`
			Link struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(atomBody), &feedDoc); err != nil {
		t.Fatalf("/hits.atom is not Atom: %v\n%s", err, atomBody)
	}
	items := map[string]bool{}
	for _, h := range hits {
		items[h["item_url"].(string)] = true
	}
	if len(feedDoc.Entries) != len(items) {
		t.Errorf("/hits.atom has %d entries, want %d (one per story)", len(feedDoc.Entries), len(items))
	}

	// A valid edit, written by rename, adds a storyline: the reload is
	// logged and the stored item that matches it becomes a hit.
	writeByRename(t, cfgPath, daemonConfigText(filepath.Join(dir, "sw.db"), hook.URL, []string{feed.URL + "/rss"}, peacePlanStoryline))
	eventually(t, 10*time.Second, "reload logged", func() bool { return len(logs.records("config reloaded")) >= 1 })
	eventually(t, 5*time.Second, "backtested peace-plan hit in /api/hits", func() bool {
		_, body := httpGet(t, base+"/api/hits?since=1h&watch=peace-plan")
		var got []map[string]any
		return json.Unmarshal([]byte(body), &got) == nil && len(got) == 1 &&
			got[0]["item_url"] == "https://news.example.org/3"
	})
	if n := delivered.Load(); n != 1 {
		t.Errorf("webhook got %d deliveries, want 1: backfilled hits are not instant alerts", n)
	}

	// A broken edit is logged with its line and column; polling goes on.
	broken := strings.Replace(cfgText, "(recording OR call OR leak*)", "(recording OR call", 1)
	writeByRename(t, cfgPath, broken)
	eventually(t, 10*time.Second, "invalid config logged", func() bool { return len(logs.records("invalid config")) >= 1 })
	problem := logs.records("invalid config")[0]["error"].(string)
	wantPrefix := cfgPath + ":"
	if !strings.HasPrefix(problem, wantPrefix) || strings.Count(problem, ":") < 3 {
		t.Errorf("problem %q does not start with FILE:LINE:COL", problem)
	}
	queryLine := 1 + strings.Count(broken[:strings.Index(broken, "query: '@witkoff")], "\n")
	var line, col int
	if _, err := fmt.Sscanf(strings.TrimPrefix(problem, wantPrefix), "%d:%d:", &line, &col); err != nil || line != queryLine || col < 5 {
		t.Errorf("problem %q: line %d col %d, want the storyline's query on line %d", problem, line, col, queryLine)
	}
	before := polls.Load()
	eventually(t, 10*time.Second, "polling after a broken config", func() bool { return polls.Load() >= before+2 })

	// SIGHUP reloads too.
	writeByRename(t, cfgPath, cfgText)
	eventually(t, 10*time.Second, "reload after the fix", func() bool { return len(logs.records("config reloaded")) >= 2 })
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "reload on SIGHUP", func() bool {
		for _, r := range logs.records("config reloaded") {
			if r["reason"] == "SIGHUP" {
				return true
			}
		}
		return false
	})

	// The metrics count what happened.
	_, scrape := httpGet(t, base+"/metrics")
	for _, series := range []string{
		`storywatch_fetches_total{result="ok"}`,
		`storywatch_items_total`,
		`storywatch_hits_total{watch="call-leak"}`,
		`storywatch_hits_total{watch="peace-plan"}`,
		`storywatch_deliveries_total{notifier="hook",result="sent"}`,
		`storywatch_config_reloads_total{result="ok"}`,
		`storywatch_config_reloads_total{result="error"}`,
		`storywatch_poll_cycle_duration_seconds_count`,
	} {
		if v := metricValue(scrape, series); v <= 0 {
			t.Errorf("%s = %v, want > 0", series, v)
		}
	}

	// A second daemon on the same database refuses to start; read-only
	// commands still work.
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-config", cfgPath, "run"}, func(string) string { return "" },
		strings.NewReader(""), io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "already using the database") {
		t.Errorf("second run = %v, want a refusal naming the lock", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-config", cfgPath, "hits", "-json"}, func(string) string { return "" },
		strings.NewReader(""), &out, io.Discard); err != nil || !strings.Contains(out.String(), "call-leak") {
		t.Errorf("hits while the daemon runs = %v, %q", err, out.String())
	}
}

// TestDaemonHelper is not a test: TestRunStopsOnSIGTERM runs the test
// binary again with STORYWATCH_DAEMON_HELPER set, making this the daemon's
// process, with main's signal handling.
func TestDaemonHelper(t *testing.T) {
	if os.Getenv("STORYWATCH_DAEMON_HELPER") != "1" {
		t.Skip("helper process for TestRunStopsOnSIGTERM")
	}
	ctx, stop := signalContext()
	err := run(ctx, []string{"-config", os.Getenv("STORYWATCH_CONFIG"), "run", "-log-format", "json"}, os.Getenv,
		os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// startDaemon runs the daemon as a child process.
func startDaemon(t *testing.T, cfgPath string) (*exec.Cmd, *logBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDaemonHelper$")
	cmd.Env = append(os.Environ(), "STORYWATCH_DAEMON_HELPER=1", "STORYWATCH_CONFIG="+cfgPath)
	logs := &logBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, logs
}

// stopDaemon sends SIGTERM and waits for the exit, which must be clean and
// within 10 s.
func stopDaemon(t *testing.T, cmd *exec.Cmd, logs *logBuffer) time.Duration {
	t.Helper()
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("daemon exit after SIGTERM: %v, want status 0\n%s", err, logs)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("daemon still running 10s after SIGTERM\n%s", logs)
	}
	return time.Since(start)
}

func TestRunStopsOnSIGTERMDuringACycleAndRepeatsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon twice as a child process")
	}
	feedBody := daemonFeed(time.Now())
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, feedBody)
	}))
	defer fast.Close()
	// The slow feed answers its first request, then hangs (until the
	// fetch timeout) so that a cycle is in flight when SIGTERM comes.
	var slowCalls atomic.Int32
	var hang atomic.Bool
	hang.Store(true)
	slowHanging := make(chan struct{}, 100)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slowCalls.Add(1) > 1 && hang.Load() {
			slowHanging <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return
		}
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title></channel></rss>`)
	}))
	defer slow.Close()
	defer slow.CloseClientConnections()
	hook, delivered := hookServer(t)

	dir := t.TempDir()
	db := filepath.Join(dir, "sw.db")
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	writeByRename(t, cfgPath, daemonConfigText(db, hook.URL, []string{fast.URL + "/rss", slow.URL + "/rss"}, ""))

	cmd, logs := startDaemon(t, cfgPath)
	eventually(t, 15*time.Second, "first cycle delivered", func() bool { return delivered.Load() >= 1 })
	select {
	case <-slowHanging:
	case <-time.After(15 * time.Second):
		t.Fatalf("no cycle in flight\n%s", logs)
	}
	took := stopDaemon(t, cmd, logs)
	t.Logf("stopped %s after SIGTERM", took)
	if len(logs.records("storywatch stopped")) != 1 {
		t.Errorf("no clean stop logged:\n%s", logs)
	}

	hitsBefore := storedHits(t, cfgPath)
	sent := delivered.Load()

	hang.Store(false)
	cmd, logs = startDaemon(t, cfgPath)
	eventually(t, 15*time.Second, "a cycle of the second start", func() bool { return len(logs.records("poll cycle")) >= 1 })
	for _, rec := range logs.records("poll cycle") {
		if rec["items_new"].(float64) != 0 || rec["hits_new"].(float64) != 0 {
			t.Errorf("second start found new items or hits again: %v", rec)
		}
	}
	stopDaemon(t, cmd, logs)
	if got := storedHits(t, cfgPath); got != hitsBefore {
		t.Errorf("hits after the second start = %d, want %d", got, hitsBefore)
	}
	if got := delivered.Load(); got != sent {
		t.Errorf("webhook deliveries after the second start = %d, want %d (nothing sent twice)", got, sent)
	}
}

// storedHits counts the hits in the config's database.
func storedHits(t *testing.T, cfgPath string) int {
	t.Helper()
	c, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), c.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hits, err := db.Hits(context.Background(), store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(hits)
}

func TestHealthFailsWithoutADaemon(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close() // nothing listens there now
	err := run(context.Background(), []string{"health", "-addr", addr, "-timeout", "2s"}, func(string) string { return "" },
		strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || exitCode(err, io.Discard) != exitFailure {
		t.Errorf("health without a daemon = %v, want a runtime failure (exit 1)", err)
	}
}

func TestNewLoggerFormats(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{"json", `"msg":"hello"`},
		{"text", `msg=hello`},
		{"auto", `"msg":"hello"`}, // a buffer is not a terminal
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log, err := newLogger(&buf, tt.format, "info")
		if err != nil {
			t.Fatal(err)
		}
		log.Info("hello")
		if !strings.Contains(buf.String(), tt.want) {
			t.Errorf("-log-format %s wrote %q, want %q", tt.format, buf.String(), tt.want)
		}
	}
	if _, err := newLogger(io.Discard, "xml", "info"); err == nil {
		t.Error("unknown log format accepted")
	}
}

func TestChangedWatches(t *testing.T) {
	base := &config.Config{
		Actors: []config.Actor{
			{ID: "witkoff", Aliases: []string{"Witkoff"}, Track: true},
			{ID: "ushakov", Aliases: []string{"Ushakov"}},
		},
		Storylines: []config.Storyline{{ID: "call-leak", Query: "@witkoff AND @ushakov"}},
	}
	tests := []struct {
		name string
		edit func(c *config.Config)
		want string
	}{
		{"nothing changed", func(c *config.Config) {}, ""},
		{"new storyline", func(c *config.Config) {
			c.Storylines = append(c.Storylines, config.Storyline{ID: "peace-plan", Query: "plan"})
		}, "peace-plan"},
		{"query edited", func(c *config.Config) { c.Storylines[0].Query = "@witkoff AND leak" }, "call-leak"},
		{"untracked actor's alias changes its storylines", func(c *config.Config) {
			c.Actors[1].Aliases = []string{"Ushakov", "Ouchakov"}
		}, "call-leak"},
		{"tracked actor's alias", func(c *config.Config) {
			c.Actors[0].Aliases = []string{"Witkoff", "Уиткофф*"}
		}, "call-leak,witkoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &config.Config{
				Actors:     append([]config.Actor(nil), base.Actors...),
				Storylines: append([]config.Storyline(nil), base.Storylines...),
			}
			tt.edit(next)
			if got := strings.Join(changedWatches(base, next), ","); got != tt.want {
				t.Errorf("changed = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDigestInKyivIsDueAt0500UTCInWinterAnd0400InSummer(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	text := strings.Replace(daemonConfigText(filepath.Join(dir, "sw.db"), "https://hooks.example.org/x", []string{"https://news.example.org/rss"}, ""),
		"digests:\n", "digests:\n  - id: morning\n    schedule: \"0 7 * * *\"\n    timezone: Europe/Kyiv\n    to: [hook]\n", 1)
	writeByRename(t, cfgPath, text)
	c, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	dg, ok := findDigest(c, "morning")
	if !ok || dg.Schedule == nil {
		t.Fatalf("digest morning not loaded with a schedule: %+v", dg)
	}
	for _, tt := range []struct{ now, want time.Time }{
		{time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC), time.Date(2025, 11, 27, 5, 0, 0, 0, time.UTC)},
		{time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC), time.Date(2025, 6, 11, 4, 0, 0, 0, time.UTC)},
	} {
		s := monitor.NewScheduler(slog.New(slog.DiscardHandler), monitor.WithSchedulerClock(func() time.Time { return tt.now }))
		if err := s.Set([]monitor.Job{{Name: "digest morning", Schedule: dg.Schedule.Schedule, Run: func(context.Context) {}}}); err != nil {
			t.Fatal(err)
		}
		if got := s.Next()[0].Next.UTC(); !got.Equal(tt.want) {
			t.Errorf("after %s the morning digest is due %s, want %s", tt.now, got, tt.want)
		}
	}
}
