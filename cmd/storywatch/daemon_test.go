package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// flakyDigestStore fails every call while failing is set and otherwise
// has nothing pending; it counts the digest runs it saw.
type flakyDigestStore struct {
	failing atomic.Bool
	runs    atomic.Int32
}

var errDatabase = errors.New("database is locked")

func (f *flakyDigestStore) PendingHits(context.Context, string, []string, time.Time, bool) ([]notify.Candidate, error) {
	return nil, nil
}

func (f *flakyDigestStore) DigestStart(_ context.Context, _ string, now time.Time, _ bool) (time.Time, error) {
	f.runs.Add(1)
	if f.failing.Load() {
		return time.Time{}, errDatabase
	}
	return now, nil
}

func (f *flakyDigestStore) HitTimes(context.Context, []string, time.Time) (map[string][]time.Time, error) {
	return nil, nil
}

func (f *flakyDigestStore) RecordDigest(context.Context, notify.Record) error { return nil }

func TestFailedInstantDigestIsRetriedAfterTheNextCycle(t *testing.T) {
	st := &flakyDigestStore{}
	st.failing.Store(true)
	d := &daemon{log: slog.New(slog.DiscardHandler), digestStore: st, kick: make(chan struct{}, 1)}
	d.gen.Store(&generation{digests: []notify.Spec{{Name: "breaking", Instant: true, Location: time.UTC,
		Watches: []notify.WatchInfo{{ID: "call-leak"}}}}})

	d.instantDigests(context.Background(), 3) // the cycle that found hits; the digest fails
	if st.runs.Load() != 1 {
		t.Fatalf("instant digest ran %d times after a cycle with hits, want 1", st.runs.Load())
	}
	st.failing.Store(false)
	d.instantDigests(context.Background(), 0) // next cycle, no new hits
	if st.runs.Load() != 2 {
		t.Fatalf("a failed instant digest was not retried after the next cycle (runs %d, want 2)", st.runs.Load())
	}
	d.instantDigests(context.Background(), 0) // it succeeded: quiet cycles skip it
	if st.runs.Load() != 2 {
		t.Errorf("instant digest ran again after succeeding with no new hits (runs %d, want 2)", st.runs.Load())
	}
}

// newTestDaemon builds the daemon of cmdRun for the config at cfgPath,
// without starting its scheduler or HTTP server.
func newTestDaemon(t *testing.T, cfgPath string, log *slog.Logger) *daemon {
	t.Helper()
	cfg, err := config.Load(cfgPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	db, err := openStore(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	gen, err := newGeneration(cfg, db, log)
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{log: log, db: db, path: cfgPath, getenv: func(string) string { return "" }, kick: make(chan struct{}, 1)}
	d.metrics = web.NewMetrics(func() float64 { return 0 })
	d.server = web.New(web.Options{Store: webStore{db}, Metrics: d.metrics, Log: log})
	d.sched = monitor.NewScheduler(log)
	d.install(gen)
	return d
}

func TestReloadBacktestSeesItemsOfAPollStillRunning(t *testing.T) {
	dir := t.TempDir()
	srv := newPollServer(t)
	started, release := make(chan struct{}), make(chan struct{})
	srv.special["/slow"] = func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, pollFeed("AP", leakItem))
	}
	cfgPath := pollConfig(t, dir, "10s", srv.URL+"/slow")
	d := newTestDaemon(t, cfgPath, slog.New(slog.DiscardHandler))
	old := d.gen.Load()
	if len(old.groups) != 1 {
		t.Fatalf("want one poll group, got %d", len(old.groups))
	}
	pollDone := make(chan struct{})
	for _, feeds := range old.groups {
		go func() { defer close(pollDone); d.pollJob(old, feeds)(context.Background()) }()
	}
	<-started

	// The edit adds a storyline that the running poll's matcher lacks.
	text, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	writeByRename(t, cfgPath, string(text)+`  - id: putin-call
    title: Putin on the phone
    query: 'Putin AND call'
`)
	reloadDone := make(chan struct{})
	go func() { defer close(reloadDone); d.reload(context.Background(), "test") }()
	// Let the poll finish once the reload either waits for it (a writer
	// is pending on the old generation) or has already backtested.
	deadline := time.Now().Add(10 * time.Second)
waiting:
	for {
		select {
		case <-reloadDone:
			break waiting
		default:
		}
		if d.gen.Load() != old && !old.polls.TryRLock() {
			break waiting
		} else if d.gen.Load() != old {
			old.polls.RUnlock()
		}
		if time.Now().After(deadline) {
			t.Fatal("reload neither finished nor waited for the running poll within 10s")
		}
		runtime.Gosched()
	}
	close(release)
	<-pollDone
	<-reloadDone

	hits, err := d.db.Hits(context.Background(), store.HitFilter{Watch: "putin-call"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 {
		t.Fatalf("new watch putin-call has %d hits after the reload, want 1 (the item the old generation's poll stored)", len(hits))
	}
}

func TestBackfillZeroMatchesNothingPublishedBeforeTheFirstPoll(t *testing.T) {
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem) // published an hour ago
	dir := t.TempDir()
	cfg := pollConfig(t, dir, "5s", srv.URL+"/ap.xml")
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(text), "backfill: 24h", "backfill: 0", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	if code != 0 || !strings.Contains(out, "1 new item, 0 new hits") {
		t.Fatalf("once with backfill 0: exit %d, want the item seen and no hits\n%s%s", code, out, errOut)
	}
}

func TestShutdownStartsNoNewFetchAndLogsNoError(t *testing.T) {
	srv := newPollServer(t)
	var requests atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	hold := func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			close(started)
			<-release
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, pollFeed("Wire", leakItem))
	}
	srv.special["/a"], srv.special["/b"] = hold, hold
	dir := t.TempDir()
	cfgPath := pollConfig(t, dir, "10s", srv.URL+"/a", srv.URL+"/b")
	text, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	one := strings.NewReplacer("concurrency: 8", "concurrency: 1", "per_host: 8", "per_host: 1").Replace(string(text))
	if err := os.WriteFile(cfgPath, []byte(one), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	d := newTestDaemon(t, cfgPath, slog.New(slog.NewJSONHandler(logs, nil)))
	job := pollJobNames(d.gen.Load())[0]

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.sched.Run(ctx, shutdownGrace) }()
	d.sched.Trigger(job)
	<-started // one feed is being fetched, the other waits for the slot
	cancel()
	// A refused Trigger means the shutdown has begun.
	eventually(t, 5*time.Second, "scheduler stopping", func() bool { return !d.sched.Trigger(job) })
	close(release)
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		t.Fatal("scheduler did not stop within the grace period")
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d fetches, want 1: the feed waiting for a slot was started during the shutdown", n)
	}

	// A cycle whose context the shutdown cancelled is no error.
	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	for _, feeds := range d.gen.Load().groups {
		d.pollJob(d.gen.Load(), feeds)(cancelled)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a clean stop logged an error:\n%s", logs)
	}
}

func TestReadinessKeepsCronTicksAndGivesEveryItsInterval(t *testing.T) {
	if got := readiness(cron.Every(2 * time.Minute)); got != web.Every(2*time.Minute) {
		t.Errorf("readiness(@every 2m) = %#v, want web.Every(2m)", got)
	}
	spec, err := cron.ParseStandard("*/5 6-22 * * *")
	if err != nil {
		t.Fatal(err)
	}
	if got := readiness(spec); got != web.Schedule(spec) {
		t.Errorf("readiness(cron spec) = %#v, want the spec itself", got)
	}
}

func TestFeedURLSecretsStayOutOfLogsAndErrors(t *testing.T) {
	srv := newPollServer(t)
	srv.special["/news"] = func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusNotFound) }
	dir := t.TempDir()
	cfg := pollConfig(t, dir, "5s", srv.URL+"/news?key=s3cret-api-key")
	code, out, errOut := runCmd(t, "-config", cfg, "once")
	if code == 0 && !strings.Contains(out, "1 failed") {
		t.Fatalf("once: exit %d, want the feed failed\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "/news?…") {
		t.Errorf("the failure is not logged with the redacted URL:\n%s", errOut)
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
