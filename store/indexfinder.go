package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/storywatch/storywatch/store/copyindex"
	"github.com/storywatch/storywatch/story"
)

// The copies of the story window are found through an in-memory index
// (store/copyindex) instead of B-tree indexes with random keys, which cost
// a random page write per key and copy and a random page read per lookup,
// and made saving slower as history grew (docs/benchmarks.md). The index
// is loaded at Open from the copies first seen within indexSpan, follows
// every write transaction (records added in one that rolls back are
// removed), and expires with the window. A lookup reaching before its
// horizon, which only a clock set far back can ask for, goes to SQL.

// indexSpan is how far back the index holds copies: the window and a day,
// so that a fetch whose Seen lags the store's clock by up to a day (a poll
// cycle's start) is still answered from memory.
const indexSpan = story.Window + 24*time.Hour

// windowIndex is the store's copy index. broken is set when a copy could
// not be added (an id beyond 32 bits): lookups then go to SQL, and the
// index is dropped when the transaction ends. lastCopy is the highest
// item_sources rowid when this process last committed: a higher one at
// the start of a transaction means another process (storywatch once
// beside a daemon) stored copies, and the index is loaded again.
type windowIndex struct {
	x                 *copyindex.Index
	broken            bool
	lastCopy, pending int64
}

const selectLastCopy = `SELECT COALESCE(MAX(rowid), 0) FROM item_sources`

const (
	countIndexCopies  = `SELECT COUNT(*) FROM item_sources WHERE first_seen >= $1`
	selectIndexCopies = `
SELECT item_id, COALESCE(story_id, item_id), feed_id, first_seen, title_hash, simhash, canonical_url
FROM item_sources WHERE first_seen >= $1 ORDER BY first_seen`
)

// loadIndex builds the copy index from the copies first seen within
// indexSpan. A database whose ids do not fit the index runs without one.
func (d *DB) loadIndex(ctx context.Context) error {
	var last int64
	if err := d.db.QueryRowContext(ctx, selectLastCopy).Scan(&last); err != nil {
		return fmt.Errorf("last copy: %w", err)
	}
	from := d.now().Add(-indexSpan).UnixMilli()
	var n int
	if err := d.db.QueryRowContext(ctx, countIndexCopies, from).Scan(&n); err != nil {
		return fmt.Errorf("count copies of the story window: %w", err)
	}
	x, err := copyindex.New(n + n/4)
	if err != nil {
		return err
	}
	rows, err := d.db.QueryContext(ctx, selectIndexCopies, from)
	if err != nil {
		x.Close()
		return fmt.Errorf("read copies of the story window: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e copyindex.Entry
		var title, text sql.NullInt64
		var canonical string
		if err := rows.Scan(&e.Item, &e.Story, &e.Feed, &e.FirstSeen, &title, &text, &canonical); err != nil {
			x.Close()
			return fmt.Errorf("read copies of the story window: %w", err)
		}
		e.Title, e.Text, e.HasText, e.URL = uint64(title.Int64), uint64(text.Int64), text.Valid, copyindex.URLHash(canonical)
		if err := x.Add(e); err != nil {
			x.Close()
			if errors.Is(err, copyindex.ErrRange) {
				d.log.Warn("story lookups use SQL only: ids beyond the in-memory index's range", "err", err)
				return nil
			}
			return err
		}
	}
	if err := rows.Err(); err != nil {
		x.Close()
		return fmt.Errorf("read copies of the story window: %w", err)
	}
	x.SetHorizon(from)
	d.index = &windowIndex{x: x, lastCopy: last}
	d.log.Debug("loaded the story window", "copies", x.Len(), "bytes", x.Bytes())
	return nil
}

// beginIndex starts the index's part of write transaction tx: it loads
// the index again if another process stored copies since this one last
// committed, lets the copies that left indexSpan go and marks where the
// transaction's own changes start.
func (d *DB) beginIndex(ctx context.Context, tx *sql.Tx) error {
	last, err := lastCopy(ctx, d.stmts.in(tx))
	if err != nil {
		return err
	}
	if last != d.index.lastCopy {
		d.log.Info("another process stored copies: loading the story window again")
		d.index.x.Close()
		d.index = nil
		// The transaction has written nothing: loading reads what is
		// committed, which is everything.
		if err := d.loadIndex(ctx); err != nil || d.index == nil {
			return err
		}
	}
	if err := d.index.x.Expire(d.now().Add(-indexSpan).UnixMilli()); err != nil {
		return err
	}
	d.index.x.Begin()
	return nil
}

// sealIndex notes, just before tx commits, the last copy it leaves.
func (d *DB) sealIndex(ctx context.Context, tx *sql.Tx) error {
	last, err := lastCopy(ctx, d.stmts.in(tx))
	if err != nil {
		return err
	}
	d.index.pending = last
	return nil
}

// lastCopy returns the highest item_sources rowid, read in a transaction.
func lastCopy(ctx context.Context, prepare preparer) (int64, error) {
	var last int64
	if err := queryInt(ctx, prepare, selectLastCopy, &last); err != nil {
		return 0, fmt.Errorf("last copy: %w", err)
	}
	return last, nil
}

// end finishes the index's part of a write transaction, keeping what it
// added if it committed. It returns false when the index must go.
func (w *windowIndex) end(committed bool) bool {
	if committed {
		w.x.Commit()
		w.lastCopy = w.pending
	} else {
		w.x.Rollback()
	}
	return !w.broken
}

// usable returns the index when it can answer a lookup of first sightings
// from from on, or nil.
func (w *windowIndex) usable(from int64) *copyindex.Index {
	if w == nil || w.broken || !w.x.Covers(from) {
		return nil
	}
	return w.x
}

// add records copy c of item itemID in story storyID.
func (w *windowIndex) add(c newCopy, itemID, storyID int64) {
	if w == nil || w.broken {
		return
	}
	e := copyindex.Entry{Item: itemID, Story: storyID, Feed: c.feedID, FirstSeen: c.seen.UnixMilli(),
		Title: c.print.Title, URL: copyindex.URLHash(c.item.CanonicalURL), Text: c.print.Text, HasText: c.print.HasText}
	if err := w.x.Add(e); err != nil {
		w.broken = true
	}
}

// merge records that story gone joined story into.
func (w *windowIndex) merge(gone, into int64) {
	if w != nil && !w.broken {
		w.x.Merge(gone, into)
	}
}

const selectStoryStart = `SELECT first_seen FROM stories WHERE id = $1`

// indexFinder is the linkedFinder over the copy index. It returns what
// sqlFinder returns, up to which copy stands for a story, so story.Place
// decides alike: it reads the database only for the start of each story
// a linked copy belongs to.
type indexFinder struct {
	w     *windowIndex
	sql   *sqlFinder
	start *sql.Stmt
	buf   []copyindex.Entry
	// starts are the stories whose start one lookup read already: a
	// story often has several copies linked to a new one (by title and
	// by text).
	starts []storyStart
}

// storyStart is the start of a story, or found false if its row is
// missing.
type storyStart struct {
	story, start int64
	found        bool
}

func (f *indexFinder) linked(ctx context.Context, c story.Copy) (byURL, others []linkedCopy, err error) {
	from, to := window(c.FirstSeen)
	x := f.w.usable(from)
	if x == nil {
		return f.sql.linked(ctx, c)
	}
	if c.CanonicalURL != "" {
		f.buf = x.ByURL(f.buf[:0], copyindex.URLHash(c.CanonicalURL), from, to)
		for _, e := range f.buf {
			if e.Feed != c.Feed {
				byURL = append(byURL, linkedCopy{item: e.Item, copy: story.Copy{Story: e.Story, Feed: e.Feed,
					CanonicalURL: c.CanonicalURL, FirstSeen: time.UnixMilli(e.FirstSeen).UTC()}})
			}
		}
	}
	if c.Title != 0 {
		for _, e := range x.ByTitle(f.buf[:0], c.Title, from, to) {
			others = append(others, linkedCopy{item: e.Item, copy: story.Copy{Story: e.Story, Feed: e.Feed,
				Title: c.Title, FirstSeen: time.UnixMilli(e.FirstSeen).UTC()}})
		}
	}
	if c.HasText {
		for _, e := range x.ByText(f.buf[:0], c.Text, story.MaxDistance, from, to) {
			others = append(others, linkedCopy{item: e.Item, copy: story.Copy{Story: e.Story, Feed: e.Feed,
				Text: e.Text, HasText: true, FirstSeen: time.UnixMilli(e.FirstSeen).UTC()}})
		}
	}
	f.starts = f.starts[:0]
	if byURL, err = f.withStarts(ctx, byURL); err != nil {
		return nil, nil, err
	}
	if others, err = f.withStarts(ctx, others); err != nil {
		return nil, nil, err
	}
	return byURL, others, nil
}

// withStarts sets each copy's StoryStart, leaving out copies whose story
// row is missing, as the SQL finder's join does.
func (f *indexFinder) withStarts(ctx context.Context, ls []linkedCopy) ([]linkedCopy, error) {
	out := ls[:0]
	for _, l := range ls {
		s, err := f.storyStart(ctx, l.copy.Story)
		if err != nil {
			return nil, err
		}
		if !s.found {
			continue
		}
		l.copy.StoryStart = time.UnixMilli(s.start).UTC()
		out = append(out, l)
	}
	return out, nil
}

// storyStart returns the start of story id, read once per lookup.
func (f *indexFinder) storyStart(ctx context.Context, id int64) (storyStart, error) {
	for _, s := range f.starts {
		if s.story == id {
			return s, nil
		}
	}
	s := storyStart{story: id, found: true}
	switch err := f.start.QueryRowContext(ctx, id).Scan(&s.start); {
	case errors.Is(err, sql.ErrNoRows):
		s.found = false
	case err != nil:
		return s, fmt.Errorf("start of story %d: %w", id, err)
	}
	f.starts = append(f.starts, s)
	return s, nil
}

// pageCopy is a stored copy of the same page in the same feed.
type pageCopy struct {
	item        int64
	copy        story.Copy
	title, text sql.NullInt64
}

// sameFeedPage returns the latest copies (at most 16) of the window with
// c's canonical URL in c's feed, newest first, from the index when it
// covers the window and else from SQL.
func (st *itemStmts) sameFeedPage(ctx context.Context, c newCopy) ([]pageCopy, error) {
	from, to := window(c.seen)
	x := st.index.usable(from)
	if x == nil {
		return st.sameFeedPageSQL(ctx, c, from, to)
	}
	var out []pageCopy
	for _, e := range x.ByURL(nil, copyindex.URLHash(c.item.CanonicalURL), from, to) {
		if e.Feed != c.feedID {
			continue
		}
		p := pageCopy{item: e.Item, copy: story.Copy{Story: e.Story, FirstSeen: time.UnixMilli(e.FirstSeen).UTC()},
			title: sql.NullInt64{Int64: int64(e.Title), Valid: e.Title != 0}, text: sql.NullInt64{Int64: int64(e.Text), Valid: e.HasText}}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b pageCopy) int {
		if c := b.copy.FirstSeen.Compare(a.copy.FirstSeen); c != 0 {
			return c
		}
		return int(b.copy.Story - a.copy.Story)
	})
	out = out[:min(len(out), 16)]
	keep := out[:0]
	for _, p := range out {
		var start int64
		switch err := st.storyStart.QueryRowContext(ctx, p.copy.Story).Scan(&start); {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return nil, fmt.Errorf("start of story %d: %w", p.copy.Story, err)
		}
		p.copy.StoryStart = time.UnixMilli(start).UTC()
		keep = append(keep, p)
	}
	return keep, nil
}

// sameFeedPageSQL is sameFeedPage read from the database.
func (st *itemStmts) sameFeedPageSQL(ctx context.Context, c newCopy, from, to int64) ([]pageCopy, error) {
	rows, err := st.sameFeedPageStmt.QueryContext(ctx, c.item.CanonicalURL, c.feedID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pageCopy
	for rows.Next() {
		var p pageCopy
		var seen, start int64
		if err := rows.Scan(&p.item, &p.copy.Story, &seen, &start, &p.title, &p.text); err != nil {
			return nil, err
		}
		p.copy.FirstSeen, p.copy.StoryStart = time.UnixMilli(seen).UTC(), time.UnixMilli(start).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}
