package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// StoryDetail is one story's history: its copies, lead first, the hits of
// each watch and the stories merged into it.
type StoryDetail struct {
	Story Story
	// Requested is the id asked for: a story merged into this one answers
	// with this one.
	Requested int64
	// MergedAt is when Requested was merged, when it was.
	MergedAt time.Time
	// Copies are the story's feed entries in story.Rank order: the first
	// is the lead.
	Copies []Copy
	// Hits has one line per watch with a hit on a copy, first found first;
	// retracted hits do not count.
	Hits []StoryWatchHits
	// Absorbed lists the ids of the stories merged into this one.
	Absorbed []int64
}

// StoryWatchHits sums up one watch's hits on a story.
type StoryWatchHits struct {
	Watch      string
	Hits       int
	BestScore  int
	FirstFound time.Time
}

const (
	selectStoryMerge = `SELECT into_id, merged_at FROM story_merges WHERE id = $1`
	selectStoryByID  = `
SELECT s.id, s.first_seen, s.last_seen, s.copies, COALESCE(lc.title, l.title, ''), COALESCE(lc.url, l.url, '')
FROM stories s` + leadJoin + `
WHERE s.id = $1`
	selectStoryHits = `
SELECT h.watch, COUNT(*), MAX(h.score), MIN(h.found_at)
FROM items i JOIN hits h ON h.item_id = i.id
WHERE i.story_id = $1 AND h.retracted_at IS NULL
GROUP BY h.watch ORDER BY MIN(h.found_at), h.watch`
	selectAbsorbed = `SELECT id FROM story_merges WHERE into_id = $1 ORDER BY id`
)

// StoryDetail returns the story with the given id, or the story it was
// merged into, with its copies and hits; ErrNotFound when there is none.
func (d *DB) StoryDetail(ctx context.Context, id int64) (StoryDetail, error) {
	out := StoryDetail{Requested: id}
	var into, at int64
	switch err := d.db.QueryRowContext(ctx, selectStoryMerge, id).Scan(&into, &at); err {
	case nil:
		id, out.MergedAt = into, time.UnixMilli(at).UTC()
	case sql.ErrNoRows:
	default:
		return StoryDetail{}, fmt.Errorf("story %d: %w", id, err)
	}
	var first, last int64
	err := d.db.QueryRowContext(ctx, selectStoryByID, id).Scan(&out.Story.ID, &first, &last, &out.Story.Copies,
		&out.Story.Title, &out.Story.URL)
	if err == sql.ErrNoRows {
		return StoryDetail{}, fmt.Errorf("story %d: %w", out.Requested, ErrNotFound)
	}
	if err != nil {
		return StoryDetail{}, fmt.Errorf("story %d: %w", out.Requested, err)
	}
	out.Story.FirstSeen, out.Story.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	copies, err := d.storyCopies(ctx, []int64{id})
	if err != nil {
		return StoryDetail{}, err
	}
	out.Copies = copies[id]
	out.Story.Outlets = outletsOf(out.Copies)
	if err := d.storyHits(ctx, &out); err != nil {
		return StoryDetail{}, err
	}
	return out, nil
}

// storyHits fills in the hits per watch and the absorbed stories.
func (d *DB) storyHits(ctx context.Context, out *StoryDetail) error {
	rows, err := d.db.QueryContext(ctx, selectStoryHits, out.Story.ID)
	if err != nil {
		return fmt.Errorf("hits of story %d: %w", out.Story.ID, err)
	}
	for rows.Next() {
		var h StoryWatchHits
		var found int64
		if err := rows.Scan(&h.Watch, &h.Hits, &h.BestScore, &found); err != nil {
			rows.Close()
			return fmt.Errorf("hits of story %d: %w", out.Story.ID, err)
		}
		h.FirstFound = time.UnixMilli(found).UTC()
		out.Hits = append(out.Hits, h)
		out.Story.Watches = append(out.Story.Watches, h.Watch)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("hits of story %d: %w", out.Story.ID, err)
	}
	rows, err = d.db.QueryContext(ctx, selectAbsorbed, out.Story.ID)
	if err != nil {
		return fmt.Errorf("merges into story %d: %w", out.Story.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("merges into story %d: %w", out.Story.ID, err)
		}
		out.Absorbed = append(out.Absorbed, id)
	}
	return rows.Err()
}
