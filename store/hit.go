package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/storywatch/storywatch/match"
)

// Hit is a stored hit with what is needed to show it.
type Hit struct {
	ID      int64
	ItemID  int64
	Watch   string
	Score   int
	Matches []match.Match
	FoundAt time.Time
	// Backfilled marks hits found by a backtest rather than a poll.
	Backfilled bool
	ItemURL    string
	Title      string
	Published  time.Time
	// Feed is the display name of the first feed the item was seen in.
	Feed string
	// Outlet is the publisher named by an aggregating feed, if any.
	Outlet string
	// Story is the id of the item's story (decimal).
	Story string
	// Outlets names who published the copies of the story, first seen
	// first.
	Outlets []string
}

// HitFilter selects hits. The zero value selects every hit.
type HitFilter struct {
	// Since keeps hits found at or after it.
	Since time.Time
	// Watch keeps the hits of one watch id.
	Watch string
	// Limit caps the number of hits; 0 means no limit.
	Limit int
}

const selectHits = `
SELECT h.id, h.item_id, h.watch, h.score, h.matches, h.found_at, h.backfilled,
	i.url, COALESCE(i.title, ''), i.published, i.outlet, COALESCE(i.story_id, 0),
	COALESCE((SELECT COALESCE(NULLIF(f.name, ''), NULLIF(f.title, ''), f.url)
		FROM item_sources s JOIN feeds f ON f.id = s.feed_id
		WHERE s.item_id = i.id ORDER BY s.first_seen, f.id LIMIT 1), '')
FROM hits h JOIN items i ON i.id = h.item_id
WHERE h.found_at >= ? AND (? = '' OR h.watch = ?)
ORDER BY h.found_at DESC, h.id DESC
LIMIT ?`

// Hits returns the hits selected by filter, newest first.
func (d *DB) Hits(ctx context.Context, filter HitFilter) ([]Hit, error) {
	limit := int64(filter.Limit)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var since int64
	if !filter.Since.IsZero() {
		since = filter.Since.UnixMilli()
	}
	rows, err := d.db.QueryContext(ctx, selectHits, since, filter.Watch, filter.Watch, limit)
	if err != nil {
		return nil, fmt.Errorf("list hits: %w", err)
	}
	defer rows.Close()
	var hits []Hit
	var storyIDs []int64
	for rows.Next() {
		var h Hit
		var storyID int64
		var matches string
		var foundAt, published sql.NullInt64
		if err := rows.Scan(&h.ID, &h.ItemID, &h.Watch, &h.Score, &matches, &foundAt, &h.Backfilled,
			&h.ItemURL, &h.Title, &published, &h.Outlet, &storyID, &h.Feed); err != nil {
			return nil, fmt.Errorf("list hits: %w", err)
		}
		if err := json.Unmarshal([]byte(matches), &h.Matches); err != nil {
			return nil, fmt.Errorf("hit %d: decode matches: %w", h.ID, err)
		}
		h.FoundAt, h.Published = fromMillis(foundAt), fromMillis(published)
		if storyID != 0 {
			h.Story = strconv.FormatInt(storyID, 10)
			storyIDs = append(storyIDs, storyID)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list hits: %w", err)
	}
	rows.Close()
	outlets, err := d.StoryOutlets(ctx, uniqueIDs(storyIDs))
	if err != nil {
		return nil, fmt.Errorf("list hits: %w", err)
	}
	for i := range hits {
		if id, err := strconv.ParseInt(hits[i].Story, 10, 64); err == nil {
			hits[i].Outlets = outlets[id]
		}
	}
	return hits, nil
}
