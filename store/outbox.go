package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// The delivery statuses as SQL literals: queries spell a status only
// through notify's constants.
const (
	sqlPending = `'` + string(notify.StatusPending) + `'`
	sqlSending = `'` + string(notify.StatusSending) + `'`
	sqlSent    = `'` + string(notify.StatusSent) + `'`
	sqlDead    = `'` + string(notify.StatusDead) + `'`
)

// DB is the outbox's storage.
var _ notify.OutboxStore = (*DB)(nil)

const deliveryColumns = `
SELECT l.id, l.digest_id, g.name, l.notifier, l.status, l.attempts, l.created_at,
       l.first_attempt, l.last_attempt, l.next_attempt, l.sent_at, l.last_error, l.retried_at
  FROM deliveries l JOIN digests g ON g.id = l.digest_id`

func scanDelivery(rows interface{ Scan(...any) error }) (notify.Delivery, error) {
	var (
		dl                         notify.Delivery
		created, next              int64
		first, last, sent, retried sql.NullInt64
	)
	err := rows.Scan(&dl.ID, &dl.DigestID, &dl.Digest, &dl.Notifier, &dl.Status, &dl.Attempts,
		&created, &first, &last, &next, &sent, &dl.LastError, &retried)
	if err != nil {
		return dl, err
	}
	dl.CreatedAt = time.UnixMilli(created).UTC()
	dl.FirstAttempt = fromMillis(first)
	dl.LastAttempt = fromMillis(last)
	dl.NextAttempt = time.UnixMilli(next).UTC()
	dl.SentAt = fromMillis(sent)
	dl.RetriedAt = fromMillis(retried)
	return dl, nil
}

func (d *DB) queryDeliveries(ctx context.Context, q string, args ...any) ([]notify.Delivery, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []notify.Delivery
	for rows.Next() {
		dl, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, dl)
	}
	return out, rows.Err()
}

// DueDeliveries returns up to limit pending deliveries, and sending ones
// left by a process that died, whose next attempt is at or before now.
func (d *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]notify.Delivery, error) {
	out, err := d.queryDeliveries(ctx, deliveryColumns+`
 WHERE l.status IN (`+sqlPending+`, `+sqlSending+`) AND l.next_attempt <= $1
 ORDER BY l.next_attempt, l.id LIMIT $2`, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	return out, nil
}

// Deliveries returns the whole outbox, newest first.
func (d *DB) Deliveries(ctx context.Context) ([]notify.Delivery, error) {
	out, err := d.queryDeliveries(ctx, deliveryColumns+` ORDER BY l.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	return out, nil
}

// Delivery returns one delivery, or ErrNotFound.
func (d *DB) Delivery(ctx context.Context, id int64) (notify.Delivery, error) {
	out, err := d.queryDeliveries(ctx, deliveryColumns+` WHERE l.id = $1`, id)
	if err != nil {
		return notify.Delivery{}, fmt.Errorf("delivery %d: %w", id, err)
	}
	if len(out) == 0 {
		return notify.Delivery{}, fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// The claim matches the row as it was read (status, attempts), so two
// workers never both claim one attempt. The caller chooses next so that the
// claim outlasts its send (notify.Outbox: the send timeout plus a margin).
const claimDelivery = `
UPDATE deliveries
   SET status = ` + sqlSending + `, attempts = attempts + 1, last_attempt = $1,
       first_attempt = COALESCE(first_attempt, $2), next_attempt = $3
 WHERE id = $4 AND status IN (` + sqlPending + `, ` + sqlSending + `) AND attempts = $5 AND next_attempt <= $6`

// ClaimDelivery marks dl as being sent and schedules its next attempt at
// next in case the process dies during the send. It reports false when dl
// changed since it was read.
func (d *DB) ClaimDelivery(ctx context.Context, dl notify.Delivery, now, next time.Time) (bool, error) {
	res, err := d.exec(ctx, claimDelivery, now.UnixMilli(), now.UnixMilli(), next.UnixMilli(),
		dl.ID, dl.Attempts, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", dl.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", dl.ID, err)
	}
	return n == 1, nil
}

// The outcome is stored only for the attempt that still holds the claim:
// a worker whose claim ran out and was taken over finishes nothing.
const finishDelivery = `
UPDATE deliveries
   SET status = $1, next_attempt = $2, last_error = $3,
       sent_at = CASE WHEN $4 = ` + sqlSent + ` THEN $5 ELSE sent_at END
 WHERE id = $6 AND status = ` + sqlSending + ` AND attempts = $7`

// FinishDelivery records the outcome of attempt number attempt of a
// delivery. It reports false, and changes nothing, when that attempt no
// longer holds the delivery (another worker claimed a later attempt).
func (d *DB) FinishDelivery(ctx context.Context, id int64, attempt int, status notify.Status, at, next time.Time, errText string) (bool, error) {
	res, err := d.exec(ctx, finishDelivery, string(status), next.UnixMilli(), clean(errText), string(status), at.UnixMilli(), id, attempt)
	if err != nil {
		return false, fmt.Errorf("finish delivery %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("finish delivery %d: %w", id, err)
	}
	return n == 1, nil
}

// Attempts keep counting across a retry, so an attempt number names one
// claim for the whole life of a delivery.
const retryDelivery = `
UPDATE deliveries
   SET status = ` + sqlPending + `, retried_at = $1, next_attempt = $2
 WHERE id = $3 AND status = ` + sqlDead + ``

// RetryDelivery makes a dead delivery pending again, due at now, with a
// fresh give-up period counted from now. It returns notify.ErrNotDead for a
// delivery that is not dead and ErrNotFound for an unknown id.
func (d *DB) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	res, err := d.exec(ctx, retryDelivery, now.UnixMilli(), now.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("retry delivery %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	dl, err := d.Delivery(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("retry delivery %d (%s): %w", id, dl.Status, notify.ErrNotDead)
}
