package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/story"
)

// insertItem gives the id explicitly: a new story takes the id of the
// item that starts it, known before the insert. The item's text is its
// first copy's by story.Rank (showFirstCopy keeps it so); each copy keeps
// its own in item_sources.
const insertItem = `
INSERT INTO items (id, canonical_url, key, url, title, outlet, published, first_seen, held_back, story_id, pruned)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// New items' ids. On SQLite the transaction holds the database's write
// lock, so the ids after the highest one are free until it ends: one
// query per transaction. On PostgreSQL other replicas insert items at the
// same time: each id comes from the column's sequence.
const (
	selectNextItemID   = `SELECT COALESCE(MAX(id), 0) + 1 FROM items`
	selectItemSequence = `SELECT nextval(pg_get_serial_sequence('items', 'id'))`
)

const addFeedItemCount = `UPDATE feeds SET item_count = item_count + $1 WHERE id = $2`

// saveFetchTx writes one fetch of one feed in transaction tx: the feed's
// new state, its new entries (an entry whose canonical URL was stored from
// another feed within the story window is one more copy of that item, not
// a new item), their stories (docs/stories.md) and their hits (at most one
// per item and watch). Entries already recorded for this feed are skipped,
// so saving the same fetch twice adds nothing the second time. *st holds
// the item statements, prepared by the first fetch of the transaction
// that has items.
func (d *DB) saveFetchTx(callerCtx context.Context, tx *sql.Tx, st **itemStmts, f monitor.FeedFetch, now time.Time) (monitor.Saved, error) {
	ctx := context.WithoutCancel(callerCtx)
	saved := monitor.Saved{HitsByWatch: map[string]int{}}
	seen := f.Seen
	if seen.IsZero() {
		seen = now
	}
	// As stored: ranks compare a new copy with stored ones.
	seen = seen.Truncate(time.Millisecond).UTC()
	prepare := d.stmts.in(tx)
	feedID, err := saveFetchedFeed(ctx, prepare, f, now)
	if err != nil {
		return saved, err
	}
	if len(f.Items) == 0 {
		return saved, nil
	}
	if *st == nil {
		if *st, err = prepareItemStmts(ctx, prepare, d.index, d.dialect); err != nil {
			return saved, err
		}
	}
	known, err := knownKeys(ctx, prepare, feedID, f.Items)
	if err != nil {
		return saved, fmt.Errorf("entries of %s seen already: %w", f.State.URL, err)
	}
	for _, it := range f.Items {
		// The caller's context is checked here, between entries, not
		// handed to each statement: the driver would watch it with a
		// goroutine per statement.
		if err := callerCtx.Err(); err != nil {
			return saved, err
		}
		it.Item = cleanItem(it.Item)
		// Seen already (by a concurrent or interrupted run, or earlier in
		// this fetch): nothing to do. The transaction holds the write lock
		// (on PostgreSQL, the lock of the feed: clusterlock.go), so this
		// check cannot race.
		if known[it.Key] {
			continue
		}
		known[it.Key] = true
		c := newCopy{feedID: feedID, feedURL: f.State.URL, item: it, print: it.Print, seen: seen}
		n, err := (*st).saveItem(ctx, c, now)
		if err != nil {
			return saved, fmt.Errorf("save item %q of %s: %w", it.Key, f.State.URL, err)
		}
		saved.Items += n.items
		saved.Sources += n.sources
		saved.Stories += n.stories
		saved.Merged += n.merged
		for _, w := range n.hits {
			saved.Hits++
			saved.HitsByWatch[w]++
		}
	}
	if saved.Sources > 0 {
		stmt, err := prepare(ctx, addFeedItemCount)
		if err != nil {
			return saved, err
		}
		if _, err := stmt.ExecContext(ctx, saved.Sources, feedID); err != nil {
			return saved, fmt.Errorf("count items of %s: %w", f.State.URL, err)
		}
	}
	return saved, nil
}

type itemSaved struct {
	items, sources, stories, merged int
	hits                            []string
}

// itemStmts are the statements saveItem runs, prepared once per
// transaction (parsing SQL per item was a third of a cycle's CPU), with
// the id the next new item gets.
type itemStmts struct {
	item, copyInsert, sameFeedPageStmt, itemCopies, itemShown *sql.Stmt
	insertStory, joinStory, storyLeadStmt, storyLeadSet       *sql.Stmt
	representative, storyStart                                *sql.Stmt
	merges                                                    []*sql.Stmt
	hits                                                      *hitStmts
	// hitsBatch inserts hitBatch of newHits, the values of the hits of
	// new items not inserted yet, hitColumns a hit (hit.go).
	hitsBatch *sql.Stmt
	newHits   []any
	// copyArgs holds the values of a copy or item being inserted
	// (copy.go), reused from one to the next.
	copyArgs  [copyColumns]any
	finder    linkedFinder
	sqlFinder *sqlFinder
	// index is the store's copy index (indexfinder.go); nil without one.
	index *windowIndex
	// nextID is the id the next new item gets on SQLite; on PostgreSQL
	// idSeq draws it from the sequence.
	nextID int64
	idSeq  *sql.Stmt
	// lockStoriesStmt locks story rows on PostgreSQL (clusterlock.go); nil
	// on SQLite, whose transaction holds the whole database.
	lockStoriesStmt *sql.Stmt
	// text inserts a copy's text; on PostgreSQL textReturnID, which
	// returns its id.
	text, textReturnID *sql.Stmt
	// prunedBefore is where retention stands (prune.go): copies and
	// items first seen before it are stored without text.
	prunedBefore int64
}

// pastRetention reports whether retention removed the text of what was
// first seen at seen already: only a clock set back stores such a copy.
func (st *itemStmts) pastRetention(seen time.Time) bool {
	return seen.UnixMilli() < st.prunedBefore
}

func prepareItemStmts(ctx context.Context, prepare preparer, index *windowIndex, dl dialect) (*itemStmts, error) {
	st := &itemStmts{index: index}
	if dl.postgres {
		s, err := prepare(ctx, selectItemSequence)
		if err != nil {
			return nil, err
		}
		st.idSeq = s
		if st.lockStoriesStmt, err = prepare(ctx, lockStories); err != nil {
			s.Close()
			return nil, err
		}
	} else if err := queryInt(ctx, prepare, selectNextItemID, &st.nextID); err != nil {
		return nil, fmt.Errorf("next item id: %w", err)
	}
	if err := queryInt(ctx, prepare, selectPrunedBefore, &st.prunedBefore); err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	textStmt := &st.text
	textQuery := insertText
	if dl.postgres {
		textStmt, textQuery = &st.textReturnID, insertTextReturnID
	}
	finder := &sqlFinder{}
	st.merges = make([]*sql.Stmt, len(mergeStory))
	stmts := []struct {
		dst **sql.Stmt
		q   string
	}{{&st.item, insertItem}, {&st.copyInsert, insertCopy},
		{&st.sameFeedPageStmt, selectSameFeedPage}, {&st.itemCopies, selectItemCopies}, {&st.itemShown, updateItemShown},
		{&st.insertStory, insertStory}, {&st.joinStory, joinStory}, {&st.storyLeadStmt, selectStoryLead},
		{&st.storyLeadSet, updateStoryLead},
		{&st.representative, selectRepresentative}, {&st.storyStart, selectStoryStart},
		{&finder.linkedStmt, selectLinked}, {&finder.byText, selectCopyOfText}, {textStmt, textQuery},
		{&st.hitsBatch, insertHits}}
	for i, q := range mergeStory {
		stmts = append(stmts, struct {
			dst **sql.Stmt
			q   string
		}{&st.merges[i], q})
	}
	for _, p := range stmts {
		s, err := prepare(ctx, p.q)
		if err != nil {
			for _, p := range stmts {
				if *p.dst != nil {
					(*p.dst).Close()
				}
			}
			return nil, err
		}
		*p.dst = s
	}
	st.finder, st.sqlFinder = finder, finder
	if index != nil {
		st.finder = &indexFinder{w: index, sql: finder, start: st.storyStart}
	}
	hits, err := prepareHitStmts(ctx, prepare)
	if err != nil {
		st.close()
		return nil, err
	}
	st.hits = hits
	return st, nil
}

func (st *itemStmts) close() {
	all := append([]*sql.Stmt{st.idSeq, st.lockStoriesStmt, st.item, st.copyInsert, st.sameFeedPageStmt, st.itemCopies, st.itemShown,
		st.insertStory, st.joinStory, st.storyLeadStmt, st.storyLeadSet, st.representative, st.storyStart,
		st.text, st.textReturnID, st.hitsBatch},
		st.merges...)
	if f := st.sqlFinder; f != nil {
		all = append(all, f.linkedStmt, f.byText)
	}
	for _, s := range all {
		if s != nil {
			s.Close()
		}
	}
	if st.hits != nil {
		st.hits.close()
	}
}

// saveItem stores one new entry of a feed, not seen before: as a copy of a known item or a
// new item, in the story story.Place decides, with its hits.
func (st *itemStmts) saveItem(ctx context.Context, c newCopy, now time.Time) (itemSaved, error) {
	var res itemSaved
	if c.print == (story.Fingerprint{}) {
		c.print = story.FingerprintOf(c.item.Item)
	}
	itemID, pl, err := st.place(ctx, c)
	if err != nil {
		return res, err
	}
	newItem := itemID == 0
	if newItem {
		if itemID, err = st.newItemID(ctx); err != nil {
			return res, err
		}
	}
	storyID, newStory := pl.Story, pl.Story == 0
	if newStory {
		storyID = itemID
		if err := st.startStory(ctx, c, itemID); err != nil {
			return res, err
		}
		res.stories = 1
	}
	if newItem {
		it := c.item
		args := st.copyArgs[:11]
		copy(args, []any{itemID, it.CanonicalURL, it.Key, it.URL, it.Title,
			it.Outlet, millis(it.Published), c.seen.UnixMilli(), flag(it.HeldBack), storyID, flag(st.pastRetention(c.seen))})
		_, err := st.item.ExecContext(ctx, args...)
		clear(args)
		if err != nil {
			return res, fmt.Errorf("insert item: %w", err)
		}
		res.items = 1
	}
	rep, err := st.isRepresentative(ctx, c, storyID, newStory)
	if err != nil {
		return res, err
	}
	if err := c.insert(ctx, st, itemID, storyID, rep); err != nil {
		return res, err
	}
	st.index.add(c, itemID, storyID)
	res.sources = 1
	if !newStory {
		if err := st.join(ctx, c, pl, now); err != nil {
			return res, err
		}
		if err := st.offerLead(ctx, storyID, itemID, c.feedID, c.item.Key, c.rank()); err != nil {
			return res, err
		}
	}
	res.merged = len(pl.Merged)
	if !newItem {
		if err := st.showFirstCopy(ctx, itemID, c); err != nil {
			return res, err
		}
	}
	res.hits, err = st.saveHits(ctx, itemID, c, newItem, now)
	return res, err
}

// place finds the item a new copy is a copy of (0 for a new item) and the
// story it goes to. On PostgreSQL it then locks the rows of the stories it
// joins and merges (lockStories); when one of them was merged away by
// another replica in between, it looks again.
func (st *itemStmts) place(ctx context.Context, c newCopy) (int64, story.Placement, error) {
	for attempt := 1; ; attempt++ {
		byURL, others, err := st.finder.linked(ctx, c.copy())
		if err != nil {
			return 0, story.Placement{}, err
		}
		itemID, itemCopy, err := st.findItem(ctx, c, byURL)
		if err != nil {
			return 0, story.Placement{}, err
		}
		cands := make([]story.Copy, 0, len(byURL)+len(others)+1)
		for _, l := range append(byURL, others...) {
			cands = append(cands, l.copy)
		}
		if itemID != 0 {
			// The item's story is the entry's, whatever else it links.
			cands = append(cands, itemCopy)
		}
		pl := story.Place(c.copy(), cands)
		if st.lockStoriesStmt == nil || pl.Story == 0 {
			return itemID, pl, nil
		}
		pl, ok, err := st.lockStories(ctx, c, cands, pl)
		if err != nil || ok {
			return itemID, pl, err
		}
		if attempt == maxRelookups {
			return 0, story.Placement{}, fmt.Errorf("stories of the entry kept being merged away: gave up after %d lookups", attempt)
		}
	}
}

// newItemID returns the id of a new item.
func (st *itemStmts) newItemID(ctx context.Context) (int64, error) {
	if st.idSeq == nil {
		id := st.nextID
		st.nextID++
		return id, nil
	}
	var id int64
	if err := st.idSeq.QueryRowContext(ctx).Scan(&id); err != nil {
		return 0, fmt.Errorf("next item id: %w", err)
	}
	return id, nil
}

// isRepresentative reports whether a new copy with text is to carry bands:
// unless its text already has a representative in the story within
// repWindow of it.
func (st *itemStmts) isRepresentative(ctx context.Context, c newCopy, storyID int64, newStory bool) (bool, error) {
	// With the copy index every copy with text carries bands: the index
	// finds near texts in memory, and the SQL lookups that serve before
	// its horizon only read more representatives than they need.
	if !c.print.HasText || newStory || st.index != nil {
		return c.print.HasText, nil
	}
	var one int
	err := st.representative.QueryRowContext(ctx, int64(c.print.Text), storyID,
		c.seen.Add(-repWindow).UnixMilli(), c.seen.Add(repWindow).UnixMilli()).Scan(&one)
	switch err {
	case nil:
		return false, nil
	case sql.ErrNoRows:
		return true, nil
	}
	return false, fmt.Errorf("representative of the text: %w", err)
}
