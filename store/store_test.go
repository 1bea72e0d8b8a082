package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/storywatch/storywatch/store/storetest"
)

var t0 = time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)

// testDB opens a fresh database in a temp dir with a clock the test moves.
func testDB(t *testing.T) (*DB, *time.Time) {
	t.Helper()
	now := t0
	db, err := Open(context.Background(), storetest.Database(t),
		WithClock(func() time.Time { return now }), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, &now
}

// failHitsOf makes every insert of a hit of watch fail with "boom".
func failHitsOf(t *testing.T, db *DB, watch string) {
	t.Helper()
	q := `CREATE TRIGGER boom BEFORE INSERT ON hits WHEN NEW.watch = '` + watch + `'
		BEGIN SELECT RAISE(ABORT, 'boom'); END`
	if db.dialect.postgres {
		q = `CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;
		CREATE TRIGGER boom BEFORE INSERT ON hits FOR EACH ROW WHEN (NEW.watch = '` + watch + `') EXECUTE FUNCTION boom()`
	}
	if _, err := db.db.ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCreatesPrivateFileWithPragmas(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "the file's mode and SQLite's pragmas")
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "sw.db")
	db, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, want 0600", fi.Mode().Perm())
	}
	// Several pooled connections must all carry the pragmas.
	db.db.SetMaxOpenConns(4)
	conns := make([]interface{ Close() error }, 0, 3)
	for i := 0; i < 3; i++ {
		c, err := db.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var mode string
		var fk, busy int
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy != 10000 {
			t.Errorf("conn %d: journal_mode=%s foreign_keys=%d busy_timeout=%d", i, mode, fk, busy)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestMigrationsRunOnceAcrossReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := storetest.Database(t)
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, p)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := loadMigrations(db.dialect.migrationDir())
		if want := ms[len(ms)-1].version; v != want {
			t.Errorf("open %d: schema version %d, want %d", i, v, want)
		}
		var n int
		db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n)
		if n != len(ms) {
			t.Errorf("open %d: %d migrations recorded, want %d", i, n, len(ms))
		}
		db.Close()
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := storetest.Database(t)
	db, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, insertMigration, 9999, "9999_future.sql", 0); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(ctx, p); err == nil {
		db.Close()
		t.Fatal("Open accepted a database with an unknown schema version")
	}
}
