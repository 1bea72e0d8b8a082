package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Leader is a handle's part in choosing, among the processes sharing a
// database, the one that runs the work that must run once: pruning item
// text and renewing WebSub subscriptions. On SQLite, which one process
// opens at a time, every handle leads. On PostgreSQL the leader is the
// handle that holds a session advisory lock, taken on a connection of its
// own that lives as long as the leadership: any error on it drops the
// connection, and with it the lock, and the next Leading contends again.
// Leading only saves work: what the leader does is safe to do twice, so
// an engine whose advisory locks lock nothing (docs/scale-out.md) makes
// every process a leader and nothing worse.
type Leader struct {
	// connect opens a connection of the leader's own to the PostgreSQL
	// database; nil on SQLite.
	connect func(context.Context) (*pgx.Conn, error)
	key     int64
	log     *slog.Logger

	mu      sync.Mutex
	conn    *pgx.Conn
	leading bool
	closed  bool
	// After a failed connection, none is tried again before retryAt;
	// the wait doubles up to leaderRetryMax.
	retryAt time.Time
	wait    time.Duration
}

// leaderKey is the advisory lock of the leadership: "swleader" in ASCII.
const leaderKey int64 = 0x73776c6561646572

// Bounds of the wait between two connection attempts of a Leader.
const (
	leaderRetryMin = time.Second
	leaderRetryMax = time.Minute
)

// Leader returns a new contender for the leadership of d's processes;
// Close gives it up.
func (d *DB) Leader() *Leader {
	return newLeader(d.sessionConnector(), leaderKey, d.log)
}

func newLeader(connect func(context.Context) (*pgx.Conn, error), key int64, log *slog.Logger) *Leader {
	return &Leader{connect: connect, key: key, log: log}
}

// Leading reports whether l leads now. On PostgreSQL it checks the
// connection holding the lock, or, holding none, tries to take the lock.
func (l *Leader) Leading(ctx context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return false
	case l.connect == nil:
		return true
	case l.leading:
		if err := l.conn.Ping(ctx); err != nil {
			l.drop(ctx, fmt.Errorf("check the leader's connection: %w", err))
			return false
		}
		return true
	}
	if l.conn == nil {
		if time.Now().Before(l.retryAt) {
			return false
		}
		conn, err := l.connect(ctx)
		if err != nil {
			l.wait = min(max(2*l.wait, leaderRetryMin), leaderRetryMax)
			l.retryAt = time.Now().Add(l.wait)
			l.log.Warn("connect to contend for the leadership", "error", err, "retry_ms", l.wait.Milliseconds())
			return false
		}
		l.conn, l.wait = conn, 0
	}
	var ok bool
	if err := l.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, l.key).Scan(&ok); err != nil {
		if unsupported(err) {
			// An engine without advisory locks: the work is safe to
			// do in every process, so every process leads.
			l.log.Warn("the database has no advisory locks; every process leads", "error", err)
			l.leading = true
			return true
		}
		l.drop(ctx, fmt.Errorf("take the leader's lock: %w", err))
		return false
	}
	if ok {
		l.leading = true
		l.log.Info("leading the processes sharing the database: pruning and WebSub renewal run here")
	}
	return ok
}

// drop closes l's connection after err, which gives the lock up.
func (l *Leader) drop(ctx context.Context, err error) {
	if l.leading {
		l.log.Warn("leadership dropped; contending again", "error", err)
	} else {
		l.log.Warn("contend for the leadership", "error", err)
	}
	l.conn.Close(context.WithoutCancel(ctx))
	l.conn, l.leading = nil, false
}

// Close gives the leadership up, to be taken by another process at once:
// the lock is released and its connection closed.
func (l *Leader) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if l.leading {
		// Released here, the lock is free for another process at once;
		// the server would free it only once it saw the connection end.
		// Should this fail, closing the connection frees it all the same.
		l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.key)
	}
	err := l.conn.Close(ctx)
	l.conn, l.leading = nil, false
	if err != nil {
		return fmt.Errorf("close the leader's connection: %w", err)
	}
	return nil
}

// unsupported reports whether err says the engine lacks a function or a
// feature (SQLSTATE 42883 undefined_function, 0A000 feature_not_supported).
func unsupported(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "42883" || pe.Code == "0A000")
}
