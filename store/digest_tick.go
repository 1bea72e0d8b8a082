package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// Every process sharing the database runs the schedules of its digests,
// so a tick of a scheduled digest may be run by several at once. Each
// tick is a row of digest_runs (migration 0016), unique per digest name
// and due time and written in the transaction that records the tick's
// digest: the first run to commit it records the digest, every other run
// of the tick records nothing. last_run moves with the tick, never back,
// so that the @every schedules of all processes count from the same time.
const (
	insertDigestTick = `INSERT INTO digest_runs (name, due_at, ran_at, digest_id) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`
	advanceLastRun = `INSERT INTO digest_state (name, first_seen, last_run) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run
 WHERE digest_state.last_run IS NULL OR digest_state.last_run < excluded.last_run`
	anchorDigestRun = `INSERT INTO digest_state (name, first_seen, last_run) VALUES ($1, $2, $2)
ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run WHERE digest_state.last_run IS NULL`
	selectLastRun = `SELECT last_run FROM digest_state WHERE name = $1`
)

// recordRun is the part of recording rec that concerns the processes
// sharing the database: its tick, and the notification of the outbox's
// listeners (listen.go).
func (d *DB) recordRun(ctx context.Context, tx *sql.Tx, rec notify.Record) error {
	if err := recordTick(ctx, tx, rec); err != nil {
		return err
	}
	if rec.DigestID == "" || len(rec.Notifiers) == 0 {
		return nil
	}
	return d.notifyOutbox(ctx, tx, rec.DigestID)
}

// recordTick records the tick of rec, when it has one, in tx: the run of
// the tick, and the digest's last run moved up to it. It returns
// notify.ErrTickTaken when the tick is already recorded.
func recordTick(ctx context.Context, tx *sql.Tx, rec notify.Record) error {
	if rec.Tick.IsZero() {
		return nil
	}
	digestID := sql.NullString{String: rec.DigestID, Valid: rec.DigestID != ""}
	res, err := tx.ExecContext(ctx, insertDigestTick, rec.Name, rec.Tick.UnixMilli(), rec.CreatedAt.UnixMilli(), digestID)
	if err != nil {
		return fmt.Errorf("record tick %s of digest %s: %w", rec.Tick.UTC().Format(time.RFC3339), rec.Name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("record tick %s of digest %s: %w", rec.Tick.UTC().Format(time.RFC3339), rec.Name, err)
	}
	if n == 0 {
		return notify.ErrTickTaken
	}
	if _, err := tx.ExecContext(ctx, advanceLastRun, rec.Name, rec.CreatedAt.UnixMilli(), rec.Tick.UnixMilli()); err != nil {
		return fmt.Errorf("record last run of digest %s: %w", rec.Name, err)
	}
	return nil
}

// DigestScheduled records at as the last run of digest name unless it
// already has one, and returns the one stored: an @every digest that
// never ran counts its ticks from when the first process scheduled it.
func (d *DB) DigestScheduled(ctx context.Context, name string, at time.Time) (time.Time, error) {
	if _, err := d.exec(ctx, anchorDigestRun, name, at.UnixMilli()); err != nil {
		return time.Time{}, fmt.Errorf("record schedule of digest %s: %w", name, err)
	}
	last, err := d.DigestLastRun(ctx, name)
	if err != nil {
		return time.Time{}, err
	}
	return last, nil
}

// DigestLastRun returns when digest name last ran (its last tick, for a
// scheduled digest), or the zero time if it never did.
func (d *DB) DigestLastRun(ctx context.Context, name string) (time.Time, error) {
	var ms sql.NullInt64
	err := d.db.QueryRowContext(ctx, selectLastRun, name).Scan(&ms)
	if err != nil && err != sql.ErrNoRows {
		return time.Time{}, fmt.Errorf("last run of digest %s: %w", name, err)
	}
	return fromMillis(ms), nil
}

// DigestTicks returns the ticks of digest name recorded at or after since,
// oldest first, each with the id of the digest it recorded ("" for a tick
// that had nothing to send).
func (d *DB) DigestTicks(ctx context.Context, name string, since time.Time) ([]DigestTick, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT due_at, ran_at, COALESCE(digest_id, '') FROM digest_runs
WHERE name = $1 AND due_at >= $2 ORDER BY due_at`, name, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("ticks of digest %s: %w", name, err)
	}
	defer rows.Close()
	var out []DigestTick
	for rows.Next() {
		var due, ran int64
		var t DigestTick
		if err := rows.Scan(&due, &ran, &t.DigestID); err != nil {
			return nil, fmt.Errorf("ticks of digest %s: %w", name, err)
		}
		t.Due, t.Ran = time.UnixMilli(due).UTC(), time.UnixMilli(ran).UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ticks of digest %s: %w", name, err)
	}
	return out, nil
}

// DigestTick is one recorded tick of a scheduled digest.
type DigestTick struct {
	Due, Ran time.Time
	// DigestID is the digest the tick recorded; "" when it had nothing
	// to send.
	DigestID string
}
