package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// DB serializes the runs of a digest name across processes.
var _ notify.DigestLocker = (*DB)(nil)

// lockedDigest is the context key of the transaction holding the lock of
// one digest name of one DB (LockDigest).
type lockedDigest struct {
	d    *DB
	name string
}

const lockDigestState = `SELECT name FROM digest_state WHERE name = $1 FOR UPDATE`

// LockDigest runs fn holding, on PostgreSQL, a row lock on the
// digest_state row of name (SELECT … FOR UPDATE) in a transaction that
// the RecordDigest calls of name with fn's context record in: runs of one
// digest name in processes sharing the database wait for each other, and
// the later one builds on what the earlier one committed. On SQLite, one
// process writes at a time and RecordDigest's own transaction refuses a
// hit recorded meanwhile (notify.ErrStale), so fn just runs.
func (d *DB) LockDigest(ctx context.Context, name string, now time.Time, fn func(ctx context.Context) error) error {
	if !d.dialect.postgres {
		return fn(ctx)
	}
	// The row is inserted before the lock's transaction: inserted inside
	// it, the digest's own first-run insert (DigestStart), made on
	// another connection, would wait for the transaction that waits for
	// it.
	if _, err := d.exec(ctx, insertDigestState, name, now.UnixMilli()); err != nil {
		return fmt.Errorf("lock digest %s: %w", name, err)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.writeFailed(ctx, fmt.Errorf("lock digest %s: begin: %w", name, err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, lockDigestState, name); err != nil {
		return d.writeFailed(ctx, fmt.Errorf("lock digest %s: %w", name, err))
	}
	if err := fn(context.WithValue(ctx, lockedDigest{d, name}, tx)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return d.writeFailed(ctx, fmt.Errorf("lock digest %s: commit: %w", name, err))
	}
	d.noteWrite(nil)
	return nil
}

// digestTx runs fn, a write of digest name, in the transaction of ctx's
// lock on name (LockDigest), inside a savepoint so that a refused record
// leaves the lock's transaction as it was; without such a lock, in a
// transaction of its own.
func (d *DB) digestTx(ctx context.Context, name string, fn func(*sql.Tx) error) error {
	tx, ok := ctx.Value(lockedDigest{d, name}).(*sql.Tx)
	if !ok {
		return d.tx(ctx, fn)
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT digest_record`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(tx); err != nil {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT digest_record`); rerr != nil {
			return fmt.Errorf("%w (and roll back to the savepoint: %v)", err, rerr)
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT digest_record`); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}
