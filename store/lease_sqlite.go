package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/storywatch/storywatch/monitor"
)

// On SQLite a claim reads its candidates and the hosts' unexpired leases,
// chooses in Go and leases what it chose, in three statements of one
// transaction, which holds the database's write lock throughout. The one
// statement of claimFeedsSQL chooses alike, but SQLite sorted its
// candidates twice (the window of each host, then the order of the
// claim), which made a claim of 128 candidates cost about half a
// millisecond of CPU.

const (
	// selectClaimCandidates lists the candidates ($1, a JSON array) that
	// are due ($2), not backing off ($3) and not leased ($4, now).
	selectClaimCandidates = `
SELECT f.id, f.poll_host, COALESCE(f.next_poll, 0) FROM json_each($1) AS j CROSS JOIN feeds AS f ON f.id = j.value
WHERE COALESCE(f.next_poll, 0) <= $2 AND COALESCE(f.next_attempt, 0) <= $3
	AND (f.lease_until IS NULL OR f.lease_until < $4)`
	// selectBusyHosts counts the unexpired leases ($1, now) of each host.
	selectBusyHosts = `SELECT poll_host, COUNT(*) FROM feeds WHERE lease_until >= $1 GROUP BY poll_host`
	// leaseFeeds leases the feeds chosen ($3, a JSON array) to $1 until $2.
	leaseFeeds = `
UPDATE feeds SET lease_owner = $1, lease_until = $2, lease_token = lease_token + 1
WHERE id IN (SELECT value FROM json_each($3))
RETURNING lease_token, lease_until, ` + feedColumns
)

// claimCandidate is a feed a claim may lease.
type claimCandidate struct {
	id   int64
	host string
	due  int64
}

// claimSQLite claims as claimFeedsSQL does: the candidates soonest due
// (then lowest id) first, each while its host's unexpired leases and
// those taken stay within perHost, up to limit.
func claimSQLite(ctx context.Context, prepare preparer, q claimQuery) ([]monitor.Claimed, error) {
	cands, err := claimCandidates(ctx, prepare, q)
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	busy, err := busyHosts(ctx, prepare, q.now)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(cands, func(a, b claimCandidate) int {
		return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.id, b.id))
	})
	chosen := make([]int64, 0, q.limit)
	for _, c := range cands {
		if len(chosen) == q.limit {
			break
		}
		if busy[c.host] < q.perHost {
			busy[c.host]++
			chosen = append(chosen, c.id)
		}
	}
	if len(chosen) == 0 {
		return nil, nil
	}
	stmt, err := prepare(ctx, leaseFeeds)
	if err != nil {
		return nil, err
	}
	return scanClaims(stmt.QueryContext(ctx, q.owner, q.until, idList(chosen)))
}

// claimCandidates reads the candidates of q that are free to lease.
func claimCandidates(ctx context.Context, prepare preparer, q claimQuery) ([]claimCandidate, error) {
	stmt, err := prepare(ctx, selectClaimCandidates)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, q.ids, q.dueBy, q.backoffNow, q.now)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	defer rows.Close()
	var out []claimCandidate
	for rows.Next() {
		var c claimCandidate
		if err := rows.Scan(&c.id, &c.host, &c.due); err != nil {
			return nil, fmt.Errorf("candidates: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	return out, nil
}

// busyHosts counts each host's leases unexpired at now.
func busyHosts(ctx context.Context, prepare preparer, now int64) (map[string]int, error) {
	stmt, err := prepare(ctx, selectBusyHosts)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("leases by host: %w", err)
	}
	defer rows.Close()
	busy := map[string]int{}
	for rows.Next() {
		var host string
		var n int
		if err := rows.Scan(&host, &n); err != nil {
			return nil, fmt.Errorf("leases by host: %w", err)
		}
		busy[host] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("leases by host: %w", err)
	}
	return busy, nil
}
