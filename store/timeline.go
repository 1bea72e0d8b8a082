package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/storywatch/storywatch/web"
)

const selectStoryHead = `
SELECT s.id, s.lead_item_id, s.first_seen, s.last_seen,
	(SELECT COUNT(*) FROM items i JOIN item_sources src ON src.item_id = i.id WHERE i.story_id = s.id),
	COALESCE(l.title, ''), l.url, l.published
FROM stories s JOIN items l ON l.id = s.lead_item_id
WHERE s.id = ?`

// Every sighting of the story's items: one row per feed that carried each.
const selectStoryCopies = `
SELECT i.id, COALESCE(i.title, ''), i.url, i.outlet, i.published, COALESCE(src.first_seen, i.first_seen),
	COALESCE(f.name, ''), COALESCE(f.title, ''), COALESCE(f.url, '')
FROM items i LEFT JOIN item_sources src ON src.item_id = i.id LEFT JOIN feeds f ON f.id = src.feed_id
WHERE i.story_id = ?
ORDER BY COALESCE(src.first_seen, i.first_seen), i.id, src.feed_id
LIMIT ?`

const selectStoryHits = `
SELECT h.item_id, h.watch, h.score, h.matches, h.found_at, h.backfilled
FROM items i JOIN hits h ON h.item_id = i.id
WHERE i.story_id = ?
ORDER BY h.found_at, h.id
LIMIT ?`

// StoryTimeline returns story id with every copy as each feed carried it
// (at most web.MaxCopies) and every hit on its copies.
func (d *DB) StoryTimeline(ctx context.Context, id int64) (web.StoryTimeline, error) {
	var t web.StoryTimeline
	var lead, first, last int64
	var published sql.NullInt64
	err := d.db.QueryRowContext(ctx, selectStoryHead, id).Scan(&t.ID, &lead, &first, &last, &t.CopyCount, &t.Title, &t.URL, &published)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("story %d: %w", id, web.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("story %d: %w", id, err)
	}
	t.FirstSeen, t.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	t.Published = fromMillis(published)
	if t.Copies, err = d.storyCopies(ctx, id, lead); err != nil {
		return t, fmt.Errorf("copies of story %d: %w", id, err)
	}
	if t.Hits, err = d.storyHits(ctx, id); err != nil {
		return t, fmt.Errorf("hits of story %d: %w", id, err)
	}
	return t, nil
}

func (d *DB) storyCopies(ctx context.Context, id, lead int64) ([]web.Copy, error) {
	rows, err := d.db.QueryContext(ctx, selectStoryCopies, id, web.MaxCopies)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []web.Copy
	for rows.Next() {
		var c web.Copy
		var outlet, name, title, feedURL string
		var published sql.NullInt64
		var seen int64
		if err := rows.Scan(&c.ItemID, &c.Title, &c.URL, &outlet, &published, &seen, &name, &title, &feedURL); err != nil {
			return nil, err
		}
		c.Lead = c.ItemID == lead
		c.Published, c.FirstSeen = fromMillis(published), time.UnixMilli(seen).UTC()
		c.Outlet = outletName(outlet, name, title, feedURL)
		c.Feed = feedName(name, title, feedURL)
		out = append(out, c)
	}
	return out, rows.Err()
}

// feedName is how a feed is named to a reader: its configured name, else
// its own title, else its host.
func feedName(name, title, feedURL string) string {
	for _, s := range []string{name, title} {
		if s = strings.Join(strings.Fields(s), " "); s != "" {
			return s
		}
	}
	if u, err := url.Parse(feedURL); err == nil && u.Host != "" {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	return feedURL
}

// maxStoryHits bounds the hits a timeline lists.
const maxStoryHits = 1000

func (d *DB) storyHits(ctx context.Context, id int64) ([]web.StoryHit, error) {
	rows, err := d.db.QueryContext(ctx, selectStoryHits, id, maxStoryHits)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []web.StoryHit
	for rows.Next() {
		var h web.StoryHit
		var matches string
		var found int64
		if err := rows.Scan(&h.ItemID, &h.Watch, &h.Score, &matches, &found, &h.Backfilled); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(matches), &h.Matches); err != nil {
			return nil, fmt.Errorf("decode matches: %w", err)
		}
		h.FoundAt = time.UnixMilli(found).UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}
