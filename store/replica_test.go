package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// twoHandles opens two handles on one fresh database, as two processes
// sharing it would, each with the clock now.
func twoHandles(t *testing.T, now func() time.Time) (*DB, *DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
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
