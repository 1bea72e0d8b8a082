package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/story"
)

const selectSourceItem = `SELECT item_id FROM item_sources WHERE feed_id = ? AND key = ?`

// insertItem gives the id explicitly: the id of the story a new item leads
// is its own, known before the insert (story.go).
const insertItem = `
INSERT INTO items (id, canonical_url, key, url, title, summary, content, author, category, outlet, published, first_seen,
	held_back, story_id, title_hash, simhash, band0, band1, band2, band3)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// selectItemsByCanonical lists the latest items of the story window with
// a new item's canonical URL: whether each came from the same feed, its
// fingerprint, and its story if that story began within the window. The
// first that came from another feed is the article the new item is a copy
// of; so is one from the same feed with the same title or text (a feed
// that changed the item's GUID). Other entries of the same feed are items
// of their own (live-blog entries, a reused "latest" link), in the same
// story. Only the latest few are read, so that a feed repeating one link
// ten thousand times stays linear. The test against the empty URL lets
// SQLite use the partial index with a bound parameter.
const selectItemsByCanonical = `
SELECT i.id, EXISTS (SELECT 1 FROM item_sources s WHERE s.item_id = i.id AND s.feed_id = ?),
	i.title_hash, i.simhash, CASE WHEN st.first_seen >= ? THEN st.id END
FROM items i LEFT JOIN stories st ON st.id = i.story_id
WHERE i.canonical_url = ? AND i.canonical_url <> '' AND i.first_seen >= ?
ORDER BY i.first_seen DESC LIMIT 16`

const insertSource = `
INSERT INTO item_sources (feed_id, key, item_id, first_seen) VALUES (?, ?, ?, ?)
ON CONFLICT (feed_id, key) DO NOTHING`

const insertHit = `
INSERT INTO hits (item_id, watch, score, matches, found_at, backfilled) VALUES (?, ?, ?, ?, ?, 0)
ON CONFLICT (item_id, watch) DO NOTHING
RETURNING id`

const addFeedItemCount = `UPDATE feeds SET item_count = item_count + ? WHERE id = ?`

// SaveFetch writes one fetch of one feed in a single transaction: the feed's
// new state, its new items (an item whose canonical URL was stored from
// another feed within the story window gains a source instead of a copy),
// and their hits (at most one per item
// and watch). Items already recorded for this feed are skipped, so saving
// the same fetch twice adds nothing the second time.
func (d *DB) SaveFetch(ctx context.Context, f monitor.FeedFetch) (monitor.Saved, error) {
	saved := monitor.Saved{HitsByWatch: map[string]int{}}
	now := d.now()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		saved = monitor.Saved{HitsByWatch: map[string]int{}}
		feedID, err := saveFeedState(ctx, tx, f.Name, f.State)
		if err != nil {
			return err
		}
		if len(f.Items) == 0 {
			return nil
		}
		st, err := prepareItemStmts(ctx, tx)
		if err != nil {
			return err
		}
		defer st.close()
		for _, it := range f.Items {
			n, err := st.saveItem(ctx, feedID, it, now)
			if err != nil {
				return fmt.Errorf("save item %q of %s: %w", it.Key, f.State.URL, err)
			}
			saved.Items += n.items
			saved.Sources += n.sources
			saved.Stories += n.stories
			for _, w := range n.hits {
				saved.Hits++
				saved.HitsByWatch[w]++
			}
		}
		if saved.Sources > 0 {
			if _, err := tx.ExecContext(ctx, addFeedItemCount, saved.Sources, feedID); err != nil {
				return fmt.Errorf("count items of %s: %w", f.State.URL, err)
			}
		}
		return nil
	})
	if err != nil {
		return monitor.Saved{}, err
	}
	return saved, nil
}

type itemSaved struct {
	items, sources, stories int
	hits                    []string
}

// itemStmts are the statements saveItem runs, prepared once per
// transaction: parsing SQL per item was a third of a cycle's CPU.
type itemStmts struct {
	source, item, byCanonical, insertSource, hit *sql.Stmt
	story                                        *storyStmts
}

func prepareItemStmts(ctx context.Context, tx *sql.Tx) (*itemStmts, error) {
	st := &itemStmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{{&st.source, selectSourceItem}, {&st.item, insertItem}, {&st.byCanonical, selectItemsByCanonical},
		{&st.insertSource, insertSource}, {&st.hit, insertHit}} {
		s, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*p.dst = s
	}
	stories, err := prepareStoryStmts(ctx, tx)
	if err != nil {
		st.close()
		return nil, err
	}
	st.story = stories
	return st, nil
}

func (st *itemStmts) close() {
	for _, s := range []*sql.Stmt{st.source, st.item, st.byCanonical, st.insertSource, st.hit} {
		if s != nil {
			s.Close()
		}
	}
	if st.story != nil {
		st.story.close()
	}
}

func (st *itemStmts) saveItem(ctx context.Context, feedID int64, it monitor.NewItem, now time.Time) (itemSaved, error) {
	var res itemSaved
	// Seen already (by a concurrent or interrupted run): nothing to do. The
	// transaction holds the write lock, so this check cannot race.
	var existing int64
	switch err := st.source.QueryRowContext(ctx, feedID, it.Key).Scan(&existing); err {
	case nil:
		return res, nil
	case sql.ErrNoRows:
	default:
		return res, err
	}

	fp := it.Print
	if fp == (story.Fingerprint{}) {
		fp = story.FingerprintOf(it.Item)
	}
	// The same article already stored gains a source.
	itemID, pageStory, err := st.findByCanonical(ctx, feedID, it.CanonicalURL, fp, now)
	if err != nil {
		return res, fmt.Errorf("find item %s: %w", it.CanonicalURL, err)
	}
	if itemID == 0 {
		// A new item: its story is found before it is stored (story.go).
		pl, err := st.story.place(ctx, pageStory, fp, now)
		if err != nil {
			return res, err
		}
		if _, err := st.item.ExecContext(ctx, append([]any{pl.itemID, it.CanonicalURL, it.Key, it.URL,
			it.Title, it.Summary, it.Content, it.Author, it.Category, it.Outlet,
			millis(it.Published), now.UnixMilli(), it.HeldBack}, pl.columns()...)...); err != nil {
			return res, err
		}
		itemID = pl.itemID
		res.items = 1
		if err := st.story.commit(ctx, pl, now); err != nil {
			return res, err
		}
		if pl.isNew {
			res.stories = 1
		}
	}

	r, err := st.insertSource.ExecContext(ctx, feedID, it.Key, itemID, now.UnixMilli())
	if err != nil {
		return res, err
	}
	if n, _ := r.RowsAffected(); n > 0 {
		res.sources = 1
		if res.items == 0 {
			// A known article in one more feed: its story has news.
			if _, err := st.story.touch.ExecContext(ctx, now.UnixMilli(), itemID); err != nil {
				return res, fmt.Errorf("touch story of item %d: %w", itemID, err)
			}
		}
	}

	for _, h := range it.Hits {
		matches, err := json.Marshal(h.Matches)
		if err != nil {
			return res, fmt.Errorf("encode matches: %w", err)
		}
		var hitID int64
		err = st.hit.QueryRowContext(ctx, itemID, h.Watch, h.Score, string(matches), now.UnixMilli()).Scan(&hitID)
		switch err {
		case nil:
			res.hits = append(res.hits, h.Watch)
		case sql.ErrNoRows: // this item already has a hit for the watch
		default:
			return res, fmt.Errorf("save hit %s: %w", h.Watch, err)
		}
	}
	return res, nil
}

// findByCanonical returns the item a new item with the canonical URL is a
// copy of (seen in another feed within the story window, or in this feed
// with the same title or text), or else the story of another entry of the
// same page in this feed that began within the window; zeros when neither.
func (st *itemStmts) findByCanonical(ctx context.Context, feedID int64, canonical string, fp story.Fingerprint, now time.Time) (itemID, storyID int64, err error) {
	if canonical == "" {
		return 0, 0, nil
	}
	cutoff := now.Add(-story.Window).UnixMilli()
	rows, err := st.byCanonical.QueryContext(ctx, feedID, cutoff, canonical, cutoff)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sameFeed bool
		var title, text, page sql.NullInt64
		if err := rows.Scan(&id, &sameFeed, &title, &text, &page); err != nil {
			return 0, 0, err
		}
		if !sameFeed || story.SameReport(fp, storedPrint(title, text)) {
			return id, 0, nil
		}
		if storyID == 0 {
			storyID = page.Int64
		}
	}
	return 0, storyID, rows.Err()
}

// storedPrint is the fingerprint of a stored item, from its title_hash and
// simhash columns (NULL when the item was too short to have them).
func storedPrint(title, text sql.NullInt64) story.Fingerprint {
	return story.Fingerprint{Title: uint64(title.Int64), Text: uint64(text.Int64), HasText: text.Valid}
}

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

const selectItem = `
SELECT id, canonical_url, key, url, COALESCE(title, ''), COALESCE(summary, ''), COALESCE(content, ''),
	COALESCE(author, ''), COALESCE(category, ''), outlet, published, first_seen, pruned
FROM items WHERE id = ?`

const selectItemSources = `
SELECT f.url FROM item_sources s JOIN feeds f ON f.id = s.feed_id
WHERE s.item_id = ? ORDER BY s.first_seen, f.id`

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

const pruneItems = `
UPDATE items SET summary = NULL, content = NULL, author = NULL, category = NULL, pruned = 1
WHERE first_seen < ? AND pruned = 0`

// Prune removes the text of items first seen before olderThan and returns
// how many items it pruned. Hits stay, and so do each item's title and
// link, so that old hits can still be listed; only backtests lose the
// items' text.
func (d *DB) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	r, err := d.db.ExecContext(ctx, pruneItems, olderThan.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("prune items: %w", err)
	}
	n, _ := r.RowsAffected()
	return n, nil
}
