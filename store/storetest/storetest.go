// Package storetest gives tests a fresh, empty database on the engine the
// test run is for (docs/testing.md, "Both engines"): a SQLite file in the
// test's temporary folder, or, when STORYWATCH_TEST_POSTGRES holds the URL
// of a PostgreSQL server, a database of its own on that server, created for
// the test and dropped after it. It does not import package store, so that
// the store's own tests can use it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvPostgres names the variable holding the URL of the PostgreSQL server
// that tests run on, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
// Unset, the tests run on SQLite and the PostgreSQL-only ones skip.
const EnvPostgres = "STORYWATCH_TEST_POSTGRES"

// Postgres reports whether this test run is for PostgreSQL.
func Postgres() bool { return os.Getenv(EnvPostgres) != "" }

// Engine names the engine this test run is for: "postgres" or "sqlite".
func Engine() string {
	if Postgres() {
		return "postgres"
	}
	return "sqlite"
}

// Database returns the database setting (a path or a URL, as
// store.Open takes) of a fresh, empty database on the run's engine. The
// same setting opened again reaches the same database.
func Database(t testing.TB) string {
	t.Helper()
	if Postgres() {
		return newPostgres(t)
	}
	return filepath.Join(t.TempDir(), "test.db")
}

// PostgresDatabase returns the URL of a fresh PostgreSQL database, and
// skips the test when the run has no PostgreSQL server.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	if !Postgres() {
		t.Skipf("PostgreSQL-only test: set %s to the URL of a PostgreSQL server to run it (docs/testing.md)", EnvPostgres)
	}
	return newPostgres(t)
}

// SQLiteOnly skips a test that is about SQLite itself (its file, its
// pragmas, its write-ahead log) on a PostgreSQL run, saying why.
func SQLiteOnly(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skipf("SQLite-only test (%s): this run is for PostgreSQL", why)
	}
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// newPostgres creates a database on the server and drops it when the test
// ends, closing what is still connected to it.
func newPostgres(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s does not parse as a URL", EnvPostgres)
	}
	adminOnce.Do(func() { admin, adminErr = sql.Open("pgx", server) })
	if adminErr != nil {
		t.Fatalf("connect to the PostgreSQL server of %s: %v", EnvPostgres, adminErr)
	}
	var b [8]byte
	rand.Read(b[:])
	name := "storywatch_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
