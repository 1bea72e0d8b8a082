package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// pruneBatch is about how many copies (and then items) one retention
// transaction clears: small enough that it holds the write lock for
// milliseconds, not the seconds a single UPDATE over a year of items
// took, so polls keep saving meanwhile.
const pruneBatch = 1000

// Retention walks the copies and the items by first sighting, through
// item_sources_first_seen and items_first_seen, from retention.pruned_before
// (where its last run stopped) to the cutoff, a slice of about pruneBatch
// rows a transaction: a prune with nothing to do reads one row and one
// index entry of each table. Every slice is [from, to) of first
// sightings; to is the first sighting pruneBatch rows after from, so a
// slice holds all the rows of its last millisecond.
const (
	selectPrunedBefore = `SELECT pruned_before FROM retention`
	updatePrunedBefore = `UPDATE retention SET pruned_before = $1 WHERE pruned_before < $1`

	selectCopySliceEnd = `
SELECT first_seen FROM item_sources WHERE first_seen > $1 AND first_seen < $2 ORDER BY first_seen LIMIT 1 OFFSET $3`
	selectItemSliceEnd = `
SELECT first_seen FROM items WHERE first_seen > $1 AND first_seen < $2 ORDER BY first_seen LIMIT 1 OFFSET $3`

	deleteCopyTexts = `
DELETE FROM copy_texts WHERE id IN (
	SELECT text_id FROM item_sources WHERE first_seen >= $1 AND first_seen < $2 AND text_id IS NOT NULL)`
	pruneCopies = `
UPDATE item_sources SET text_id = NULL, pruned = 1 WHERE first_seen >= $1 AND first_seen < $2 AND pruned = 0`
	// Items stored before copies kept their text have text of their own.
	pruneItems = `
UPDATE items SET summary = NULL, content = NULL, author = NULL, category = NULL, pruned = 1
WHERE first_seen >= $1 AND first_seen < $2 AND pruned = 0`
)

// Prune removes the text of items and copies first seen before olderThan
// and returns how many items it pruned. Hits stay, and so do titles and
// links, so that old hits can still be listed; only backtests lose the
// text (a backtest leaves out a pruned item whole). Each slice is its own
// transaction, and retention.pruned_before moves once every slice up to
// olderThan is done: an interrupted prune keeps what it did, and the next
// one goes over its last slices again, finding them done.
func (d *DB) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	cut := olderThan.UnixMilli()
	var from int64
	if err := d.db.QueryRowContext(ctx, selectPrunedBefore).Scan(&from); err != nil {
		return 0, fmt.Errorf("prune items: retention: %w", err)
	}
	if from >= cut {
		return 0, nil
	}
	if _, err := d.pruneSlices(ctx, from, cut, selectCopySliceEnd, deleteCopyTexts, pruneCopies); err != nil {
		return 0, fmt.Errorf("prune copies: %w", err)
	}
	items, err := d.pruneSlices(ctx, from, cut, selectItemSliceEnd, pruneItems)
	if err != nil {
		return items, fmt.Errorf("prune items: %w", err)
	}
	if _, err := d.exec(ctx, updatePrunedBefore, cut); err != nil {
		return items, fmt.Errorf("prune items: retention: %w", err)
	}
	return items, nil
}

// pruneSlices runs stmts over each slice of [from, cut) that the query
// sliceEnd ends, a transaction a slice, and returns how many rows the last
// of them changed in all.
func (d *DB) pruneSlices(ctx context.Context, from, cut int64, sliceEnd string, stmts ...string) (int64, error) {
	var changed int64
	for from < cut {
		to := cut
		err := d.tx(ctx, func(tx *sql.Tx) error {
			switch err := tx.QueryRowContext(ctx, sliceEnd, from, cut, pruneBatch-1).Scan(&to); err {
			case nil, sql.ErrNoRows:
			default:
				return err
			}
			for _, q := range stmts {
				r, err := tx.ExecContext(ctx, q, from, to)
				if err != nil {
					return err
				}
				if q == stmts[len(stmts)-1] {
					n, err := r.RowsAffected()
					if err != nil {
						return err
					}
					changed += n
				}
			}
			return nil
		})
		if err != nil {
			return changed, err
		}
		from = to
	}
	return changed, nil
}
