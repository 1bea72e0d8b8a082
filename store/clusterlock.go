package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/story"
)

// On SQLite a feed transaction holds the database's write lock, so the
// lookups of clustering and item identity cannot race. On PostgreSQL
// replicas save at the same time, under READ COMMITTED, and two copies of
// one report saved at once would each miss the other and start two
// stories. So, on PostgreSQL only:
//
//   - Before anything else, a feed transaction takes a transaction-level
//     advisory lock (pg_advisory_xact_lock) on every key its copies could
//     share with another copy: the canonical URL, the title hash, each
//     SimHash band (two texts within story.MaxDistance bits share a band),
//     and the feed itself (two saves of one feed see each other's
//     entries). Two copies that may be linked share a lock, so their
//     transactions run one after the other, and each statement of the
//     second one (READ COMMITTED: a snapshot per statement) sees what the
//     first committed. The locks are taken in sorted order, all at once,
//     so key locks never deadlock. They are needed for correctness, not
//     only speed: there is no row to lock for a key no copy has yet.
//   - Every feed transaction first takes one more lock, allKeys, shared;
//     one with more than maxKeyLocks keys takes it exclusive instead of
//     its key locks, so that it runs alone and never fills the server's
//     lock table (max_locks_per_transaction × max_connections slots,
//     6,400 by default, shared by every session).
//   - After finding the stories a copy joins and merges, it locks their
//     rows (SELECT … FOR UPDATE) and reads their starts again: a story
//     another replica merged away in between (its row is gone) means the
//     lookup is repeated; a start that moved is taken into the decision.
//     Every change to a story happens under its row lock.
//
// Row locks taken copy after copy can deadlock between two transactions;
// PostgreSQL then aborts one with 40P01 and SaveFetch runs it again whole
// (saveTogether).

// Bounds of the retries.
const (
	// maxTxAttempts is how many times a feed transaction runs at most
	// when PostgreSQL aborts it for a deadlock or a serialization failure.
	maxTxAttempts = 5
	// maxRelookups is how many times a copy's stories are looked up at
	// most when they keep being merged away under it.
	maxRelookups = 8
	// maxKeyLocks is the most key locks one transaction takes; past it,
	// it takes allKeys exclusive.
	maxKeyLocks = 1024
)

// allKeys is the advisory lock that stands for every key at once.
var allKeys = lockKey("all", "")

// The statements of the key locks: allKeys shared and the keys, sorted,
// or allKeys exclusive.
const (
	lockAllShared = `SELECT pg_advisory_xact_lock_shared($1)`
	lockKeys      = `SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k`
	lockAll       = `SELECT pg_advisory_xact_lock($1)`
)

// lockStories locks story rows, in id order, and reads their starts.
const lockStories = `SELECT id, first_seen FROM stories WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`

// lockCopyKeys takes, in tx, the advisory locks of the keys of every entry
// of fetches.
func lockCopyKeys(ctx context.Context, tx *sql.Tx, fetches []monitor.FeedFetch) error {
	var keys []int64
	for _, f := range fetches {
		if len(f.Items) == 0 {
			continue
		}
		keys = append(keys, lockKey("feed", clean(f.State.URL)))
		for _, it := range f.Items {
			item := cleanItem(it.Item)
			fp := it.Print
			if fp == (story.Fingerprint{}) {
				fp = story.FingerprintOf(item)
			}
			keys = append(keys, copyKeys(item.CanonicalURL, fp)...)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > maxKeyLocks {
		if _, err := tx.ExecContext(ctx, lockAll, allKeys); err != nil {
			return fmt.Errorf("lock every key: %w", err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, lockAllShared, allKeys); err != nil {
		return fmt.Errorf("lock every key, shared: %w", err)
	}
	if _, err := tx.ExecContext(ctx, lockKeys, keys); err != nil {
		return fmt.Errorf("lock the keys of %d entries: %w", len(keys), err)
	}
	return nil
}

// copyKeys returns the lock keys of one entry: what another copy linked to
// it (story.Linked) would share with it.
func copyKeys(canonical string, fp story.Fingerprint) []int64 {
	var out []int64
	if canonical != "" {
		out = append(out, lockKey("url", canonical))
	}
	if fp.Title != 0 {
		out = append(out, lockKey("title", string(binary.BigEndian.AppendUint64(nil, fp.Title))))
	}
	if fp.HasText {
		for i, band := range story.SplitBands(fp.Text) {
			out = append(out, lockKey("band", string(binary.BigEndian.AppendUint64([]byte{byte(i)}, uint64(band)))))
		}
	}
	return out
}

// lockKey hashes one key of a kind to an advisory lock number. Two keys
// that collide only wait for each other needlessly.
func lockKey(kind, value string) int64 {
	h := fnv.New64a()
	h.Write([]byte("storywatch\x00" + kind + "\x00"))
	h.Write([]byte(value))
	return int64(h.Sum64())
}

// lockStories locks the rows of the stories a copy c joins or merges
// (pl.Story and pl.Merged) and places it again with their current starts.
// It returns false when one of them is gone: merged into another story
// since the lookup.
func (st *itemStmts) lockStories(ctx context.Context, c newCopy, cands []story.Copy, pl story.Placement) (story.Placement, bool, error) {
	ids := append([]int64{pl.Story}, pl.Merged...)
	rows, err := st.lockStoriesStmt.QueryContext(ctx, ids)
	if err != nil {
		return pl, false, fmt.Errorf("lock stories %v: %w", ids, err)
	}
	defer rows.Close()
	starts := make(map[int64]time.Time, len(ids))
	for rows.Next() {
		var id, start int64
		if err := rows.Scan(&id, &start); err != nil {
			return pl, false, fmt.Errorf("lock stories %v: %w", ids, err)
		}
		starts[id] = time.UnixMilli(start).UTC()
	}
	if err := rows.Err(); err != nil {
		return pl, false, fmt.Errorf("lock stories %v: %w", ids, err)
	}
	if len(starts) != len(ids) {
		return pl, false, nil
	}
	for i := range cands {
		if s, ok := starts[cands[i].Story]; ok {
			cands[i].StoryStart = s
		}
	}
	return story.Place(c.copy(), cands), true, nil
}
