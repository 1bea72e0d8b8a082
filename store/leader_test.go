package store

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/storywatch/storywatch/store/storetest"
)

func TestEveryHandleOfASQLiteDatabaseLeads(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "one process writes a SQLite file and always leads")
	ctx := context.Background()
	a, b := twoHandles(t, time.Now)
	la, lb := a.Leader(), b.Leader()
	if !la.Leading(ctx) || !lb.Leading(ctx) {
		t.Error("a handle of a SQLite database does not lead")
	}
	if err := la.Close(); err != nil {
		t.Fatal(err)
	}
	if la.Leading(ctx) {
		t.Error("a closed leader still leads")
	}
}

// postgresHandles opens two handles on one fresh PostgreSQL database, or
// skips the test on a SQLite run; it returns the database's URL too.
func postgresHandles(t *testing.T) (*DB, *DB, string) {
	t.Helper()
	dsn := storetest.PostgresDatabase(t)
	open := func() *DB {
		db, err := Open(context.Background(), dsn, WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(), open(), dsn
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOneOfTwoPostgresHandlesLeadsAndTheOtherTakesOver(t *testing.T) {
	t.Parallel()
	da, db, dsn := postgresHandles(t)
	ctx := context.Background()
	a, b := da.Leader(), db.Leader()
	defer a.Close()
	defer b.Close()
	if !a.Leading(ctx) {
		t.Fatal("the first contender does not lead")
	}
	for range 3 {
		if b.Leading(ctx) || !a.Leading(ctx) {
			t.Fatal("both lead, or the leader lost its lock")
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the second contender leads after the first closed", func() bool { return b.Leading(ctx) })

	// The leader's connection ends under it (a restart of the server, a
	// network cut): it stops leading and another takes over.
	c := da.Leader()
	defer c.Close()
	if c.Leading(ctx) {
		t.Fatal("a third contender leads beside the second")
	}
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	b.mu.Lock()
	pid := b.conn.PgConn().PID()
	b.mu.Unlock()
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the leader whose connection ended stops leading", func() bool { return !b.Leading(ctx) })
	waitUntil(t, 10*time.Second, "the third contender takes over", func() bool { return c.Leading(ctx) })
	if b.Leading(ctx) {
		t.Error("the old leader leads again beside the new one")
	}
}

func TestAnEngineWithoutAFunctionIsTold(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SELECT storywatch_no_such_function(1)`)
	if !unsupported(err) {
		t.Errorf("unsupported(%v) = false, want true", err)
	}
	if _, err := conn.Exec(ctx, `SELECT 1/0`); unsupported(err) {
		t.Errorf("unsupported(%v) = true, want false", err)
	}
}
