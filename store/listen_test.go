package store

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/storywatch/storywatch/store/storetest"
)

func TestASQLiteDatabaseHasNothingToListenTo(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "SQLite has no notifications")
	a, _ := twoHandles(t, time.Now)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.ListenOutbox(ctx, func() { t.Error("woken on SQLite") })
	if ctx.Err() != nil {
		t.Error("ListenOutbox waited on SQLite")
	}
}

func TestTheOutboxListenerWakesOnNotificationsAndReconnects(t *testing.T) {
	t.Parallel()
	d, _, dsn := postgresHandles(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wakes atomic.Int32
	retries := make(chan time.Duration, 10)
	retry := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		listenOutbox(ctx, d.sessionConnector(), slog.New(slog.DiscardHandler), func() { wakes.Add(1) },
			func(wait time.Duration) <-chan time.Time { retries <- wait; return retry })
	}()
	// Listening: one wake-up for what may have been missed.
	waitUntil(t, 10*time.Second, "the first wake-up", func() bool { return wakes.Load() == 1 })
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	notify := func() {
		if _, err := admin.Exec(ctx, `SELECT pg_notify($1, 'digest-1')`, outboxChannel); err != nil {
			t.Fatal(err)
		}
	}
	notify()
	waitUntil(t, 10*time.Second, "a wake-up per notification", func() bool { return wakes.Load() == 2 })

	// The listening connection ends: the listener waits, reconnects and
	// wakes the loop again.
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE pid <> pg_backend_pid() AND datname = current_database() AND query LIKE 'LISTEN%'`); err != nil {
		t.Fatal(err)
	}
	select {
	case wait := <-retries:
		if wait != listenRetryMin {
			t.Errorf("first retry after %v, want %v", wait, listenRetryMin)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no retry after the connection ended")
	}
	retry <- time.Now()
	waitUntil(t, 10*time.Second, "the wake-up after reconnecting", func() bool { return wakes.Load() == 3 })
	notify()
	waitUntil(t, 10*time.Second, "a wake-up per notification after reconnecting", func() bool { return wakes.Load() == 4 })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the listener did not stop with its context")
	}
}
