package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/storywatch/storywatch/backtest"
)

var (
	_ backtest.Store     = (*DB)(nil)
	_ backtest.Writer    = (*DB)(nil)
	_ backtest.Retracter = (*DB)(nil)
)

// BacktestItem is a stored item whose text is still kept, with the text of
// each of its copies, as a backtest matches it.
type BacktestItem = backtest.Item

// BacktestCopy is one feed entry of a BacktestItem.
type BacktestCopy = backtest.Copy

const selectItemsSince = `
SELECT i.id, COALESCE(i.story_id, 0), i.first_seen, COALESCE(i.title, ''), i.url, s.feed_id, s.key, f.url, s.first_seen, s.published,
	s.canonical_url, s.held_back, s.text_kept, COALESCE(s.title, ''), COALESCE(t.summary, ''), COALESCE(t.content, ''),
	COALESCE(t.author, ''), COALESCE(t.category, ''), s.url
FROM items i JOIN item_sources s ON s.item_id = i.id JOIN feeds f ON f.id = s.feed_id
LEFT JOIN copy_texts t ON t.id = s.text_id
WHERE i.first_seen >= $1 AND i.pruned = 0
ORDER BY i.first_seen, i.id`

// ItemsSince returns the items first seen at or after since whose text
// retention has not yet removed, oldest first, with their copies.
func (d *DB) ItemsSince(ctx context.Context, since time.Time) ([]BacktestItem, error) {
	rows, err := d.db.QueryContext(ctx, selectItemsSince, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("items since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var items []BacktestItem
	for rows.Next() {
		var it BacktestItem
		var c BacktestCopy
		var firstSeen, copySeen int64
		var published sql.NullInt64
		var kept bool
		if err := rows.Scan(&it.ID, &it.StoryID, &firstSeen, &it.Title, &it.URL, &c.FeedID, &c.Key, &c.Rank.Feed, &copySeen, &published,
			&c.Rank.CanonicalURL, &c.HeldBack, &kept, &c.Doc.Title, &c.Doc.Summary, &c.Doc.Content,
			&c.Doc.Author, &c.Doc.Category, &c.Doc.URL); err != nil {
			return nil, fmt.Errorf("items since %s: %w", since.Format(time.RFC3339), err)
		}
		c.Rank.Key, c.Rank.Published, c.Rank.FirstSeen = c.Key, fromMillis(published), time.UnixMilli(copySeen).UTC()
		if n := len(items); n == 0 || items[n-1].ID != it.ID {
			it.FirstSeen = time.UnixMilli(firstSeen).UTC()
			items = append(items, it)
		}
		last := &items[len(items)-1]
		if !kept {
			last.Unchecked = true
			continue
		}
		last.Copies = append(last.Copies, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("items since %s: %w", since.Format(time.RFC3339), err)
	}
	for i := range items {
		sortCopies(items[i].Copies)
	}
	return items, nil
}

// BackfilledHit is a hit that a backtest found for a stored item, in the
// text of one of its copies.
type BackfilledHit = backtest.Hit

// AddBackfilledHits stores hits found by a backtest, in one transaction,
// marked backfilled so that instant digests leave them out. An item that
// already has a hit for the watch keeps it; a retracted one comes back
// with the new evidence. It returns the new hits per watch.
func (d *DB) AddBackfilledHits(ctx context.Context, hits []BackfilledHit) (map[string]int, error) {
	added := map[string]int{}
	now := d.now()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		clear(added)
		hs, err := prepareHitStmts(ctx, d.stmts.in(tx))
		if err != nil {
			return err
		}
		defer hs.close()
		for _, h := range hits {
			isNew, err := hs.write(ctx, hitWrite{itemID: h.ItemID, hit: h.Hit, feedID: h.FeedID, key: h.Key,
				rank: h.Rank, backfilled: true}, now)
			if err != nil {
				return fmt.Errorf("save backfilled hit %s of item %d: %w", h.Hit.Watch, h.ItemID, err)
			}
			if isNew {
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

// sortCopies puts copies in story.Rank order.
func sortCopies(cs []BacktestCopy) {
	slices.SortFunc(cs, func(a, b BacktestCopy) int { return a.Rank.Compare(b.Rank) })
}
