package store

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store/storetest"
)

// benchHandle opens a handle on a fresh database of the run's engine.
func benchHandle(b *testing.B) *DB {
	b.Helper()
	db, err := Open(context.Background(), storetest.Database(b), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkRecordDigestTick records one scheduled tick's digest with two
// deliveries per op, inside the digest's lock as the daemon does.
func BenchmarkRecordDigestTick(b *testing.B) {
	db := benchHandle(b)
	ctx := context.Background()
	tick := t0
	b.ResetTimer()
	for i := range b.N {
		tick = tick.Add(time.Hour)
		rec := notify.Record{DigestID: fmt.Sprintf("morning-%d", i), Name: "morning", CreatedAt: tick,
			Payload: []byte(`{}`), Notifiers: []string{"hook", "mail"}, Tick: tick}
		err := db.LockDigest(ctx, "morning", tick, func(ctx context.Context) error { return db.RecordDigest(ctx, rec) })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutboxWakeUp measures, on PostgreSQL, a digest recorded by one
// handle until another handle's outbox listener is woken by it.
func BenchmarkOutboxWakeUp(b *testing.B) {
	if !storetest.Postgres() {
		b.Skip("PostgreSQL only: SQLite wakes its own process")
	}
	dsn := storetest.Database(b)
	open := func() *DB {
		db, err := Open(context.Background(), dsn, WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	rec, listen := open(), open()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woken := make(chan struct{}, 1)
	go listen.ListenOutbox(ctx, func() {
		select {
		case woken <- struct{}{}:
		default:
		}
	})
	<-woken
	b.ResetTimer()
	for i := range b.N {
		r := notify.Record{DigestID: fmt.Sprintf("d-%d", i), Name: "breaking", CreatedAt: t0,
			Payload: []byte(`{}`), Notifiers: []string{"hook"}}
		if err := rec.RecordDigest(ctx, r); err != nil {
			b.Fatal(err)
		}
		<-woken
	}
}
