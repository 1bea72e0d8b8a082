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

// Stories (docs/architecture.md, "Stories") are clustered inside SaveFetch's transaction, which
// holds the database's write lock: two feeds saving copies of one report at
// once see each other's items, so a report never splits into two stories
// by a race. A new item is looked up through indexed columns only: its
// normalized title's hash, then the four 16-bit bands of its SimHash (two
// hashes within story.MaxDistance bits share a band whole), each within
// story.Window; candidates found by band are checked bit for bit.

// The earliest item of the window with the title, in index order: copies
// of one story can be many (a feed may repeat an item ten thousand times),
// and the lookup must not read them all.
const selectStoryByTitle = `
SELECT i.story_id FROM items i JOIN stories s ON s.id = i.story_id
WHERE i.title_hash = ? AND i.first_seen >= ? AND s.first_seen >= ?
ORDER BY i.first_seen LIMIT 1`

// bandCandidates bounds the items read per band: a band shared by more
// items than this is shared by copies of a few stories, and the latest of
// them stand for the rest.
const bandCandidates = 16

var selectStoryByBands = func() string {
	var arms []string
	for b := range story.Bands {
		arms = append(arms, fmt.Sprintf(`SELECT * FROM (
SELECT i.story_id, i.simhash FROM items i JOIN stories s ON s.id = i.story_id
WHERE i.band%d = ? AND i.first_seen >= ? AND s.first_seen >= ?
ORDER BY i.first_seen DESC LIMIT %d)`, b, bandCandidates))
	}
	return strings.Join(arms, "\nUNION ALL\n")
}()

const insertStory = `
INSERT INTO stories (id, lead_item_id, first_seen, last_seen, copies) VALUES (?, ?, ?, ?, 1)`

const joinStory = `UPDATE stories SET copies = copies + 1, last_seen = ? WHERE id = ?`

const touchStoryOfItem = `
UPDATE stories SET last_seen = ? WHERE id = (SELECT story_id FROM items WHERE id = ?)`

const selectNextItemID = `SELECT COALESCE(MAX(id), 0) + 1 FROM items`

// storyStmts are the clustering statements, prepared once per transaction,
// with the id the next new item gets.
type storyStmts struct {
	byTitle, byBands, insert, join, touch *sql.Stmt
	nextID                                int64
}

func prepareStoryStmts(ctx context.Context, tx *sql.Tx) (*storyStmts, error) {
	st := &storyStmts{}
	// The transaction holds the write lock: no one else adds items until
	// it ends, so ids can be handed out here.
	if err := tx.QueryRowContext(ctx, selectNextItemID).Scan(&st.nextID); err != nil {
		return nil, fmt.Errorf("next item id: %w", err)
	}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{{&st.byTitle, selectStoryByTitle}, {&st.byBands, selectStoryByBands}, {&st.insert, insertStory},
		{&st.join, joinStory}, {&st.touch, touchStoryOfItem}} {
		s, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*p.dst = s
	}
	return st, nil
}

func (st *storyStmts) close() {
	for _, s := range []*sql.Stmt{st.byTitle, st.byBands, st.insert, st.join, st.touch} {
		if s != nil {
			s.Close()
		}
	}
}

// placement is where a new item goes: the id it gets, its story (its own
// id when it leads a new one) and its fingerprint.
type placement struct {
	itemID, storyID int64
	isNew           bool
	fp              story.Fingerprint
}

// place finds the story a new item with fingerprint fp belongs to, before
// the item is inserted (so that the item is written once, whole). pageStory,
// when not 0, is the story of another entry of the same page (same
// canonical URL) in the window, which the item joins.
func (st *storyStmts) place(ctx context.Context, pageStory int64, fp story.Fingerprint, now time.Time) (placement, error) {
	storyID := pageStory
	if storyID == 0 {
		var err error
		if storyID, err = st.find(ctx, fp, now); err != nil {
			return placement{}, fmt.Errorf("find story: %w", err)
		}
	}
	pl := placement{itemID: st.nextID, storyID: storyID, fp: fp}
	if storyID == 0 {
		pl.storyID, pl.isNew = st.nextID, true
	}
	return pl, nil
}

// columns returns the values of the item's story_id, title_hash, simhash
// and band columns.
func (pl placement) columns() []any {
	cols := make([]any, 3+story.Bands)
	cols[0] = pl.storyID
	if pl.fp.Title != 0 {
		cols[1] = int64(pl.fp.Title)
	}
	if pl.fp.HasText {
		cols[2] = int64(pl.fp.Text)
		for i, band := range story.SplitBands(pl.fp.Text) {
			cols[3+i] = int64(band)
		}
	}
	return cols
}

// commit records a placed item that was inserted: it creates the story
// the item leads, or counts the item as one more copy.
func (st *storyStmts) commit(ctx context.Context, pl placement, now time.Time) error {
	st.nextID = pl.itemID + 1
	if pl.isNew {
		if _, err := st.insert.ExecContext(ctx, pl.storyID, pl.itemID, now.UnixMilli(), now.UnixMilli()); err != nil {
			return fmt.Errorf("insert story: %w", err)
		}
		return nil
	}
	if _, err := st.join.ExecContext(ctx, now.UnixMilli(), pl.storyID); err != nil {
		return fmt.Errorf("join story %d: %w", pl.storyID, err)
	}
	return nil
}

// find returns the story of the last story.Window that fp is a copy of, or
// 0: the story of an item with the same normalized title, else the one
// story.Nearest picks among the items sharing a band. (The same canonical
// URL is looked up before, in item.go.)
func (st *storyStmts) find(ctx context.Context, fp story.Fingerprint, now time.Time) (int64, error) {
	cutoff := now.Add(-story.Window).UnixMilli()
	if fp.Title != 0 {
		var id int64
		switch err := st.byTitle.QueryRowContext(ctx, int64(fp.Title), cutoff, cutoff).Scan(&id); err {
		case nil:
			return id, nil
		case sql.ErrNoRows:
		default:
			return 0, err
		}
	}
	if !fp.HasText {
		return 0, nil
	}
	bands := story.SplitBands(fp.Text)
	args := make([]any, 0, 3*len(bands))
	for _, b := range bands {
		args = append(args, int64(b), cutoff, cutoff)
	}
	rows, err := st.byBands.QueryContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cands := make([]story.Candidate, 0, story.Bands*bandCandidates)
	for rows.Next() {
		var id, sim int64
		if err := rows.Scan(&id, &sim); err != nil {
			return 0, err
		}
		cands = append(cands, story.Candidate{Story: id, Text: uint64(sim)})
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return story.Nearest(fp, cands), nil
}

// Story is a stored story: copies of one report.
type Story struct {
	ID int64
	// Title and URL are the lead item's.
	Title     string
	URL       string
	FirstSeen time.Time
	// LastSeen is when the latest copy joined.
	LastSeen time.Time
	// Copies counts the member items.
	Copies int
	// Outlets names who published the copies, first seen first.
	Outlets []string
	// Watches lists the watches with a hit on any copy, first found first.
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

const selectStories = `
SELECT s.id, s.first_seen, s.last_seen, s.copies, COALESCE(l.title, ''), l.url
FROM stories s JOIN items l ON l.id = s.lead_item_id
WHERE s.last_seen >= ?
  AND (? = '' OR EXISTS (SELECT 1 FROM items i JOIN hits h ON h.item_id = i.id
                         WHERE i.story_id = s.id AND h.watch = ?))
  AND (? OR EXISTS (SELECT 1 FROM items i JOIN hits h ON h.item_id = i.id WHERE i.story_id = s.id))
ORDER BY s.first_seen DESC, s.id DESC
LIMIT ?`

// Stories returns the stories selected by filter, newest first, with their
// outlets and watches.
func (d *DB) Stories(ctx context.Context, filter StoryFilter) ([]Story, error) {
	limit := int64(filter.Limit)
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, selectStories, millis(filter.Since).Int64, filter.Watch, filter.Watch, filter.All, limit)
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
		rows, err := d.db.QueryContext(ctx, fmt.Sprintf(q, placeholders(n)), args...)
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

// The outlets of a story's copies: each copy's own outlet (an aggregator's
// source), else the name, title or host of every feed the copy was seen in.
const selectStoryOutlets = `
SELECT i.story_id, i.outlet, COALESCE(f.name, ''), COALESCE(f.title, ''), COALESCE(f.url, '')
FROM items i LEFT JOIN item_sources src ON src.item_id = i.id LEFT JOIN feeds f ON f.id = src.feed_id
WHERE i.story_id IN (%s)
ORDER BY i.story_id, i.first_seen, i.id, src.first_seen, src.feed_id`

// StoryOutlets returns, per story id, the distinct outlets of its copies,
// first seen first.
func (d *DB) StoryOutlets(ctx context.Context, storyIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	seen := map[int64]map[string]bool{}
	err := d.forChunks(ctx, selectStoryOutlets, storyIDs, func(rows *sql.Rows) error {
		var id int64
		var outlet, name, title, feedURL string
		if err := rows.Scan(&id, &outlet, &name, &title, &feedURL); err != nil {
			return err
		}
		o := outletName(outlet, name, title, feedURL)
		if o == "" {
			return nil
		}
		if seen[id] == nil {
			seen[id] = map[string]bool{}
		}
		if k := strings.ToLower(o); !seen[id][k] {
			seen[id][k] = true
			out[id] = append(out[id], o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outlets of stories: %w", err)
	}
	return out, nil
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
WHERE i.story_id IN (%s)
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
