package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// pruneBatch is how many rows one retention transaction clears: small
// enough that it holds the write lock for milliseconds, not the seconds a
// single UPDATE over a year of items took, so polls keep saving meanwhile.
const pruneBatch = 1000

// The rows to clear are found through the partial indexes on unpruned
// rows (migration 0011), so that a prune with nothing to do reads one
// index page.
const (
	pruneItems = `
UPDATE items SET summary = NULL, content = NULL, author = NULL, category = NULL, pruned = 1
WHERE id IN (SELECT id FROM items WHERE first_seen < $1 AND pruned = 0 LIMIT $2)`
	pruneCopies = `
UPDATE item_sources SET summary = NULL, content = NULL, author = NULL, category = NULL, pruned = 1
WHERE (feed_id, key) IN (SELECT feed_id, key FROM item_sources WHERE first_seen < $1 AND pruned = 0 LIMIT $2)`
)

// Prune removes the text of items and copies first seen before olderThan
// and returns how many items it pruned. Hits stay, and so do titles and
// links, so that old hits can still be listed; only backtests lose the
// text (a backtest leaves out a pruned item whole). It works in batches of
// pruneBatch rows, each its own transaction: an interrupted prune keeps
// what it did, and the next one goes on from there.
func (d *DB) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	var items int64
	for _, q := range []string{pruneItems, pruneCopies} {
		for {
			var n int64
			err := d.tx(ctx, func(tx *sql.Tx) error {
				r, err := tx.ExecContext(ctx, q, olderThan.UnixMilli(), pruneBatch)
				if err != nil {
					return err
				}
				n, err = r.RowsAffected()
				return err
			})
			if err != nil {
				return items, fmt.Errorf("prune items: %w", err)
			}
			if q == pruneItems {
				items += n
			}
			if n < pruneBatch {
				break
			}
		}
	}
	return items, nil
}
