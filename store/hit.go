package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/story"
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
		WHERE s.item_id = i.id ORDER BY s.first_seen, f.url LIMIT 1), '')
FROM hits h JOIN items i ON i.id = h.item_id
WHERE h.found_at >= $1 AND ($2 = '' OR h.watch = $3) AND h.retracted_at IS NULL
ORDER BY h.found_at DESC, h.id DESC
LIMIT $4`

// Hits returns the hits selected by filter, newest first.
func (d *DB) Hits(ctx context.Context, filter HitFilter) ([]Hit, error) {
	limit := int64(filter.Limit)
	if limit <= 0 {
		limit = noLimit
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
		if h.Matches, err = decodeMatches(matches); err != nil {
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

const (
	selectItemHit = `
SELECT id, score, feed_id, source_key, retracted_at IS NOT NULL FROM hits WHERE item_id = $1 AND watch = $2`
	insertHit = `
INSERT INTO hits (item_id, watch, score, terms, matches, found_at, backfilled, feed_id, source_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (item_id, watch) DO NOTHING`
	// updateHit gives a hit better evidence, or brings a retracted hit
	// back: then it counts as found now, by whoever found it.
	updateHit = `
UPDATE hits SET score = $1, terms = $2, matches = $3, feed_id = $4, source_key = $5,
	found_at = CASE WHEN retracted_at IS NULL THEN found_at ELSE $6 END,
	backfilled = CASE WHEN retracted_at IS NULL THEN backfilled ELSE $7 END,
	retracted_at = NULL, retract_reason = ''
WHERE id = $8`
)

// hitWrite is one hit to store for an item, found in the text of the copy
// (feedID, key) whose rank is given. A backfilled hit (found by a
// backtest) never replaces the evidence of a hit already stored.
type hitWrite struct {
	itemID     int64
	hit        match.Hit
	feedID     int64
	key        string
	rank       story.Rank
	backfilled bool
}

// hitStmts are the statements that store hits, prepared in a transaction.
type hitStmts struct {
	sel, ins, upd, rank *sql.Stmt
}

func prepareHitStmts(ctx context.Context, prepare preparer) (*hitStmts, error) {
	hs := &hitStmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{{&hs.sel, selectItemHit}, {&hs.ins, insertHit}, {&hs.upd, updateHit}, {&hs.rank, selectCopyRank}} {
		s, err := prepare(ctx, p.q)
		if err != nil {
			hs.close()
			return nil, err
		}
		*p.dst = s
	}
	return hs, nil
}

func (hs *hitStmts) close() {
	for _, s := range []*sql.Stmt{hs.sel, hs.ins, hs.upd, hs.rank} {
		if s != nil {
			s.Close()
		}
	}
}

// write stores a hit at most once per item and watch, and reports whether
// it is new (or back from a retraction). An item seen in several feeds
// keeps the best evidence its copies gave: the highest score, then the
// copy first by story.Rank, so that the order the copies arrived in never
// shows.
func (hs *hitStmts) write(ctx context.Context, w hitWrite, now time.Time) (bool, error) {
	matches, err := encodeMatches(w.hit.Matches)
	if err != nil {
		return false, fmt.Errorf("encode matches: %w", err)
	}
	// Most hits are new: insert first, compare only on a conflict. (Exec,
	// not RETURNING: SQLite buffers returned rows in a temporary table.)
	r, err := hs.ins.ExecContext(ctx, w.itemID, w.hit.Watch, w.hit.Score, w.hit.Terms, matches,
		now.UnixMilli(), flag(w.backfilled), w.feedID, w.key)
	if err != nil {
		return false, fmt.Errorf("save hit %s: %w", w.hit.Watch, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return false, fmt.Errorf("save hit %s: %w", w.hit.Watch, err)
	} else if n == 1 {
		return true, nil
	}
	var id int64
	var score int
	var feedID sql.NullInt64
	var key string
	var retracted bool
	if err := hs.sel.QueryRowContext(ctx, w.itemID, w.hit.Watch).Scan(&id, &score, &feedID, &key, &retracted); err != nil {
		return false, fmt.Errorf("hit %s of item %d: %w", w.hit.Watch, w.itemID, err)
	}
	better := retracted || (!w.backfilled && w.hit.Score > score)
	if !better && !w.backfilled && w.hit.Score == score && feedID.Valid && (feedID.Int64 != w.feedID || key != w.key) {
		old, err := copyRank(ctx, hs.rank, feedID.Int64, key)
		if err != nil {
			return false, err
		}
		better = w.rank.Compare(old) < 0
	}
	if !better {
		return false, nil
	}
	if _, err := hs.upd.ExecContext(ctx, w.hit.Score, w.hit.Terms, matches, w.feedID, w.key,
		now.UnixMilli(), flag(w.backfilled), id); err != nil {
		return false, fmt.Errorf("update hit %s of item %d: %w", w.hit.Watch, w.itemID, err)
	}
	return retracted, nil
}

// saveHits stores the hits of a new copy and returns the watches of those
// that are new. The hits of a new item (one hit per watch) cannot meet a
// stored one: they wait in st.newHits and go in with others, hitBatch rows
// a statement (flushHits).
func (st *itemStmts) saveHits(ctx context.Context, itemID int64, c newCopy, newItem bool, now time.Time) ([]string, error) {
	var out []string
	if newItem && oneHitPerWatch(c.item.Hits) {
		if len(c.item.Hits) > 0 {
			out = make([]string, 0, len(c.item.Hits))
		}
		for _, h := range c.item.Hits {
			matches, err := encodeMatches(h.Matches)
			if err != nil {
				return nil, fmt.Errorf("encode matches: %w", err)
			}
			st.newHits = append(st.newHits, itemID, h.Watch, h.Score, h.Terms, matches,
				now.UnixMilli(), flag(false), c.feedID, c.item.Key)
			out = append(out, h.Watch)
		}
		if len(st.newHits) >= hitBatch*hitColumns {
			return out, st.flushHits(ctx)
		}
		return out, nil
	}
	// A stored hit is compared with: every waiting one goes in first.
	if err := st.flushHits(ctx); err != nil {
		return nil, err
	}
	for _, h := range c.item.Hits {
		isNew, err := st.hits.write(ctx, hitWrite{itemID: itemID, hit: h, feedID: c.feedID, key: c.item.Key, rank: c.rank()}, now)
		if err != nil {
			return nil, err
		}
		if isNew {
			out = append(out, h.Watch)
		}
	}
	return out, nil
}

// oneHitPerWatch reports whether hits name each watch once.
func oneHitPerWatch(hits []match.Hit) bool {
	for i := range hits {
		for j := range i {
			if hits[j].Watch == hits[i].Watch {
				return false
			}
		}
	}
	return true
}

// hitBatch is how many hits of new items one statement inserts.
const hitBatch = 32

// insertHits inserts hitBatch hits.
var insertHits = func() string {
	rows := make([]string, hitBatch)
	for i := range rows {
		rows[i] = "(" + placeholders(1+i*hitColumns, hitColumns) + ")"
	}
	return `INSERT INTO hits (item_id, watch, score, terms, matches, found_at, backfilled, feed_id, source_key) VALUES ` +
		strings.Join(rows, ", ")
}()

// hitColumns is the number of values of a row of insertHit and insertHits.
const hitColumns = 9

// flushHits inserts the hits waiting in st.newHits, hitColumns values a
// hit, one after the other: whole batches, then the rest one by one. The
// values are the statement's arguments as they stand, copied nowhere.
func (st *itemStmts) flushHits(ctx context.Context) error {
	rows := st.newHits
	for len(rows) >= hitBatch*hitColumns {
		if _, err := st.hitsBatch.ExecContext(ctx, rows[:hitBatch*hitColumns]...); err != nil {
			return fmt.Errorf("save hits: %w", err)
		}
		rows = rows[hitBatch*hitColumns:]
	}
	for ; len(rows) > 0; rows = rows[hitColumns:] {
		if _, err := st.hits.ins.ExecContext(ctx, rows[:hitColumns]...); err != nil {
			return fmt.Errorf("save hit %s: %w", rows[1], err)
		}
	}
	clear(st.newHits)
	st.newHits = st.newHits[:0]
	return nil
}
