package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Item is a stored article.
type Item struct {
	ID           int64
	CanonicalURL string
	Key          string
	URL          string
	Title        string
	Summary      string
	Content      string
	Author       string
	Category     string
	Outlet       string
	Published    time.Time
	FirstSeen    time.Time
	// Pruned is true once retention removed the item's text.
	Pruned bool
	// Sources lists the configured URLs of the feeds the item was seen in,
	// first one first.
	Sources []string
}

// selectItem reads an item's text from the copy it is shown by (the one
// with its link and title; its text row), or from the item itself for items stored
// before copies kept the only text.
const selectItem = `
SELECT i.id, i.canonical_url, i.key, i.url, COALESCE(i.title, ''),
	COALESCE(i.summary, t.summary, ''), COALESCE(i.content, t.content, ''),
	COALESCE(i.author, t.author, ''), COALESCE(i.category, t.category, ''), i.outlet, i.published, i.first_seen, i.pruned
FROM items i LEFT JOIN item_sources c ON (c.feed_id, c.key) = (
	SELECT s.feed_id, s.key FROM item_sources s WHERE s.item_id = i.id
	ORDER BY s.url = i.url AND s.title IS NOT DISTINCT FROM i.title DESC, s.first_seen, s.feed_id LIMIT 1)
LEFT JOIN copy_texts t ON t.id = c.text_id
WHERE i.id = $1`

const selectItemSources = `
SELECT f.url FROM item_sources s JOIN feeds f ON f.id = s.feed_id
WHERE s.item_id = $1 ORDER BY s.first_seen, f.url`

// Item returns the stored item with the given id, or ErrNotFound.
func (d *DB) Item(ctx context.Context, id int64) (Item, error) {
	var it Item
	var published, firstSeen sql.NullInt64
	err := d.db.QueryRowContext(ctx, selectItem, id).Scan(&it.ID, &it.CanonicalURL, &it.Key, &it.URL,
		&it.Title, &it.Summary, &it.Content, &it.Author, &it.Category, &it.Outlet, &published, &firstSeen, &it.Pruned)
	if err == sql.ErrNoRows {
		return Item{}, fmt.Errorf("item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Item{}, fmt.Errorf("item %d: %w", id, err)
	}
	it.Published, it.FirstSeen = fromMillis(published), fromMillis(firstSeen)
	rows, err := d.db.QueryContext(ctx, selectItemSources, id)
	if err != nil {
		return Item{}, fmt.Errorf("sources of item %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return Item{}, fmt.Errorf("sources of item %d: %w", id, err)
		}
		it.Sources = append(it.Sources, u)
	}
	return it, rows.Err()
}
