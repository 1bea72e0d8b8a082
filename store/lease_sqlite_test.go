package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store/storetest"
)

// SQLite's claim chooses in Go what claimFeedsSQL's one statement
// chooses: on random states of feeds (ties of due times, backoffs, leases
// unexpired, expired or none, hosts at their limit), random candidates
// and limits, both lease the same feeds.
func TestClaimSQLiteChoosesAsTheStatement(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "the SQLite claim")
	db, _ := testDB(t)
	ctx := context.Background()
	hosts := []string{"a.example", "b.example", "c.example", "d.example", ""}
	ids, _ := registerLeaseFeeds(t, db, hosts[:4], 10)
	r := rand.New(rand.NewPCG(1, 2))
	now := t0.UnixMilli()
	pick := func(vals ...any) any { return vals[r.IntN(len(vals))] }
	for round := range 300 {
		for _, id := range ids {
			if _, err := db.db.ExecContext(ctx, `UPDATE feeds SET poll_host = $1, next_poll = $2, next_attempt = $3, lease_until = $4 WHERE id = $5`,
				hosts[r.IntN(len(hosts))], pick(nil, now-2000, now-1000, now, now+1000),
				pick(nil, nil, now-1, now+1), pick(nil, nil, now-1, now, now+5000), id); err != nil {
				t.Fatal(err)
			}
		}
		cands := slices.Clone(ids)
		r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
		q := claimQuery{owner: "o", ids: idList(cands[:1+r.IntN(len(cands))]), dueBy: now + int64(r.IntN(3)-1)*1000,
			backoffNow: now, now: now, until: now + 60_000, perHost: 1 + r.IntN(3), limit: 1 + r.IntN(12)}
		want := claimIn(t, db, func(tx *sql.Tx) ([]monitor.Claimed, error) {
			return scanClaims(tx.QueryContext(ctx, claimFeedsSQL(false), q.owner, q.until, q.ids, q.dueBy, q.backoffNow,
				q.now, q.perHost, q.limit))
		})
		got := claimIn(t, db, func(tx *sql.Tx) ([]monitor.Claimed, error) {
			return claimSQLite(ctx, db.stmts.in(tx), q)
		})
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("round %d, claim %+v: leased %v, the statement leases %v", round, q, got, want)
		}
	}
}

// claimIn runs claim in a transaction it rolls back and returns the feeds
// leased, with their tokens and lease ends, in id order.
func claimIn(t *testing.T, db *DB, claim func(*sql.Tx) ([]monitor.Claimed, error)) []string {
	t.Helper()
	tx, err := db.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	got, err := claim(tx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(got))
	for i, c := range got {
		out[i] = fmt.Sprintf("%d:%d@%d", c.Lease.FeedID, c.Lease.Token, c.Lease.Until.UnixMilli())
	}
	slices.Sort(out)
	return out
}
