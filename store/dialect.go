package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// dialect is what differs between the two engines the store runs on
// (docs/architecture.md, "Storage"). Nearly all SQL is one text for both:
// numbered $N placeholders, ON CONFLICT, RETURNING, integers for booleans,
// aliased subqueries. What is left is here: how to connect, which
// migrations to apply and how to serialize them across processes, how new
// item ids are handed out, and whether the SQLite-only machinery (the file,
// its pragmas and write-ahead log, the in-memory copy index) is there.
type dialect struct {
	// name is "sqlite" or "postgres" (DB.Engine).
	name string
	// driver is the database/sql driver name.
	driver string
	// postgres selects PostgreSQL's ways where the engines differ.
	postgres bool
}

var (
	sqliteDialect   = dialect{name: "sqlite", driver: "sqlite"}
	postgresDialect = dialect{name: "postgres", driver: "pgx", postgres: true}
)

// Engine names the engine the database runs on: "sqlite" or "postgres".
func (d *DB) Engine() string { return d.dialect.name }

// IsPostgres reports whether a database setting is a PostgreSQL URL
// (postgres:// or postgresql://) rather than a SQLite file path.
func IsPostgres(database string) bool {
	s := strings.ToLower(strings.TrimSpace(database))
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns a database setting fit for logs and messages: a
// PostgreSQL URL without its password (in the user part or in a password
// parameter), a SQLite path unchanged.
func Redact(database string) string {
	if !IsPostgres(database) {
		return database
	}
	u, err := url.Parse(strings.TrimSpace(database))
	if err != nil {
		return "postgres://(a URL that does not parse)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// migrationDir is the embedded folder of the dialect's migrations.
func (dl dialect) migrationDir() string {
	if dl.postgres {
		return "migrations/postgres"
	}
	return "migrations"
}

// migrationLockKey is the PostgreSQL advisory lock that serializes
// migrations: replicas starting at once apply each migration once, one
// after the other, instead of racing on CREATE TABLE.
const migrationLockKey int64 = 0x73770001 // "sw" 1

// lockMigrations takes, on PostgreSQL, the session advisory lock that
// migrations run under, on conn; the returned function releases it.
// SQLite needs none: each migration's transaction takes the write lock at
// BEGIN and reads the applied versions after it.
func (dl dialect) lockMigrations(ctx context.Context, conn *sql.Conn) (func(), error) {
	if !dl.postgres {
		return func() {}, nil
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	return func() {
		// A session lock outlives its transaction: release it before the
		// connection goes back to the pool.
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	}, nil
}

// noLimit is a LIMIT that keeps every row: PostgreSQL has no LIMIT -1.
const noLimit = int64(1<<63 - 1)

// params returns the number of parameters of q: its highest $N. The
// PostgreSQL driver takes exactly as many arguments as a statement has.
func params(q string) int {
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '$' {
			continue
		}
		v := 0
		for i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			i++
			v = v*10 + int(q[i]-'0')
		}
		n = max(n, v)
	}
	return n
}

// flag is the stored form of a boolean: the columns are INTEGER 0/1 on
// both engines, and PostgreSQL refuses a Go bool for an integer.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// clean removes NUL characters, which PostgreSQL's text refuses and SQLite
// would keep, so that both engines store the same text.
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}
