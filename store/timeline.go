package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/storywatch/storywatch/web"
)

const selectTimelineHead = `
SELECT s.id, s.first_seen, s.last_seen, s.copies, COALESCE(lc.title, l.title, ''), COALESCE(lc.url, l.url, ''),
	CASE WHEN lc.feed_id IS NOT NULL THEN lc.published ELSE l.published END
FROM stories s` + leadJoin + `
WHERE s.id = $1`

// The hits of the story's copies, retracted ones left out.
const selectTimelineHits = `
SELECT h.item_id, h.watch, h.score, h.matches, h.found_at, h.backfilled
FROM items i JOIN hits h ON h.item_id = i.id
WHERE i.story_id = $1 AND h.retracted_at IS NULL
ORDER BY h.found_at, h.id
LIMIT $2`

// StoryTimeline returns story id with every copy as each feed carried it,
// the lead first (at most web.MaxCopies), and every hit on its copies.
func (d *DB) StoryTimeline(ctx context.Context, id int64) (web.StoryTimeline, error) {
	var t web.StoryTimeline
	var first, last int64
	var published sql.NullInt64
	err := d.db.QueryRowContext(ctx, selectTimelineHead, id).Scan(&t.ID, &first, &last, &t.CopyCount, &t.Title, &t.URL, &published)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("story %d: %w", id, web.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("story %d: %w", id, err)
	}
	t.FirstSeen, t.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	t.Published = fromMillis(published)
	copies, err := d.storyCopies(ctx, []int64{id})
	if err != nil {
		return t, err
	}
	for i, c := range copies[id] {
		if i == web.MaxCopies {
			break
		}
		t.Copies = append(t.Copies, web.Copy{ItemID: c.ItemID, Lead: i == 0, Title: c.Title, URL: c.URL, Outlet: c.Outlet,
			Feed: c.Feed, FirstSeen: c.FirstSeen, Published: c.Published})
	}
	if t.Hits, err = d.timelineHits(ctx, id); err != nil {
		return t, fmt.Errorf("hits of story %d: %w", id, err)
	}
	return t, nil
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

func (d *DB) timelineHits(ctx context.Context, id int64) ([]web.StoryHit, error) {
	rows, err := d.db.QueryContext(ctx, selectTimelineHits, id, maxStoryHits)
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
		ms, err := decodeMatches(matches)
		if err != nil {
			return nil, fmt.Errorf("decode matches: %w", err)
		}
		h.Matches = ms
		h.FoundAt = time.UnixMilli(found).UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}
