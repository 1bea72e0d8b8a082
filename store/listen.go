package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL, recording a digest notifies outboxChannel in the
// transaction that records it, so that the notification goes out only when
// the deliveries are committed; every process's delivery loop listens on
// a connection of its own and looks at the outbox at once. The delivery
// loop polls the outbox all the same: a notification only wakes it early,
// and one lost while a listener reconnects costs at most one poll
// interval.
const outboxChannel = "storywatch_outbox"

// Bounds of the wait before a listener reconnects after an error.
const (
	listenRetryMin = 500 * time.Millisecond
	listenRetryMax = 30 * time.Second
)

// notifyOutbox notifies the listeners of the outbox, in tx, of a digest
// recorded with deliveries; on SQLite the process that records a digest
// wakes its own delivery loop.
func (d *DB) notifyOutbox(ctx context.Context, tx *sql.Tx, digestID string) error {
	if d.sessionConnector() == nil {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, outboxChannel, digestID); err != nil {
		return fmt.Errorf("notify the outbox of digest %s: %w", digestID, err)
	}
	return nil
}

// ListenOutbox calls wake each time a process sharing the database
// records a digest, and once each time it starts listening (a digest may
// have been recorded while it was not), until ctx ends. An error drops
// the listening connection; it is opened again after a wait that doubles
// from listenRetryMin up to listenRetryMax, and the outbox is polled
// meanwhile. On SQLite there is nothing to listen to and it returns at
// once.
func (d *DB) ListenOutbox(ctx context.Context, wake func()) {
	listenOutbox(ctx, d.sessionConnector(), d.log, wake, retryAfter)
}

// retryAfter returns a channel that receives after wait.
func retryAfter(wait time.Duration) <-chan time.Time { return time.After(wait) }

// listenOutbox is ListenOutbox on the connections connect opens (nil on
// SQLite); after tells when to try again after an error.
func listenOutbox(ctx context.Context, connect func(context.Context) (*pgx.Conn, error), log *slog.Logger,
	wake func(), after func(time.Duration) <-chan time.Time) {
	if connect == nil {
		return
	}
	wait := listenRetryMin
	for ctx.Err() == nil {
		listened, err := listenOnce(ctx, connect, wake)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = listenRetryMin
		}
		log.Warn("listen for recorded digests; polling the outbox until reconnected", "error", err,
			"retry_ms", wait.Milliseconds())
		select {
		case <-ctx.Done():
			return
		case <-after(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// listenOnce listens on a connection of its own until an error, which it
// returns; listened reports whether it got as far as listening.
func listenOnce(ctx context.Context, connect func(context.Context) (*pgx.Conn, error), wake func()) (listened bool, err error) {
	conn, err := connect(ctx)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+outboxChannel); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, fmt.Errorf("wait for a notification: %w", err)
		}
		wake()
	}
}
