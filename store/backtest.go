package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/backtest"
)

var (
	_ backtest.Store  = (*DB)(nil)
	_ backtest.Writer = (*DB)(nil)
)

// BacktestItem is a stored item whose text is still kept, as a backtest
// matches it.
type BacktestItem = backtest.Item

const selectItemsSince = `
SELECT id, COALESCE(story_id, 0), first_seen, published, held_back, COALESCE(title, ''), COALESCE(summary, ''), COALESCE(content, ''),
	COALESCE(author, ''), COALESCE(category, ''), url
FROM items WHERE first_seen >= ? AND pruned = 0
ORDER BY first_seen, id`

// ItemsSince returns the items first seen at or after since whose text
// retention has not yet removed, oldest first.
func (d *DB) ItemsSince(ctx context.Context, since time.Time) ([]BacktestItem, error) {
	rows, err := d.db.QueryContext(ctx, selectItemsSince, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("items since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var items []BacktestItem
	for rows.Next() {
		var it BacktestItem
		var firstSeen, published sql.NullInt64
		if err := rows.Scan(&it.ID, &it.StoryID, &firstSeen, &published, &it.HeldBack, &it.Doc.Title, &it.Doc.Summary, &it.Doc.Content,
			&it.Doc.Author, &it.Doc.Category, &it.Doc.URL); err != nil {
			return nil, fmt.Errorf("items since %s: %w", since.Format(time.RFC3339), err)
		}
		it.FirstSeen, it.Published = fromMillis(firstSeen), fromMillis(published)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("items since %s: %w", since.Format(time.RFC3339), err)
	}
	return items, nil
}

// BackfilledHit is a hit that a backtest found for a stored item.
type BackfilledHit = backtest.Hit

const insertBackfilledHit = `
INSERT INTO hits (item_id, watch, score, matches, found_at, backfilled) VALUES (?, ?, ?, ?, ?, 1)
ON CONFLICT (item_id, watch) DO NOTHING`

// AddBackfilledHits stores hits found by a backtest, in one transaction,
// marked backfilled so that instant digests leave them out. An item that
// already has a hit for the watch keeps it. It returns the new hits per
// watch.
func (d *DB) AddBackfilledHits(ctx context.Context, hits []BackfilledHit) (map[string]int, error) {
	added := map[string]int{}
	now := d.now().UnixMilli()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		clear(added)
		for _, h := range hits {
			matches, err := json.Marshal(h.Hit.Matches)
			if err != nil {
				return fmt.Errorf("encode matches: %w", err)
			}
			r, err := tx.ExecContext(ctx, insertBackfilledHit, h.ItemID, h.Hit.Watch, h.Hit.Score, string(matches), now)
			if err != nil {
				return fmt.Errorf("save backfilled hit %s of item %d: %w", h.Hit.Watch, h.ItemID, err)
			}
			if n, _ := r.RowsAffected(); n > 0 {
				added[h.Hit.Watch]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}
