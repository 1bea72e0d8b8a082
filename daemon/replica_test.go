package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/store/storetest"
)

// These tests run two daemons on one database, as two replicas sharing
// it: each has its own store handle and clock.

// testClock is a clock a test sets.
type testClock struct{ ns atomic.Int64 }

func newTestClock(at time.Time) *testClock {
	c := &testClock{}
	c.set(at)
	return c
}

func (c *testClock) set(at time.Time) { c.ns.Store(at.UnixNano()) }
func (c *testClock) now() time.Time   { return time.Unix(0, c.ns.Load()).UTC() }

// replicaConfig writes a config polling one loopback feed with the digests
// in digests, sent to the webhooks one and two, and returns its path and
// the database the replicas share: a fresh one on the test run's engine
// (store/storetest).
func replicaConfig(t *testing.T, feedURL, digests string) (path, database string, one, two *atomic.Int32) {
	t.Helper()
	h1, n1 := hookServer(t)
	h2, n2 := hookServer(t)
	path = pollConfig(t, t.TempDir(), "5s", feedURL)
	editConfigAppend(t, path, "digests:\n"+digests+fmt.Sprintf(`notifiers:
  - id: one
    webhook:
      url: %s
  - id: two
    webhook:
      url: %s
`, h1.URL, h2.URL))
	return path, storetest.Database(t), n1, n2
}

// replica builds a daemon of the config on its own handle of database,
// with the clock now (nil: the wall clock).
func replica(t *testing.T, cfgPath, database string, now func() time.Time) (*Daemon, *store.DB) {
	t.Helper()
	c := loadConfig(t, cfgPath)
	c.Database = database
	db, err := store.Open(context.Background(), database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if now == nil {
		now = time.Now
	}
	d, err := New(Options{Config: c, Store: db, Log: discard(), Now: now, Version: "test", Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	return d, db
}

// fillHits polls the config's feeds once with a replica of its own on the
// wall clock, so that the digests have hits to record.
func fillHits(t *testing.T, cfgPath, database string) {
	t.Helper()
	d, _ := replica(t, cfgPath, database, nil)
	if _, err := d.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// fireDigest runs the scheduled job of digest name as its cron would.
func fireDigest(t *testing.T, d *Daemon, name string) {
	t.Helper()
	spec, err := d.spec(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, dg := range d.gen.Load().cfg.Digests {
		if dg.ID == name {
			d.digestJob(spec, dg.Schedule.Schedule)()
			return
		}
	}
	t.Fatalf("no digest %s", name)
}

// inBoth runs fa and fb at once.
func inBoth(fa, fb func()) {
	var wg sync.WaitGroup
	wg.Go(fa)
	wg.Go(fb)
	wg.Wait()
}

// digestsOf returns the ids of the digests of name that have deliveries.
func digestsOf(t *testing.T, db *store.DB, name string) map[string]int {
	t.Helper()
	dls, err := db.Deliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, dl := range dls {
		if dl.Digest == name {
			out[dl.DigestID]++
		}
	}
	return out
}

// sendInBoth sends what is due from both daemons at once and checks that
// every delivery ended sent.
func sendInBoth(t *testing.T, a, b *Daemon, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	inBoth(func() {
		if err := a.SendDue(ctx); err != nil {
			t.Error(err)
		}
	}, func() {
		if err := b.SendDue(ctx); err != nil {
			t.Error(err)
		}
	})
	dls, err := db.Deliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, dl := range dls {
		if dl.Status != notify.StatusSent || dl.Attempts != 1 {
			t.Errorf("delivery %d to %s: %s after %d attempts, want sent after 1", dl.ID, dl.Notifier, dl.Status, dl.Attempts)
		}
	}
}

func TestReplicasRecordOneDigestPerCronTick(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	cfgPath, database, one, two := replicaConfig(t, srv.URL+"/ap.xml", `  - id: morning
    schedule: "0 * * * *"
    send_empty: true
    to: [one, two]
`)
	fillHits(t, cfgPath, database)
	cfg := loadConfig(t, cfgPath)
	tick := lastTick(cfg.Digests[0].Schedule.Schedule, time.Now())
	// The two crons fire at the tick, each on its own clock.
	ca, cb := newTestClock(tick.Add(40*time.Millisecond)), newTestClock(tick.Add(900*time.Millisecond))
	a, db := replica(t, cfgPath, database, ca.now)
	b, _ := replica(t, cfgPath, database, cb.now)
	for range 3 {
		inBoth(func() { fireDigest(t, a, "morning") }, func() { fireDigest(t, b, "morning") })
	}
	ticks, err := db.DigestTicks(context.Background(), "morning", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 1 || !ticks[0].Due.Equal(tick) || ticks[0].DigestID == "" {
		t.Fatalf("ticks = %+v, want one, at %v, with its digest", ticks, tick)
	}
	if got := digestsOf(t, db, "morning"); len(got) != 1 || got[ticks[0].DigestID] != 2 {
		t.Fatalf("digests with their deliveries = %v, want the tick's digest with 2", got)
	}
	sendInBoth(t, a, b, db)
	if one.Load() != 1 || two.Load() != 1 {
		t.Errorf("webhooks got %d and %d deliveries, want 1 each", one.Load(), two.Load())
	}
}

func TestReplicasStartedApartShareTheTicksOfAnEveryDigest(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	cfgPath, database, one, two := replicaConfig(t, srv.URL+"/ap.xml", `  - id: hourly
    schedule: "@every 1h"
    send_empty: true
    to: [one, two]
`)
	fillHits(t, cfgPath, database)
	start := time.Now().UTC().Truncate(time.Millisecond)
	ca, cb := newTestClock(start), newTestClock(start.Add(7*time.Second))
	a, db := replica(t, cfgPath, database, ca.now)
	b, _ := replica(t, cfgPath, database, cb.now)
	// Started 7 s apart: the second takes the schedule the first stored.
	a.scheduleDigests(a.gen.Load(), true)
	b.scheduleDigests(b.gen.Load(), true)
	want := (monitor.EverySince{Every: time.Hour, Since: start}).Next(time.Now())
	for _, d := range []*Daemon{a, b} {
		for _, p := range d.sched.Next() {
			if p.Name == "digest hourly" && !p.Next.Equal(want) {
				t.Errorf("digest hourly next due %v, want %v (counted from the first schedule stored)", p.Next, want)
			}
		}
	}
	// Both fire an hour on, each a little late on its own clock; the
	// late one also fires again. The digest is sent even when empty, so
	// that a second run of the tick would record a second digest.
	ca.set(start.Add(time.Hour + 2*time.Second))
	cb.set(start.Add(time.Hour + 9*time.Second))
	inBoth(func() { fireDigest(t, a, "hourly") }, func() { fireDigest(t, b, "hourly") })
	cb.set(start.Add(time.Hour + 30*time.Second))
	fireDigest(t, b, "hourly")
	ticks, err := db.DigestTicks(context.Background(), "hourly", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 1 || !ticks[0].Due.Equal(start.Add(time.Hour)) {
		t.Fatalf("ticks = %+v, want one, at %v", ticks, start.Add(time.Hour))
	}
	if got := digestsOf(t, db, "hourly"); len(got) != 1 {
		t.Errorf("digests = %v, want 1", got)
	}
	// A restart of both after two ticks were missed: one run, for the
	// last of them.
	ca.set(start.Add(3*time.Hour + 5*time.Second))
	cb.set(start.Add(3*time.Hour + 6*time.Second))
	inBoth(func() { fireDigest(t, a, "hourly") }, func() { fireDigest(t, b, "hourly") })
	ticks, _ = db.DigestTicks(context.Background(), "hourly", time.Time{})
	if len(ticks) != 2 || !ticks[1].Due.Equal(start.Add(3*time.Hour)) || ticks[1].DigestID == "" {
		t.Errorf("ticks = %+v, want a second, at %v, with its (empty) digest", ticks, start.Add(3*time.Hour))
	}
	sendInBoth(t, a, b, db)
	if one.Load() != 2 || two.Load() != 2 {
		t.Errorf("webhooks got %d and %d deliveries, want 2 each", one.Load(), two.Load())
	}
}

func TestReplicasNeverSendAHitTwiceInAnInstantDigest(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	items := []pollItem{leakItem}
	srv.feeds["/ap.xml"] = pollFeed("AP", items...)
	cfgPath, database, one, two := replicaConfig(t, srv.URL+"/ap.xml", `  - id: breaking
    instant: true
    to: [one, two]
`)
	clock := newTestClock(time.Now())
	a, db := replica(t, cfgPath, database, clock.now)
	b, _ := replica(t, cfgPath, database, clock.now)
	ctx := context.Background()
	for round := range 4 {
		if round > 0 {
			items = append(items, pollItem{fmt.Sprintf("ap-%d", round+1),
				fmt.Sprintf("Ushakov call recording: Witkoff update %d", round),
				fmt.Sprintf("https://apnews.com/article/witkoff-ushakov-%d", round)})
			srv.mu.Lock()
			srv.feeds["/ap.xml"] = pollFeed("AP", items...)
			srv.mu.Unlock()
		}
		clock.set(time.Now())
		inBoth(func() { a.Once(ctx) }, func() { b.Once(ctx) })
	}
	hits, err := db.Hits(ctx, store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) < len(items) {
		t.Fatalf("%d hits, want at least one per item (%d)", len(hits), len(items))
	}
	seen := map[int64]string{}
	for id := range digestsOf(t, db, "breaking") {
		payload, err := db.DigestPayload(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var dg notify.Digest
		if err := json.Unmarshal(payload, &dg); err != nil {
			t.Fatal(err)
		}
		if len(dg.HitIDs) == 0 {
			t.Errorf("digest %s has no hits", id)
		}
		for _, h := range dg.HitIDs {
			if other, dup := seen[h]; dup {
				t.Errorf("hit %d in digests %s and %s", h, other, id)
			}
			seen[h] = id
		}
	}
	if len(seen) != len(hits) {
		t.Errorf("%d hits sent, want %d", len(seen), len(hits))
	}
	sent := int(one.Load())
	if sent != len(digestsOf(t, db, "breaking")) || two.Load() != one.Load() {
		t.Errorf("webhooks got %d and %d deliveries for %d digests", one.Load(), two.Load(), len(digestsOf(t, db, "breaking")))
	}
}
