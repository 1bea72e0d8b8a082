package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/notify/schematest"
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
		body, _ := io.ReadAll(r.Body)
		schematest.Check(t, body)
		n.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// storywatch run end to end in this process, as main runs it: the daemon
// starts and serves (its behaviour is tested in package daemon), `health`
// asks it, a real SIGHUP reloads it, a second run on its database refuses
// to start, and read-only commands work while it runs.
func TestRunServesReloadsOnSIGHUPAndHoldsTheDatabase(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the daemon for seconds")
	}
	feedBody := daemonFeed(time.Now())
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feedBody)
	}))
	defer feed.Close()
	hook, delivered := hookServer(t)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	writeByRename(t, cfgPath, daemonConfigText(filepath.Join(dir, "sw.db"), hook.URL, []string{feed.URL + "/rss"}, ""))

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

	var addr string
	eventually(t, 10*time.Second, "daemon start", func() bool {
		recs := logs.records("storywatch started")
		if len(recs) == 0 {
			return false
		}
		addr = recs[0]["listen"].(string)
		return true
	})
	// The container HEALTHCHECK: `storywatch health` asks /healthz.
	var healthOut bytes.Buffer
	if err := run(ctx, []string{"health", "-addr", addr}, func(string) string { return "" },
		strings.NewReader(""), &healthOut, io.Discard); err != nil || strings.TrimSpace(healthOut.String()) != "ok" {
		t.Errorf("health = %v, %q; want ok", err, healthOut.String())
	}
	eventually(t, 10*time.Second, "the instant digest delivered", func() bool { return delivered.Load() >= 1 })

	// SIGHUP reloads: run relays it to the daemon.
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
