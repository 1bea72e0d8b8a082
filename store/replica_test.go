package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store/storetest"
)

// twoHandles opens two handles on one fresh database, as two processes
// sharing it would, each with the clock now.
func twoHandles(t *testing.T, now func() time.Time) (*DB, *DB) {
	t.Helper()
	path := storetest.Database(t)
	open := func() *DB {
		db, err := Open(context.Background(), path, WithClock(now), WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(), open()
}

// both runs fa and fb at once and returns their errors.
func both(fa, fb func() error) (error, error) {
	var wg sync.WaitGroup
	var ea, eb error
	wg.Go(func() { ea = fa() })
	wg.Go(func() { eb = fb() })
	wg.Wait()
	return ea, eb
}

func TestATickIsRecordedOnceAcrossHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := twoHandles(t, func() time.Time { return t0 })
	tick := t0.Truncate(time.Hour)
	rec := func(id string) notify.Record {
		return notify.Record{DigestID: id, Name: "morning", CreatedAt: t0, Payload: []byte(`{}`),
			Notifiers: []string{"hook", "mail"}, Tick: tick}
	}
	for round := range 5 {
		ra, rb := rec(fmt.Sprintf("a%d", round)), rec(fmt.Sprintf("b%d", round))
		ra.Tick, rb.Tick = tick.Add(time.Duration(round)*time.Hour), tick.Add(time.Duration(round)*time.Hour)
		ea, eb := both(func() error { return a.RecordDigest(ctx, ra) }, func() error { return b.RecordDigest(ctx, rb) })
		if (ea == nil) == (eb == nil) || !errors.Is(errors.Join(ea, eb), notify.ErrTickTaken) {
			t.Fatalf("round %d: the two records of one tick returned %v and %v, want one nil and one ErrTickTaken", round, ea, eb)
		}
	}
	dls, err := a.Deliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 10 {
		t.Errorf("%d deliveries, want 10: one per notifier for each of 5 ticks", len(dls))
	}
	ticks, err := b.DigestTicks(ctx, "morning", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ticks) != 5 || !ticks[4].Due.Equal(tick.Add(4*time.Hour)) || ticks[4].DigestID == "" {
		t.Errorf("ticks = %+v, want 5, the last at %v with its digest", ticks, tick.Add(4*time.Hour))
	}
	if last, err := a.DigestLastRun(ctx, "morning"); err != nil || !last.Equal(tick.Add(4*time.Hour)) {
		t.Errorf("last run = %v, %v; want the last tick", last, err)
	}

	// A tick with nothing to send is recorded alone, once.
	empty := notify.Record{Name: "morning", CreatedAt: t0, Tick: tick.Add(5 * time.Hour)}
	if err := a.RecordDigest(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if err := b.RecordDigest(ctx, empty); !errors.Is(err, notify.ErrTickTaken) {
		t.Errorf("second record of an empty tick = %v, want ErrTickTaken", err)
	}
	// An older tick recorded late does not move the last run back.
	if err := b.RecordDigest(ctx, notify.Record{Name: "morning", CreatedAt: t0, Tick: tick.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if last, _ := b.DigestLastRun(ctx, "morning"); !last.Equal(tick.Add(5 * time.Hour)) {
		t.Errorf("last run = %v after an older tick, want %v", last, tick.Add(5*time.Hour))
	}
	if dls, _ := a.Deliveries(ctx); len(dls) != 10 {
		t.Errorf("%d deliveries after empty ticks, want still 10", len(dls))
	}
}

func TestTheFirstScheduleStoredIsKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := twoHandles(t, func() time.Time { return t0 })
	first, err := a.DigestScheduled(ctx, "hourly", t0)
	if err != nil || !first.Equal(t0) {
		t.Fatalf("first schedule = %v, %v; want %v", first, err, t0)
	}
	if got, err := b.DigestScheduled(ctx, "hourly", t0.Add(5*time.Second)); err != nil || !got.Equal(t0) {
		t.Errorf("a later schedule by another handle = %v, %v; want the first, %v", got, err, t0)
	}
	if last, err := b.DigestLastRun(ctx, "never"); err != nil || !last.IsZero() {
		t.Errorf("last run of a digest never scheduled = %v, %v; want zero", last, err)
	}
}

func TestRunsOfOneDigestWaitForEachOtherOnPostgres(t *testing.T) {
	t.Parallel()
	a, b, dsn := postgresHandles(t)
	ctx := context.Background()
	inA, releaseA := make(chan struct{}), make(chan struct{})
	var bStarted atomic.Bool
	done := make(chan error, 2)
	go func() {
		done <- a.LockDigest(ctx, "breaking", t0, func(context.Context) error {
			close(inA)
			<-releaseA
			return nil
		})
	}()
	<-inA
	go func() {
		done <- b.LockDigest(ctx, "breaking", t0, func(context.Context) error {
			bStarted.Store(true)
			return nil
		})
	}()
	// Another digest name is not held up.
	if err := b.LockDigest(ctx, "morning", t0, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// B's run of the name waits for A's row lock.
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	waitUntil(t, 10*time.Second, "the second run waiting on the digest's row lock", func() bool {
		var n int
		err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query = $1`, lockDigestState).Scan(&n)
		return err == nil && n == 1
	})
	if bStarted.Load() {
		t.Fatal("a second run of a digest name went on while the first held it")
	}
	close(releaseA)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if !bStarted.Load() {
		t.Error("the second run never ran")
	}
}

func TestARefusedRecordLeavesTheDigestLockUsable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := twoHandles(t, func() time.Time { return t0 })
	tick := t0.Truncate(time.Hour)
	if err := a.RecordDigest(ctx, notify.Record{Name: "morning", CreatedAt: t0, Tick: tick}); err != nil {
		t.Fatal(err)
	}
	err := b.LockDigest(ctx, "morning", t0, func(ctx context.Context) error {
		taken := notify.Record{DigestID: "late", Name: "morning", CreatedAt: t0, Payload: []byte(`{}`),
			Notifiers: []string{"hook"}, Tick: tick}
		if err := b.RecordDigest(ctx, taken); !errors.Is(err, notify.ErrTickTaken) {
			t.Errorf("record of a tick taken = %v, want ErrTickTaken", err)
		}
		next := taken
		next.DigestID, next.Tick = "next", tick.Add(time.Hour)
		return b.RecordDigest(ctx, next)
	})
	if err != nil {
		t.Fatal(err)
	}
	dls, err := a.Deliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || dls[0].DigestID != "next" {
		t.Errorf("deliveries = %+v, want one, of digest next", dls)
	}
}

func TestOneOfTwoHandlesClaimsADelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := twoHandles(t, func() time.Time { return t0 })
	for i := range 5 {
		id := fmt.Sprintf("d%d", i)
		if err := a.RecordDigest(ctx, notify.Record{DigestID: id, Name: "morning", CreatedAt: t0,
			Payload: []byte(`{}`), Notifiers: []string{"hook"}}); err != nil {
			t.Fatal(err)
		}
	}
	due, err := a.DueDeliveries(ctx, t0, 50)
	if err != nil || len(due) != 5 {
		t.Fatalf("due = %d, %v; want 5", len(due), err)
	}
	for _, dl := range due {
		var oka, okb bool
		ea, eb := both(func() (err error) { oka, err = a.ClaimDelivery(ctx, dl, t0, t0.Add(time.Minute)); return },
			func() (err error) { okb, err = b.ClaimDelivery(ctx, dl, t0, t0.Add(time.Minute)); return })
		if ea != nil || eb != nil {
			t.Fatal(ea, eb)
		}
		if oka == okb {
			t.Errorf("delivery %d claimed by %v and %v, want exactly one", dl.ID, oka, okb)
		}
	}
}
