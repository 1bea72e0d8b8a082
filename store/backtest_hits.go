package store

import (
	"context"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/backtest"
)

// ItemHit is a stored hit on an item whose text is still kept, as a
// backtest compares it with what the current watchlist finds.
type ItemHit = backtest.StoredHit

const selectHitsOfItemsSince = `
SELECT h.item_id, h.watch, h.score, h.backfilled
FROM items i JOIN hits h ON h.item_id = i.id
WHERE i.first_seen >= $1 AND i.pruned = 0 AND h.retracted_at IS NULL
ORDER BY h.item_id, h.watch`

// HitsOfItemsSince returns the stored hits of the items that ItemsSince
// returns for the same time, retracted hits left out.
func (d *DB) HitsOfItemsSince(ctx context.Context, since time.Time) ([]ItemHit, error) {
	rows, err := d.db.QueryContext(ctx, selectHitsOfItemsSince, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("hits of items since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []ItemHit
	for rows.Next() {
		var h ItemHit
		if err := rows.Scan(&h.ItemID, &h.Watch, &h.Score, &h.Backfilled); err != nil {
			return nil, fmt.Errorf("hits of items since %s: %w", since.Format(time.RFC3339), err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hits of items since %s: %w", since.Format(time.RFC3339), err)
	}
	return out, nil
}
