package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/story"
)

// A copy is one feed's entry for an article: an item_sources row with the
// text that feed gave (docs/stories.md). An article seen in several feeds
// is one item with several copies; each copy is matched on its own text,
// by the poll and by every backtest alike.

const insertCopy = `
INSERT INTO item_sources (feed_id, key, item_id, first_seen, story_id, canonical_url, url, title,
	outlet, published, held_back, text_id, pruned, title_hash, simhash, band0, band1, band2, band3)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`

// A copy's text (what retention removes) is a row of copy_texts: SQLite
// gives it the next rowid, PostgreSQL the next value of its sequence.
const (
	insertText         = `INSERT INTO copy_texts (summary, content, author, category) VALUES ($1, $2, $3, $4)`
	insertTextReturnID = insertText + ` RETURNING id`
)

// newCopy is a feed entry being saved, with its story keys.
type newCopy struct {
	feedID  int64
	feedURL string
	item    monitor.NewItem
	print   story.Fingerprint
	seen    time.Time
}

// copy returns the entry as the clustering decision sees it.
func (c newCopy) copy() story.Copy {
	return story.Copy{Feed: c.feedID, CanonicalURL: c.item.CanonicalURL, FirstSeen: c.seen,
		Title: c.print.Title, Text: c.print.Text, HasText: c.print.HasText}
}

// rank returns the entry's place among the copies of its story, with its
// times to the millisecond, as stored.
func (c newCopy) rank() story.Rank {
	return story.Rank{Published: fromMillis(millis(c.item.Published)), FirstSeen: c.seen,
		CanonicalURL: c.item.CanonicalURL, Feed: c.feedURL, Key: c.item.Key}
}

// insert stores the entry as a copy of item itemID in story storyID, its
// text in copy_texts unless it has none or retention is past it already
// (a clock set back); rep makes it a representative of its text, with
// bands (cluster.go).
func (c newCopy) insert(ctx context.Context, st *itemStmts, itemID, storyID int64, rep bool) error {
	it := c.item
	var textID sql.NullInt64
	pruned := st.pastRetention(c.seen)
	if !pruned && (it.Summary != "" || it.Content != "" || it.Author != "" || it.Category != "") {
		id, err := st.insertText(ctx, it.Item)
		if err != nil {
			return fmt.Errorf("insert text of copy: %w", err)
		}
		textID = sql.NullInt64{Int64: id, Valid: true}
	}
	// The arguments go in st's array, reused by every copy.
	args := &st.copyArgs
	*args = [copyColumns]any{c.feedID, it.Key, itemID, c.seen.UnixMilli(), storyID, it.CanonicalURL, it.URL,
		it.Title, it.Outlet, millis(it.Published), flag(it.HeldBack), textID, flag(pruned)}
	cols := args[copyColumns-2-story.Bands:]
	printColumns(cols, c.print)
	if !rep {
		clear(cols[2:])
	}
	_, err := st.copyInsert.ExecContext(ctx, args[:]...)
	clear(args[:])
	if err != nil {
		return fmt.Errorf("insert copy: %w", err)
	}
	return nil
}

// copyColumns is the number of values of insertCopy.
const copyColumns = 19

// insertText stores the text of a copy and returns its id.
func (st *itemStmts) insertText(ctx context.Context, it feed.Item) (int64, error) {
	if st.textReturnID != nil {
		var id int64
		err := st.textReturnID.QueryRowContext(ctx, it.Summary, it.Content, it.Author, it.Category).Scan(&id)
		return id, err
	}
	r, err := st.text.ExecContext(ctx, it.Summary, it.Content, it.Author, it.Category)
	if err != nil {
		return 0, err
	}
	return r.LastInsertId()
}

// cleanItem returns a feed entry without NUL characters (clean), as both
// engines store it. Its key is cleaned alike wherever it is looked up.
func cleanItem(it feed.Item) feed.Item {
	for _, s := range []*string{&it.Key, &it.GUID, &it.URL, &it.CanonicalURL, &it.Title, &it.Summary,
		&it.Content, &it.Author, &it.Category, &it.Outlet} {
		*s = clean(*s)
	}
	return it
}

// cleanState returns a feed's state without NUL characters (clean).
func cleanState(s monitor.FeedState) monitor.FeedState {
	for _, p := range []*string{&s.URL, &s.FetchURL, &s.Title, &s.ETag, &s.LastModified, &s.LastError,
		&s.PollReason, &s.Hub, &s.Self, &s.FeedHint.Source} {
		*p = clean(*p)
	}
	return s
}

// printColumns writes to cols the values of the title_hash, simhash and
// band columns of a fingerprint (NULL, as cols holds, where it has no key).
func printColumns(cols []any, fp story.Fingerprint) {
	if fp.Title != 0 {
		cols[0] = int64(fp.Title)
	}
	if fp.HasText {
		cols[1] = int64(fp.Text)
		for i, band := range story.SplitBands(fp.Text) {
			cols[2+i] = int64(band)
		}
	}
}

// selectSameFeedPage lists the latest copies of the window from the same
// feed with the same canonical URL: a feed that gave the same report a new
// GUID has the same title or text (sameText). The test against the empty
// URL lets SQLite use the partial index with a bound parameter.
const selectSameFeedPage = `
SELECT s.item_id, s.story_id, s.first_seen, st.first_seen, s.title_hash, s.simhash
FROM item_sources s JOIN stories st ON st.id = s.story_id
WHERE s.canonical_url = $1 AND s.canonical_url <> '' AND s.feed_id = $2 AND s.first_seen BETWEEN $3 AND $4
ORDER BY s.first_seen DESC LIMIT 16`

// findItem returns the item a new entry is a copy of: the article with its
// canonical URL in another feed within the window (the latest, among
// others, given in other, which the story lookup read already), else one
// of this feed with the same title or text. It returns the copy it matched
// (as a candidate for the story decision) and 0 when the entry is a new
// article.
func (st *itemStmts) findItem(ctx context.Context, c newCopy, other []linkedCopy) (int64, story.Copy, error) {
	var best *linkedCopy
	for i := range other {
		o := &other[i]
		if best == nil || o.copy.FirstSeen.After(best.copy.FirstSeen) ||
			(o.copy.FirstSeen.Equal(best.copy.FirstSeen) && o.item > best.item) {
			best = o
		}
	}
	if best != nil {
		return best.item, best.copy, nil
	}
	if c.item.CanonicalURL == "" {
		return 0, story.Copy{}, nil
	}
	page, err := st.sameFeedPage(ctx, c)
	if err != nil {
		return 0, story.Copy{}, fmt.Errorf("find item %s: %w", c.item.CanonicalURL, err)
	}
	for _, p := range page {
		if sameText(c.print, p.title, p.text) {
			o := p.copy
			o.Feed, o.CanonicalURL = c.feedID, c.item.CanonicalURL
			o.Title, o.Text, o.HasText = uint64(p.title.Int64), uint64(p.text.Int64), p.text.Valid
			return p.item, o, nil
		}
	}
	return 0, story.Copy{}, nil
}

// sameText reports whether a stored copy's fingerprint columns say it is
// the same report as fp: the same normalized title, or near-identical text.
// Items too short to fingerprint are never the same by this rule.
func sameText(fp story.Fingerprint, title, text sql.NullInt64) bool {
	if fp.Title != 0 && title.Valid && uint64(title.Int64) == fp.Title {
		return true
	}
	return fp.HasText && text.Valid && story.Distance(uint64(text.Int64), fp.Text) <= story.MaxDistance
}

// window returns the bounds, in stored milliseconds, of the first
// sightings that can be Linked to a copy first seen at seen.
func window(seen time.Time) (from, to int64) {
	return seen.Add(-story.Window).UnixMilli(), seen.Add(story.Window).UnixMilli()
}

const selectCopyRank = `
SELECT s.published, s.first_seen, s.canonical_url, f.url, s.key
FROM item_sources s JOIN feeds f ON f.id = s.feed_id WHERE s.feed_id = $1 AND s.key = $2`

// copyRank returns the rank of the stored copy (feedID, key).
func copyRank(ctx context.Context, stmt *sql.Stmt, feedID int64, key string) (story.Rank, error) {
	var r story.Rank
	var published sql.NullInt64
	var seen int64
	if err := stmt.QueryRowContext(ctx, feedID, key).Scan(&published, &seen, &r.CanonicalURL, &r.Feed, &r.Key); err != nil {
		return story.Rank{}, fmt.Errorf("rank of copy %q of feed %d: %w", key, feedID, err)
	}
	r.Published, r.FirstSeen = fromMillis(published), time.UnixMilli(seen).UTC()
	return r, nil
}

// selectItemCopies lists the copies of an item, to find its first by
// story.Rank.
const selectItemCopies = `
SELECT s.published, s.first_seen, s.canonical_url, f.url, s.key
FROM item_sources s JOIN feeds f ON f.id = s.feed_id WHERE s.item_id = $1`

// updateItemShown makes a copy the one an item is shown by: the first of
// its copies by story.Rank, whatever the order they arrived in. The text
// stays with the copy (Item reads it there); an item stored before copies
// kept the only text loses its own. An item that now counts as first seen
// before what retention removed ($7) counts as pruned.
const updateItemShown = `
UPDATE items SET url = $1, title = $2, summary = NULL, content = NULL, author = NULL, category = NULL, outlet = $3,
	published = $4, first_seen = CASE WHEN $5 < first_seen THEN $5 ELSE first_seen END,
	pruned = CASE WHEN $5 < CAST($7 AS BIGINT) THEN 1 ELSE pruned END
WHERE id = $6`

// showFirstCopy makes c the copy item itemID is shown by if it ranks
// before every other copy of the item.
func (st *itemStmts) showFirstCopy(ctx context.Context, itemID int64, c newCopy) error {
	rows, err := st.itemCopies.QueryContext(ctx, itemID)
	if err != nil {
		return fmt.Errorf("copies of item %d: %w", itemID, err)
	}
	defer rows.Close()
	mine := c.rank()
	for rows.Next() {
		var r story.Rank
		var published sql.NullInt64
		var seen int64
		if err := rows.Scan(&published, &seen, &r.CanonicalURL, &r.Feed, &r.Key); err != nil {
			return fmt.Errorf("copies of item %d: %w", itemID, err)
		}
		r.Published, r.FirstSeen = fromMillis(published), time.UnixMilli(seen).UTC()
		if r.Compare(mine) < 0 {
			return rows.Close()
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("copies of item %d: %w", itemID, err)
	}
	it := c.item
	if _, err := st.itemShown.ExecContext(ctx, it.URL, it.Title,
		it.Outlet, millis(it.Published), c.seen.UnixMilli(), itemID, st.prunedBefore); err != nil {
		return fmt.Errorf("show item %d by its first copy: %w", itemID, err)
	}
	return nil
}
