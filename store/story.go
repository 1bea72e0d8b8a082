package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/storywatch/storywatch/story"
)

// Story is a stored story: copies of one report.
type Story struct {
	ID int64
	// Title and URL are the lead copy's: the first by story.Rank.
	Title     string
	URL       string
	FirstSeen time.Time
	// LastSeen is when the latest copy was first seen.
	LastSeen time.Time
	// Copies counts the feed entries that carried the story.
	Copies int
	// Outlets names who published the copies, in story.Rank order.
	Outlets []string
	// Watches lists the watches with a hit on any copy, first found first;
	// retracted hits do not count.
	Watches []string
}

// StoryFilter selects stories. The zero value selects the stories with
// hits.
type StoryFilter struct {
	// Since keeps stories with a copy seen at or after it.
	Since time.Time
	// Watch keeps the stories with a hit of this watch on some copy.
	Watch string
	// All keeps stories without hits too.
	All bool
	// Limit caps the number of stories; 0 means no limit.
	Limit int
}

// leadJoin joins a story s to its lead copy lc and, for stories stored
// before copies kept their text, its lead item l.
const leadJoin = `
LEFT JOIN item_sources lc ON lc.feed_id = s.lead_feed_id AND lc.key = s.lead_key
LEFT JOIN items l ON l.id = s.lead_item_id`

const selectStories = `
SELECT s.id, s.first_seen, s.last_seen, s.copies, COALESCE(lc.title, l.title, ''), COALESCE(lc.url, l.url, '')
FROM stories s` + leadJoin + `
WHERE s.last_seen >= $1
  AND ($2 = '' OR EXISTS (SELECT 1 FROM items i JOIN hits h ON h.item_id = i.id
                         WHERE i.story_id = s.id AND h.watch = $3 AND h.retracted_at IS NULL))
  AND ($4 = 1 OR EXISTS (SELECT 1 FROM items i JOIN hits h ON h.item_id = i.id
                    WHERE i.story_id = s.id AND h.retracted_at IS NULL))
ORDER BY s.first_seen DESC, s.id DESC
LIMIT $5`

// Stories returns the stories selected by filter, newest first, with their
// outlets and watches.
func (d *DB) Stories(ctx context.Context, filter StoryFilter) ([]Story, error) {
	limit := int64(filter.Limit)
	if limit <= 0 {
		limit = noLimit
	}
	rows, err := d.db.QueryContext(ctx, selectStories, millis(filter.Since).Int64, filter.Watch, filter.Watch, flag(filter.All), limit)
	if err != nil {
		return nil, fmt.Errorf("list stories: %w", err)
	}
	var out []Story
	for rows.Next() {
		var s Story
		var first, last int64
		if err := rows.Scan(&s.ID, &first, &last, &s.Copies, &s.Title, &s.URL); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list stories: %w", err)
		}
		s.FirstSeen, s.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list stories: %w", err)
	}
	ids := make([]int64, len(out))
	for i, s := range out {
		ids[i] = s.ID
	}
	outlets, err := d.StoryOutlets(ctx, ids)
	if err != nil {
		return nil, err
	}
	watches, err := d.storyWatches(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Outlets = outlets[out[i].ID]
		out[i].Watches = watches[out[i].ID]
	}
	return out, nil
}

// idChunk bounds the ids bound to one statement, well below SQLite's
// variable limit.
const idChunk = 500

// forChunks runs q (with one %s for the placeholders) over ids in chunks
// and hands every row to scan.
func (d *DB) forChunks(ctx context.Context, q string, ids []int64, scan func(*sql.Rows) error) error {
	for len(ids) > 0 {
		n := min(len(ids), idChunk)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		rows, err := d.db.QueryContext(ctx, fmt.Sprintf(q, placeholders(1, n)), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Copy is one feed entry of a story, as `stories ID` shows it.
type Copy struct {
	ItemID int64
	// Outlet names who published it: the entry's own outlet (an
	// aggregator's source), else the feed's name, title or host.
	Outlet string
	// Feed is the display name of the feed it came from; FeedURL its
	// configured URL.
	Feed      string
	FeedURL   string
	Key       string
	URL       string
	Title     string
	Published time.Time
	FirstSeen time.Time
	// Rank orders the copies of a story, the lead first.
	Rank story.Rank
}

const selectCopiesOfStories = `
SELECT i.story_id, s.item_id, s.outlet, COALESCE(f.name, ''), COALESCE(f.title, ''), COALESCE(f.url, ''), s.key,
	s.url, COALESCE(s.title, ''), s.published, s.first_seen, s.canonical_url
FROM items i JOIN item_sources s ON s.item_id = i.id LEFT JOIN feeds f ON f.id = s.feed_id
WHERE i.story_id IN (%s)`

// storyCopies returns, per story id, its copies in story.Rank order.
func (d *DB) storyCopies(ctx context.Context, storyIDs []int64) (map[int64][]Copy, error) {
	out := map[int64][]Copy{}
	err := d.forChunks(ctx, selectCopiesOfStories, storyIDs, func(rows *sql.Rows) error {
		var id int64
		var c Copy
		var name, title string
		var published sql.NullInt64
		var seen int64
		if err := rows.Scan(&id, &c.ItemID, &c.Outlet, &name, &title, &c.FeedURL, &c.Key, &c.URL, &c.Title,
			&published, &seen, &c.Rank.CanonicalURL); err != nil {
			return err
		}
		c.Published, c.FirstSeen = fromMillis(published), time.UnixMilli(seen).UTC()
		c.Rank.Published, c.Rank.FirstSeen, c.Rank.Feed, c.Rank.Key = c.Published, c.FirstSeen, c.FeedURL, c.Key
		c.Feed = feedName(name, title, c.FeedURL)
		c.Outlet = outletName(c.Outlet, name, title, c.FeedURL)
		out[id] = append(out[id], c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("copies of stories: %w", err)
	}
	for _, cs := range out {
		slices.SortFunc(cs, func(a, b Copy) int { return a.Rank.Compare(b.Rank) })
	}
	return out, nil
}

// StoryOutlets returns, per story id, the distinct outlets of its copies in
// story.Rank order, the lead's first.
func (d *DB) StoryOutlets(ctx context.Context, storyIDs []int64) (map[int64][]string, error) {
	copies, err := d.storyCopies(ctx, storyIDs)
	if err != nil {
		return nil, fmt.Errorf("outlets of stories: %w", err)
	}
	out := map[int64][]string{}
	for id, cs := range copies {
		out[id] = outletsOf(cs)
	}
	return out, nil
}

// outletsOf returns the distinct outlets of copies, in their order.
func outletsOf(copies []Copy) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range copies {
		if k := strings.ToLower(c.Outlet); c.Outlet != "" && !seen[k] {
			seen[k] = true
			out = append(out, c.Outlet)
		}
	}
	return out
}

// outletName picks the name a copy is credited to.
func outletName(outlet, feedName, feedTitle, feedURL string) string {
	for _, s := range []string{outlet, feedName, feedTitle} {
		if s = strings.Join(strings.Fields(s), " "); s != "" {
			return s
		}
	}
	if u, err := url.Parse(feedURL); err == nil {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	return ""
}

const selectStoryWatches = `
SELECT i.story_id, h.watch FROM items i JOIN hits h ON h.item_id = i.id
WHERE i.story_id IN (%s) AND h.retracted_at IS NULL
GROUP BY i.story_id, h.watch
ORDER BY i.story_id, MIN(h.found_at), h.watch`

func (d *DB) storyWatches(ctx context.Context, storyIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	err := d.forChunks(ctx, selectStoryWatches, storyIDs, func(rows *sql.Rows) error {
		var id int64
		var w string
		if err := rows.Scan(&id, &w); err != nil {
			return err
		}
		out[id] = append(out[id], w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("watches of stories: %w", err)
	}
	return out, nil
}

// uniqueIDs returns ids sorted without repeats.
func uniqueIDs(ids []int64) []int64 {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}
