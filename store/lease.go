package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// Feed leases (docs/architecture.md, "Feed leases"): a claim leases due
// feeds to one replica, the save of a fetch is fenced by its lease's token
// and ends the lease. Claims run one at a time. On PostgreSQL each first
// updates the one row of feed_claims: that row lock is what lets the
// per_host count of one claim see every lease of the claims before it,
// since READ COMMITTED gives each statement a snapshot taken after the
// lock was granted. On SQLite the store's writer serializes them, and
// other processes wait for its write lock.

// ErrLeaseLost is returned by SaveFetch for a fetch whose lease ended or
// was taken over: nothing of it was saved.
var ErrLeaseLost = monitor.ErrLeaseLost

// DB leases feeds to the poll cycle.
var _ monitor.Leaser = (*DB)(nil)

const lockClaims = `UPDATE feed_claims SET claims = claims + 1 WHERE id = 1`

// claimFeeds leases feeds: $1 owner, $2 lease end, $3 candidate ids (a
// JSON array), $4 due by, $5 the poller's now (backoff), $6 the store's
// now (leases), $7 per_host, $8 limit. A candidate is due, not backing
// off and not leased; per host, the candidates soonest due are taken
// while the host's unexpired leases and those taken stay within
// per_host. The two engines differ in reading the JSON array and in the
// row locks: PostgreSQL locks only the feeds chosen, and skips one that a
// save or a registration is writing instead of waiting for it. (Claims
// run one at a time, and what runs beside them only ends leases, so a
// feed chosen as free is still free when it is locked.) On SQLite,
// claimSQLite (lease_sqlite.go) makes the same choice in Go; the SQLite
// form of the statement is what its test compares it with.
func claimFeedsSQL(postgres bool) string {
	ids, locking := `json_each($3) AS j CROSS JOIN feeds AS f ON f.id = j.value`, ``
	if postgres {
		ids = `json_array_elements_text(CAST(CAST($3 AS TEXT) AS JSON)) AS j(value) JOIN feeds AS f ON f.id = CAST(j.value AS BIGINT)`
		locking = ` FOR UPDATE SKIP LOCKED`
	}
	return `UPDATE feeds SET lease_owner = $1, lease_until = $2, lease_token = lease_token + 1
WHERE id IN (SELECT k.id FROM feeds AS k WHERE k.id IN (
	SELECT c.id FROM (
		SELECT l.id, l.due, ROW_NUMBER() OVER (PARTITION BY l.poll_host ORDER BY l.due, l.id) AS rn,
			COALESCE(b.n, 0) AS busy
		FROM (SELECT f.id, f.poll_host, COALESCE(f.next_poll, 0) AS due FROM ` + ids + `
			WHERE COALESCE(f.next_poll, 0) <= $4 AND COALESCE(f.next_attempt, 0) <= $5
				AND (f.lease_until IS NULL OR f.lease_until < $6)) AS l
		LEFT JOIN (SELECT poll_host, COUNT(*) AS n FROM feeds WHERE lease_until >= $6 GROUP BY poll_host) AS b
			ON b.poll_host = l.poll_host
	) AS c
	WHERE c.rn + c.busy <= $7
	ORDER BY c.due, c.id
	LIMIT $8)` + locking + `)
RETURNING lease_token, lease_until, ` + feedColumns
}

// ClaimFeeds leases up to c.Limit of c.FeedIDs to c.Owner for c.For, from
// the store's clock (monitor.Leaser), soonest due first.
func (d *DB) ClaimFeeds(ctx context.Context, c monitor.Claim) ([]monitor.Claimed, error) {
	if len(c.FeedIDs) == 0 || c.Limit <= 0 {
		return nil, nil
	}
	q := claimQuery{owner: c.Owner, ids: idList(c.FeedIDs), dueBy: math.MaxInt64, backoffNow: c.Now.UnixMilli(),
		perHost: max(c.PerHost, 1), limit: c.Limit}
	if !c.DueBy.IsZero() {
		q.dueBy = c.DueBy.UnixMilli()
	}
	now := d.now()
	q.now, q.until = now.UnixMilli(), now.Add(c.For).UnixMilli()
	var out []monitor.Claimed
	err := d.leaseTx(ctx, func(tx *sql.Tx) error {
		var err error
		if d.dialect.postgres {
			out, err = claimPostgres(ctx, d.stmts.in(tx), q)
		} else {
			out, err = claimSQLite(ctx, d.stmts.in(tx), q)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim feeds: %w", err)
	}
	// RETURNING gives no order.
	slices.SortFunc(out, func(a, b monitor.Claimed) int {
		if c := a.State.NextPoll.Compare(b.State.NextPoll); c != 0 {
			return c
		}
		return int(a.Lease.FeedID - b.Lease.FeedID)
	})
	return out, nil
}

// claimQuery is one claim: the owner, the candidates (a JSON array), the
// times in stored milliseconds (due by, the poller's now for backoff, the
// store's now and the lease's end) and the limits.
type claimQuery struct {
	owner, ids                    string
	dueBy, backoffNow, now, until int64
	perHost, limit                int
}

var claimFeedsPostgres = claimFeedsSQL(true)

// claimPostgres claims in one statement, after the lock of feed_claims.
func claimPostgres(ctx context.Context, prepare preparer, q claimQuery) ([]monitor.Claimed, error) {
	lock, err := prepare(ctx, lockClaims)
	if err != nil {
		return nil, err
	}
	if _, err := lock.ExecContext(ctx); err != nil {
		return nil, fmt.Errorf("lock claims: %w", err)
	}
	stmt, err := prepare(ctx, claimFeedsPostgres)
	if err != nil {
		return nil, err
	}
	return scanClaims(stmt.QueryContext(ctx, q.owner, q.until, q.ids, q.dueBy, q.backoffNow, q.now, q.perHost, q.limit))
}

// scanClaims reads the rows of a claim's RETURNING.
func scanClaims(rows *sql.Rows, err error) ([]monitor.Claimed, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []monitor.Claimed
	for rows.Next() {
		var cl monitor.Claimed
		var leaseUntil int64
		f, err := scanFeed(prefixScanner{rows, []any{&cl.Lease.Token, &leaseUntil}})
		if err != nil {
			return nil, err
		}
		cl.State, cl.Lease.FeedID, cl.Lease.Until = f.FeedState, f.ID, time.UnixMilli(leaseUntil).UTC()
		out = append(out, cl)
	}
	return out, rows.Err()
}

// leaseTx runs fn in a write transaction, without the copy index's
// bookkeeping of the transactions that save items: on SQLite under the
// store's writer lock, on PostgreSQL beside the saves, since the claims
// serialize on feed_claims and skip the rows that saves lock.
func (d *DB) leaseTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if !d.dialect.postgres {
		d.writeMu.Lock()
		defer d.writeMu.Unlock()
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.writeFailed(ctx, fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return d.writeFailed(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return d.writeFailed(ctx, fmt.Errorf("commit: %w", err))
	}
	d.noteWrite(nil)
	return nil
}

// prefixScanner scans the columns before a row's feedColumns into extra.
type prefixScanner struct {
	rows  *sql.Rows
	extra []any
}

func (s prefixScanner) Scan(dst ...any) error {
	return s.rows.Scan(append(s.extra, dst...)...)
}

// idList writes ids as a JSON array.
func idList(ids []int64) string {
	b := make([]byte, 0, len(ids)*6+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

const fenceFeed = `UPDATE feeds SET lease_owner = NULL, lease_until = NULL, poll_host = $4
WHERE id = $1 AND lease_token = $2 AND lease_until >= $3`

// fenceFetch ends the lease of a fetch about to be saved in a transaction,
// and fails with ErrLeaseLost, having written nothing, when the lease is
// no longer the fetch's: taken over by another replica, or past its end.
func fenceFetch(ctx context.Context, prepare preparer, f monitor.FeedFetch, now time.Time) error {
	stmt, err := prepare(ctx, fenceFeed)
	if err != nil {
		return err
	}
	res, err := stmt.ExecContext(ctx, f.Lease.FeedID, f.Lease.Token, now.UnixMilli(),
		monitor.PollHost(f.State.FetchURL, f.State.URL))
	if err != nil {
		return fmt.Errorf("fence feed %s: %w", f.State.URL, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("fence feed %s: %w", f.State.URL, err)
	}
	if n == 0 {
		return fmt.Errorf("save feed %s: %w", f.State.URL, ErrLeaseLost)
	}
	return nil
}

const releaseLease = `UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2`

// ReleaseLease ends lease l if it is still the feed's (monitor.Leaser).
func (d *DB) ReleaseLease(ctx context.Context, l monitor.Lease) error {
	if _, err := d.exec(ctx, releaseLease, l.FeedID, l.Token); err != nil {
		return fmt.Errorf("release lease of feed %d: %w", l.FeedID, err)
	}
	return nil
}

const (
	selectLeaseOwners  = `SELECT DISTINCT lease_owner FROM feeds WHERE lease_until >= $1`
	releaseOwnerLeases = `UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1`
)

// ReleaseDead ends the unexpired leases of the owners dead reports gone
// (monitor.Leaser).
func (d *DB) ReleaseDead(ctx context.Context, dead func(owner string) bool) (int64, error) {
	rows, err := d.db.QueryContext(ctx, selectLeaseOwners, d.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("lease owners: %w", err)
	}
	var gone []string
	for rows.Next() {
		var owner string
		if err := rows.Scan(&owner); err != nil {
			rows.Close()
			return 0, fmt.Errorf("lease owners: %w", err)
		}
		if dead(owner) {
			gone = append(gone, owner)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("lease owners: %w", err)
	}
	var released int64
	for _, owner := range gone {
		res, err := d.exec(ctx, releaseOwnerLeases, owner)
		if err != nil {
			return released, fmt.Errorf("release leases of %s: %w", owner, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return released, fmt.Errorf("release leases of %s: %w", owner, err)
		}
		released += n
	}
	return released, nil
}

const releaseAllLeases = `UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_until IS NOT NULL`

// ReleaseLeases ends every feed lease. Only a process that knows it is
// the database's one poller may call it: `storywatch run` on SQLite,
// holding the database's lock file, so that the leases a killed run left
// do not hold its feeds back until they end.
func (d *DB) ReleaseLeases(ctx context.Context) (int64, error) {
	res, err := d.exec(ctx, releaseAllLeases)
	if err != nil {
		return 0, fmt.Errorf("release feed leases: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("release feed leases: %w", err)
	}
	return n, nil
}
