package daemon

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store/storetest"
)

func TestOnlyTheLeaderPrunesAndAnotherTakesOver(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	cfgPath, database, _, _ := replicaConfig(t, srv.URL+"/ap.xml", `  - id: breaking
    instant: true
    to: [one]
`)
	clock := newTestClock(time.Now())
	logs := [2]*logBuffer{{}, {}}
	var ds [2]*Daemon
	for i := range ds {
		ds[i], _ = replica(t, cfgPath, database, clock.now)
		ds[i].log = slog.New(slog.NewJSONHandler(logs[i], &slog.HandlerOptions{Level: slog.LevelDebug}))
		l := ds[i].store.Leader()
		t.Cleanup(func() { l.Close() })
		ds[i].leader.Store(l)
	}
	ctx := context.Background()
	pruned := func(i int) bool { return len(logs[i].records("prune left to the leader")) == 0 }
	cycle := func() {
		clock.set(clock.now().Add(pruneEvery))
		for _, d := range ds {
			if _, err := d.afterCycle(ctx, d.gen.Load(), monitor.Cycle{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cycle()
	if storetest.Postgres() {
		if pruned(0) == pruned(1) {
			t.Fatalf("pruned by the first: %v, by the second: %v; want exactly one", pruned(0), pruned(1))
		}
	} else if !pruned(0) || !pruned(1) {
		t.Fatal("a process on SQLite did not prune: every one leads there")
	}
	if !storetest.Postgres() {
		return
	}
	leader, other := 0, 1
	if !pruned(0) {
		leader, other = 1, 0
	}
	// The leader stops; at the next prune the other takes over.
	if err := ds[leader].leader.Load().Close(); err != nil {
		t.Fatal(err)
	}
	before := len(logs[other].records("prune left to the leader"))
	cycle()
	if len(logs[other].records("prune left to the leader")) != before {
		t.Error("the other process did not take over the pruning when the leader stopped")
	}
}

func TestADigestRecordedByOneReplicaWakesTheOthersDeliveryLoop(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	cfgPath, _, _, _ := replicaConfig(t, srv.URL+"/ap.xml", `  - id: morning
    schedule: "0 * * * *"
    send_empty: true
    to: [one]
`)
	database := storetest.PostgresDatabase(t)
	a, _ := replica(t, cfgPath, database, nil)
	b, _ := replica(t, cfgPath, database, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.listenOutbox(ctx)
	}()
	woken := func(what string) {
		t.Helper()
		select {
		case <-b.kick:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the delivery loop was not woken", what)
		}
	}
	woken("listening")
	fireDigest(t, a, "morning")
	woken("a digest recorded by the other replica")
	cancel()
	<-done
}
