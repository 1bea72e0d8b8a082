package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

const pgDriver = "pgx"

// pgServer is the PostgreSQL server a benchmark runs on: each cycle gets
// a fresh schema of its own (CREATE SCHEMA needs no CREATEDB privilege),
// dropped after it.
type pgServer struct {
	admin *sql.DB
	base  *url.URL
	// postmaster is the server's main process when it runs on this
	// machine and its processes can be read in /proc, else 0 and why
	// says why its CPU is not measured.
	postmaster int
	why        string
}

// isPostgres reports whether a -db value is a PostgreSQL URL.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openPGServer connects to the server of dsn and finds its processes.
func openPGServer(ctx context.Context, dsn string) (*pgServer, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// The error would quote the URL, password and all.
		return nil, fmt.Errorf("bench: -db is not a valid postgres:// URL")
	}
	admin, err := sql.Open(pgDriver, dsn)
	if err != nil {
		return nil, fmt.Errorf("bench: open %s: %w", u.Redacted(), err)
	}
	s := &pgServer{admin: admin, base: u}
	var backend int
	if err := admin.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		admin.Close()
		return nil, fmt.Errorf("bench: connect to %s: %w", u.Redacted(), err)
	}
	s.postmaster, s.why = localPostmaster(u, backend)
	return s, nil
}

// localPostmaster finds the server's main process from the process id of
// one of its backends: when the server is on this machine (a loopback or
// socket address), that process is a "postgres: …" backend whose parent
// is the postmaster.
func localPostmaster(u *url.URL, backend int) (int, string) {
	host := u.Hostname()
	if q := u.Query().Get("host"); q != "" {
		host = q
	}
	ip := net.ParseIP(host)
	local := host == "" || host == "localhost" || strings.HasPrefix(host, "/") || ip != nil && ip.IsLoopback()
	if !local {
		return 0, "the server is not on this machine"
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", backend))
	if err != nil || !strings.HasPrefix(string(cmdline), "postgres: ") {
		return 0, "the server's processes cannot be read in /proc"
	}
	parent, err := parentPID(backend)
	if err != nil {
		return 0, "the server's processes cannot be read in /proc"
	}
	return parent, ""
}

// cpu returns the CPU the server's processes have used so far: the
// postmaster's with its exited children's, and its live children's; 0
// when they cannot be read (or on SQLite, s nil).
func (s *pgServer) cpu() time.Duration {
	if s == nil || s.postmaster == 0 {
		return 0
	}
	return treeCPU(s.postmaster)
}

// fresh creates the schema of cycle k and returns the URL that opens the
// store in it, and the function that drops it.
func (s *pgServer) fresh(ctx context.Context, k int) (string, func() error, error) {
	schema := fmt.Sprintf("storywatch_bench_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), k)
	if _, err := s.admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("bench: create schema %s: %w", schema, err)
	}
	u := *s.base
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() error {
		if _, err := s.admin.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("bench: drop schema %s: %w", schema, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// size returns the bytes of the tables of the cycle's schema, their
// indexes and TOAST included.
func (s *pgServer) size(ctx context.Context, dsn string) int64 {
	u, err := url.Parse(dsn)
	if err != nil {
		return 0
	}
	var n int64
	s.admin.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1 AND c.relkind IN ('r', 'm')`,
		u.Query().Get("search_path")).Scan(&n)
	return n
}

func (s *pgServer) close() error { return s.admin.Close() }
