package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/storywatch/storywatch/story"
)

// Stories (docs/stories.md) are the connected components of the copy
// graph: copies first seen within story.Window of each other with the
// same canonical URL in two feeds, the same normalized title or
// near-identical text. SaveFetch keeps the stored stories equal to them
// inside its transaction, which holds the database's write lock (on
// PostgreSQL, the locks of clusterlock.go): for each
// new copy, linkedFinder finds one stored copy per story and key that may
// be Linked to it, story.Place decides which story it joins and which it
// merges, and the merges are applied before the next copy.

// linkedCopy is a stored copy that may be Linked to a new one, with its
// item.
type linkedCopy struct {
	copy story.Copy
	item int64
}

// linkedFinder finds the stored copies that may be Linked to a new copy c:
// for each of c's keys, at least one copy of every story that has a copy
// with that key first seen within story.Window of c. byURL holds the
// copies with c's canonical URL from other feeds (the article c is one
// more copy of); the others may repeat them. The SQL finder reads indexes
// only; an in-memory index could replace it.
type linkedFinder interface {
	linked(ctx context.Context, c story.Copy) (byURL, others []linkedCopy, err error)
}

// selectLinked reads, in one statement, the stored copies that may be
// Linked to a new one, each row tagged with its key:
//
//   - 'u': the copies with its canonical URL from other feeds within the
//     window. Two arms, so that the index skips the feed's own entries: a
//     feed repeating one link many times stays linear. (The test against
//     the empty URL lets SQLite use the partial index.)
//   - 't': copies with one normalized title first seen within the window
//     before the copy are all Linked to each other, so they are one story:
//     the latest stands for it; likewise the earliest of those after it.
//   - 'b': near texts are not Linked to each other as identical titles are,
//     so every text sharing a SimHash band in the window, with its story.
//     Only a text's representatives carry bands (repWindow), so a text
//     repeated thousands of times is read a few times, and copiesOfTexts
//     seeks a copy of each near one within the window.
//
// Parameters: ?1 URL, ?2 feed, ?3 and ?4 the window, ?5 title hash, ?6 the
// sighting, ?7 to ?10 the bands, ?11 and ?12 the representatives' window,
// ?13 whether the copy has text.
var selectLinked = func() string {
	cols := `s.item_id, s.story_id, s.feed_id, s.first_seen, st.first_seen, CAST(NULL AS BIGINT)
	FROM item_sources s JOIN stories st ON st.id = s.story_id`
	arms := []string{
		`SELECT 'u', ` + cols + `
	WHERE s.canonical_url = $1 AND s.canonical_url <> '' AND s.feed_id < $2 AND s.first_seen BETWEEN $3 AND $4`,
		`SELECT 'u', ` + cols + `
	WHERE s.canonical_url = $1 AND s.canonical_url <> '' AND s.feed_id > $2 AND s.first_seen BETWEEN $3 AND $4`,
		`SELECT * FROM (SELECT 't', ` + cols + `
	WHERE s.title_hash = $5 AND s.first_seen BETWEEN $3 AND $6 ORDER BY s.first_seen DESC LIMIT 1) AS before_copy`,
		`SELECT * FROM (SELECT 't', ` + cols + `
	WHERE s.title_hash = $5 AND s.first_seen BETWEEN $6 AND $4 ORDER BY s.first_seen LIMIT 1) AS after_copy`,
	}
	for b := range story.Bands {
		arms = append(arms, fmt.Sprintf(`SELECT 'b', 0, story_id, 0, 0, 0, simhash
	FROM item_sources WHERE $13 = 1 AND band%d = $%d AND first_seen BETWEEN $11 AND $12`, b, 7+b))
	}
	return strings.Join(arms, "\nUNION ALL\n")
}()

// selectCopyOfText is a copy of one text in one story first seen within
// the window.
const selectCopyOfText = `
SELECT s.item_id, s.story_id, s.feed_id, s.first_seen, st.first_seen
FROM item_sources s JOIN stories st ON st.id = s.story_id
WHERE s.simhash = $1 AND s.story_id = $2 AND s.first_seen BETWEEN $3 AND $4 LIMIT 1`

// repWindow is how close in time a representative of a text (a copy with
// bands) stands to every copy of that text in its story: a new copy
// within repWindow of one carries no bands. A copy Linked to a new one is
// within story.Window of it, so a representative of its text is within
// story.Window+repWindow, where the band lookup reads.
const repWindow = story.Window / 2

// selectRepresentative tells whether a text already has a representative
// in a story within repWindow of a sighting.
const selectRepresentative = `
SELECT 1 FROM item_sources WHERE simhash = $1 AND story_id = $2 AND band0 IS NOT NULL
	AND first_seen BETWEEN $3 AND $4 LIMIT 1`

// sqlFinder is the linkedFinder over the item_sources indexes, with its
// statements prepared in the transaction.
type sqlFinder struct {
	linkedStmt, byText *sql.Stmt
}

func (f *sqlFinder) linked(ctx context.Context, c story.Copy) (byURL, others []linkedCopy, err error) {
	from, to := window(c.FirstSeen)
	bands := story.SplitBands(c.Text)
	rows, err := f.linkedStmt.QueryContext(ctx, c.CanonicalURL, c.Feed, from, to, int64(c.Title), c.FirstSeen.UnixMilli(),
		int64(bands[0]), int64(bands[1]), int64(bands[2]), int64(bands[3]),
		c.FirstSeen.Add(-story.Window-repWindow).UnixMilli(), c.FirstSeen.Add(story.Window+repWindow).UnixMilli(), flag(c.HasText))
	if err != nil {
		return nil, nil, fmt.Errorf("copies linked to the entry: %w", err)
	}
	var texts []nearText
	for rows.Next() {
		var kind string
		var l linkedCopy
		var seen, start int64
		var sim sql.NullInt64
		if err := rows.Scan(&kind, &l.item, &l.copy.Story, &l.copy.Feed, &seen, &start, &sim); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("copies linked to the entry: %w", err)
		}
		l.copy.FirstSeen, l.copy.StoryStart = time.UnixMilli(seen).UTC(), time.UnixMilli(start).UTC()
		switch kind {
		case "u":
			l.copy.CanonicalURL = c.CanonicalURL
			byURL = append(byURL, l)
		case "t":
			l.copy.Title = c.Title
			others = append(others, l)
		default:
			tx := nearText{sim.Int64, l.copy.Story}
			if story.Distance(uint64(tx.sim), c.Text) <= story.MaxDistance && !slices.Contains(texts, tx) {
				texts = append(texts, tx)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("copies linked to the entry: %w", err)
	}
	near, err := f.copiesOfTexts(ctx, c, texts)
	if err != nil {
		return nil, nil, fmt.Errorf("copies with near text: %w", err)
	}
	return byURL, append(others, near...), nil
}

// nearText is a text within MaxDistance of a new copy's, in one story.
type nearText struct{ sim, story int64 }

// copiesOfTexts finds, for each near text, a copy of it first seen within
// the window of c.
func (f *sqlFinder) copiesOfTexts(ctx context.Context, c story.Copy, texts []nearText) ([]linkedCopy, error) {
	from, to := window(c.FirstSeen)
	var out []linkedCopy
	for _, tx := range texts {
		got, err := scanLinked(f.byText.QueryContext(ctx, tx.sim, tx.story, from, to))
		if err != nil {
			return nil, err
		}
		for _, l := range got {
			l.copy.Text, l.copy.HasText = uint64(tx.sim), true
			out = append(out, l)
		}
	}
	return out, nil
}

// scanLinked reads rows of (item, story, feed, first seen, story start).
func scanLinked(rows *sql.Rows, err error) ([]linkedCopy, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []linkedCopy
	for rows.Next() {
		var l linkedCopy
		var seen, start int64
		if err := rows.Scan(&l.item, &l.copy.Story, &l.copy.Feed, &seen, &start); err != nil {
			return nil, err
		}
		l.copy.FirstSeen, l.copy.StoryStart = time.UnixMilli(seen).UTC(), time.UnixMilli(start).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

const (
	insertStory = `
INSERT INTO stories (id, lead_item_id, lead_feed_id, lead_key, first_seen, last_seen, copies) VALUES ($1, $2, $3, $4, $5, $6, 1)`
	joinStory = `
UPDATE stories SET copies = copies + 1, first_seen = CASE WHEN $1 < first_seen THEN $1 ELSE first_seen END,
	last_seen = CASE WHEN $1 > last_seen THEN $1 ELSE last_seen END WHERE id = $2`
)

// The statements of a merge: the absorbed story's items and copies move,
// its counts and times are added, it goes, and its id is remembered.
var mergeStory = []string{
	`UPDATE items SET story_id = $2 WHERE story_id = $1`,
	`UPDATE item_sources SET story_id = $2 WHERE story_id = $1`,
	`UPDATE stories SET (copies, first_seen, last_seen) = (SELECT stories.copies + g.copies,
		CASE WHEN g.first_seen < stories.first_seen THEN g.first_seen ELSE stories.first_seen END,
		CASE WHEN g.last_seen > stories.last_seen THEN g.last_seen ELSE stories.last_seen END
		FROM stories g WHERE g.id = $1) WHERE id = $2`,
	`DELETE FROM stories WHERE id = $1`,
	`UPDATE story_merges SET into_id = $2 WHERE into_id = $1`,
	`INSERT INTO story_merges (id, into_id, merged_at) VALUES ($1, $2, $3)`,
}

// startStory starts a story with the new copy c of item itemID, under
// the item's id. It runs before the item's row is inserted: the item then
// finds its story at once, instead of counting a deferred foreign key
// that the story's insert must then look the items up to settle.
func (st *itemStmts) startStory(ctx context.Context, c newCopy, itemID int64) error {
	seen := c.seen.UnixMilli()
	if _, err := st.insertStory.ExecContext(ctx, itemID, itemID, c.feedID, c.item.Key, seen, seen); err != nil {
		return fmt.Errorf("insert story: %w", err)
	}
	return nil
}

// join places the new copy c in the story story.Place chose, merging the
// others into it.
func (st *itemStmts) join(ctx context.Context, c newCopy, pl story.Placement, now time.Time) error {
	for _, gone := range pl.Merged {
		if err := st.merge(ctx, gone, pl.Story, now); err != nil {
			return err
		}
	}
	if _, err := st.joinStory.ExecContext(ctx, c.seen.UnixMilli(), pl.Story); err != nil {
		return fmt.Errorf("join story %d: %w", pl.Story, err)
	}
	return nil
}

// merge moves story gone into story into, whose lead becomes the first of
// the two leads.
func (st *itemStmts) merge(ctx context.Context, gone, into int64, now time.Time) error {
	lead, err := st.storyLead(ctx, gone)
	if err != nil {
		return err
	}
	if err := lead.ranked(); err != nil {
		return err
	}
	args := []any{gone, into, now.UnixMilli()}
	for i, q := range st.merges {
		if _, err := q.ExecContext(ctx, args[:params(mergeStory[i])]...); err != nil {
			return fmt.Errorf("merge story %d into %d: %w", gone, into, err)
		}
	}
	st.index.merge(gone, into)
	return st.offerLead(ctx, into, lead.item, lead.feed, lead.key, lead.rank)
}
