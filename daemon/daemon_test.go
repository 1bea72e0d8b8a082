package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// flakyDigestStore is a store whose digests fail while failing is set and
// otherwise find nothing pending; it counts the digest runs it saw.
type flakyDigestStore struct {
	*store.DB
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
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	writeByRename(t, cfgPath, daemonConfigText(filepath.Join(dir, "sw.db"), "http://127.0.0.1:1/hook", nil, ""))
	var st *flakyDigestStore
	d, _ := newTestDaemon(t, cfgPath, discard(), func(o *Options) {
		st = &flakyDigestStore{DB: o.Store.(*store.DB)}
		st.failing.Store(true)
		o.Store = st
	})
	ctx := context.Background()

	// The cycle that found hits; the digest fails.
	if _, err := d.instantDigests(ctx, 3); !errors.Is(err, errDatabase) {
		t.Errorf("instant digests = %v, want the store's error", err)
	}
	if st.runs.Load() != 1 {
		t.Fatalf("instant digest ran %d times after a cycle with hits, want 1", st.runs.Load())
	}
	st.failing.Store(false)
	d.instantDigests(ctx, 0) // next cycle, no new hits
	if st.runs.Load() != 2 {
		t.Fatalf("a failed instant digest was not retried after the next cycle (runs %d, want 2)", st.runs.Load())
	}
	d.instantDigests(ctx, 0) // it succeeded: quiet cycles skip it
	if st.runs.Load() != 2 {
		t.Errorf("instant digest ran again after succeeding with no new hits (runs %d, want 2)", st.runs.Load())
	}
}

func TestReloadBacktestSeesItemsOfAPollStillRunning(t *testing.T) {
	t.Parallel()
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
	d, db := newTestDaemon(t, cfgPath, discard())
	old := d.gen.Load()
	if len(old.feeds) != 1 {
		t.Fatalf("want one feed, got %d", len(old.feeds))
	}
	pollDone := make(chan struct{})
	go func() { defer close(pollDone); d.pollJob(old)() }()
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
	next := loadConfig(t, cfgPath)
	reloadDone := make(chan error, 1)
	go func() { reloadDone <- d.Reload(next) }()
	// Let the poll finish once the reload either waits for it (a writer
	// is pending on the old generation) or has already backtested.
	deadline := time.Now().Add(10 * time.Second)
waiting:
	for {
		select {
		case err := <-reloadDone:
			reloadDone <- err
			break waiting
		default:
		}
		if d.gen.Load() != old {
			if !old.polls.TryRLock() {
				break waiting
			}
			old.polls.RUnlock()
		}
		if time.Now().After(deadline) {
			t.Fatal("reload neither finished nor waited for the running poll within 10s")
		}
		runtime.Gosched()
	}
	close(release)
	<-pollDone
	if err := <-reloadDone; err != nil {
		t.Fatalf("Reload: %v", err)
	}

	hits, err := db.Hits(context.Background(), store.HitFilter{Watch: "putin-call"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 {
		t.Fatalf("new watch putin-call has %d hits after the reload, want 1 (the item the old generation's poll stored)", len(hits))
	}
}

func TestReloadOfAConfigThatCannotRunKeepsTheRunningOne(t *testing.T) {
	t.Parallel()
	cfgPath := pollConfig(t, t.TempDir(), "5s", "http://127.0.0.1:1/feed")
	d, _ := newTestDaemon(t, cfgPath, discard())
	before := d.gen.Load()
	bad := loadConfig(t, cfgPath)
	bad.Storylines[0].Query = "(call" // config.Load rejects this; a hand-made config reaches the matcher
	if err := d.Reload(bad); err == nil || !strings.Contains(err.Error(), "compile watchlist") {
		t.Errorf("Reload of a watchlist that does not compile = %v, want the compile error", err)
	}
	if d.gen.Load() != before {
		t.Error("a config that cannot run replaced the running one")
	}
}

func TestBackfillZeroMatchesNothingPublishedBeforeTheFirstPoll(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem) // published an hour ago
	cfgPath := pollConfig(t, t.TempDir(), "5s", srv.URL+"/ap.xml")
	editConfig(t, cfgPath, strings.NewReplacer("backfill: 24h", "backfill: 0"))
	d, _ := newTestDaemon(t, cfgPath, discard())
	c, err := d.Once(context.Background())
	if err != nil || c.ItemsNew != 1 || c.HitsNew != 0 {
		t.Fatalf("Once with backfill 0 = %+v, %v; want the item seen and no hits", c, err)
	}
}

func TestShutdownStartsNoNewFetchAndLogsNoError(t *testing.T) {
	t.Parallel()
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
	cfgPath := pollConfig(t, t.TempDir(), "10s", srv.URL+"/a", srv.URL+"/b")
	editConfig(t, cfgPath, strings.NewReplacer("concurrency: 8", "concurrency: 1", "per_host: 8", "per_host: 1"))
	logs := &logBuffer{}
	d, _ := newTestDaemon(t, cfgPath, logs.logger())

	stopped := make(chan struct{})
	stop := runDaemon(t, d) // Run polls every feed at start
	<-started               // one feed is being fetched, the other waits for the slot
	go func() { defer close(stopped); stop() }()
	eventually(t, 5*time.Second, "shutdown begun", func() bool { return d.drain.stopping.Err() != nil })
	close(release)
	select {
	case <-stopped:
	case <-time.After(DefaultGrace):
		t.Fatal("the daemon did not stop within the grace period")
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d fetches, want 1: the feed waiting for a slot was started during the shutdown", n)
	}

	// A cycle whose context the shutdown cancelled is no error.
	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	d.runPoll(cancelled, d.gen.Load())
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a clean stop logged an error:\n%s", logs)
	}
}

// A run killed after its cycle stored hits and before its instant digest
// recorded them leaves hits in no digest. The next run's cycles find
// nothing new; the hits must still go out.
func TestRunDigestsHitsLeftByAKilledRun(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/rss"] = daemonFeed(time.Now())
	hook, delivered := hookServer(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	writeByRename(t, cfgPath, daemonConfigText(filepath.Join(dir, "sw.db"), hook.URL, []string{srv.URL + "/rss"}, ""))
	d, db := newTestDaemon(t, cfgPath, discard())

	// What the killed run committed: the cycle's items and hits, no digest.
	c := loadConfig(t, cfgPath)
	m, err := match.Compile(Watchlist(c))
	if err != nil {
		t.Fatal(err)
	}
	cyc, err := monitor.NewPoller(db, m, feedConfigs(c, time.Now()), pollerOptions(c, "test")).PollAll(context.Background())
	if err != nil || cyc.HitsNew == 0 {
		t.Fatalf("the killed run's cycle: %+v, %v; want hits", cyc, err)
	}

	runDaemon(t, d)
	eventually(t, 20*time.Second, "the left hits delivered", func() bool { return delivered.Load() >= 1 })
}

func TestReadinessKeepsCronTicksAndGivesEveryItsInterval(t *testing.T) {
	t.Parallel()
	if got := readiness(config.Schedule{Schedule: cron.Every(2 * time.Minute)}, time.Hour); got != web.Every(2*time.Minute) {
		t.Errorf("readiness(@every 2m) = %#v, want web.Every(2m)", got)
	}
	spec, err := cron.ParseStandard("*/5 6-22 * * *")
	if err != nil {
		t.Fatal(err)
	}
	if got := readiness(config.Schedule{Schedule: spec}, time.Hour); got != web.Schedule(spec) {
		t.Errorf("readiness(cron spec) = %#v, want the spec itself", got)
	}
	if got := readiness(config.Schedule{Spec: "adaptive", Adaptive: true}, 30*time.Minute); got != web.Every(30*time.Minute) {
		t.Errorf("readiness(adaptive) = %#v, want web.Every(max_interval)", got)
	}
}
