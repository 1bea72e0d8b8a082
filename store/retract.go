package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/storywatch/storywatch/backtest"
)

// Retraction names a stored hit that a backtest no longer finds.
type Retraction = backtest.Retraction

const retractHit = `
UPDATE hits SET retracted_at = $1, retract_reason = $2
WHERE item_id = $3 AND watch = $4 AND retracted_at IS NULL`

// RetractHits retracts the given hits in one transaction, recording when
// and why: a retracted hit stays in the database but is left out of hits,
// stories, the API, the Atom feed, charts and every digest built from now
// on (digests already sent stay as they were). It returns the hits
// retracted per watch; hits retracted already are not counted again.
func (d *DB) RetractHits(ctx context.Context, hits []Retraction, reason string) (map[string]int, error) {
	retracted := map[string]int{}
	now := d.now().UnixMilli()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		clear(retracted)
		stmt, err := tx.PrepareContext(ctx, retractHit)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmt.Close()
		for _, h := range hits {
			r, err := stmt.ExecContext(ctx, now, reason, h.ItemID, h.Watch)
			if err != nil {
				return fmt.Errorf("retract hit %s of item %d: %w", h.Watch, h.ItemID, err)
			}
			if n, _ := r.RowsAffected(); n > 0 {
				retracted[h.Watch]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return retracted, nil
}
