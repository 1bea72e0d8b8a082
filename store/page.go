package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/web"
)

// The desk's pages (web.PageStore) read stories through the hits of one
// watch, so that a page costs what the watch has, not what the database
// holds.
var _ web.PageStore = (*DB)(nil)

// watchStories are a watch's stories with when the watch first hit each.
const watchStories = `
WITH ws AS (
	SELECT i.story_id AS sid, MIN(h.found_at) AS found
	FROM hits h JOIN items i ON i.id = h.item_id
	WHERE h.watch = $1 AND i.story_id IS NOT NULL AND h.retracted_at IS NULL
	GROUP BY i.story_id
)`

const selectWatchStories = watchStories + `
SELECT s.id, s.first_seen, s.copies, COALESCE(lc.title, l.title, ''), COALESCE(lc.url, l.url, ''),
	CASE WHEN lc.feed_id IS NOT NULL THEN lc.published ELSE l.published END, ws.found
FROM ws JOIN stories s ON s.id = ws.sid` + leadJoin + `
WHERE ws.found >= $2
ORDER BY s.first_seen DESC, s.id DESC
LIMIT $3 OFFSET $4`

const countWatchStories = watchStories + `
SELECT COUNT(*) FROM ws JOIN stories s ON s.id = ws.sid WHERE ws.found >= $2`

// The hits of the listed stories, best first within each story.
const selectStoryBestHits = `
SELECT i.story_id, h.watch, h.score, h.matches
FROM hits h JOIN items i ON i.id = h.item_id
WHERE i.story_id IN (%s) AND h.retracted_at IS NULL
ORDER BY i.story_id, h.score DESC, h.found_at, h.id`

// WatchStories returns one page of the stories of q.Watch, newest first,
// each with its outlets and the watch's best hit on it.
func (d *DB) WatchStories(ctx context.Context, q web.StoryQuery) (web.StoryPage, error) {
	var page web.StoryPage
	limit := int64(q.Limit)
	if limit <= 0 {
		limit = noLimit
	}
	since := millis(q.Since).Int64
	if err := d.db.QueryRowContext(ctx, countWatchStories, q.Watch, since).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("count stories of %s: %w", q.Watch, err)
	}
	rows, err := d.db.QueryContext(ctx, selectWatchStories, q.Watch, since, limit, max(q.Offset, 0))
	if err != nil {
		return page, fmt.Errorf("stories of %s: %w", q.Watch, err)
	}
	var ids []int64
	for rows.Next() {
		var s web.StorySummary
		var first, found int64
		var published sql.NullInt64
		if err := rows.Scan(&s.ID, &first, &s.Copies, &s.Title, &s.URL, &published, &found); err != nil {
			rows.Close()
			return page, fmt.Errorf("stories of %s: %w", q.Watch, err)
		}
		s.FirstSeen, s.Published, s.Found = time.UnixMilli(first).UTC(), fromMillis(published), time.UnixMilli(found).UTC()
		page.Stories = append(page.Stories, s)
		ids = append(ids, s.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("stories of %s: %w", q.Watch, err)
	}
	if err := d.fillWatchStories(ctx, q.Watch, page.Stories, ids); err != nil {
		return page, fmt.Errorf("stories of %s: %w", q.Watch, err)
	}
	return page, nil
}

// fillWatchStories adds the outlets and the watch's best hit to stories.
func (d *DB) fillWatchStories(ctx context.Context, watch string, stories []web.StorySummary, ids []int64) error {
	outlets, err := d.StoryOutlets(ctx, ids)
	if err != nil {
		return err
	}
	index := make(map[int64]int, len(stories))
	for i, s := range stories {
		index[s.ID] = i
		stories[i].Outlets = outlets[s.ID]
	}
	return d.forChunks(ctx, selectStoryBestHits, ids, func(rows *sql.Rows) error {
		var id int64
		var w, matches string
		var score int
		if err := rows.Scan(&id, &w, &score, &matches); err != nil {
			return err
		}
		s := &stories[index[id]]
		if w != watch || s.Matches != nil {
			return nil
		}
		s.Score = score
		ms, err := decodeMatches(matches)
		if err != nil {
			return fmt.Errorf("story %d: decode matches: %w", id, err)
		}
		s.Matches = ms
		if s.Matches == nil {
			s.Matches = []match.Match{}
		}
		return nil
	})
}
