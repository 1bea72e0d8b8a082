package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/story"
)

// A story's lead is its first copy by story.Rank (docs/stories.md): the
// copy whose title and link show the story. A new copy, or the lead of a
// story merged in, is offered the lead of the story it joins.

const (
	// selectStoryLead reads a story's lead copy with its rank; the
	// copy's columns are NULL when its row is missing.
	selectStoryLead = `
SELECT st.lead_item_id, st.lead_feed_id, st.lead_key, s.published, s.first_seen, s.canonical_url, f.url
FROM stories st LEFT JOIN item_sources s ON s.feed_id = st.lead_feed_id AND s.key = st.lead_key
	LEFT JOIN feeds f ON f.id = s.feed_id
WHERE st.id = $1`
	updateStoryLead = `UPDATE stories SET lead_item_id = $1, lead_feed_id = $2, lead_key = $3 WHERE id = $4`
)

// storyLeadCopy is the lead copy of a story: its item, feed, key and
// rank; found is false when the copy's row is missing.
type storyLeadCopy struct {
	item, feed int64
	key        string
	rank       story.Rank
	found      bool
}

// ranked returns an error when the lead copy's row is missing, so that
// its rank cannot be compared.
func (l storyLeadCopy) ranked() error {
	if !l.found {
		return fmt.Errorf("rank of copy %q of feed %d: %w", l.key, l.feed, sql.ErrNoRows)
	}
	return nil
}

// storyLead reads the lead copy of story storyID, with its rank, in one
// statement.
func (st *itemStmts) storyLead(ctx context.Context, storyID int64) (storyLeadCopy, error) {
	var l storyLeadCopy
	var published, seen sql.NullInt64
	var canonical, feedURL sql.NullString
	if err := st.storyLeadStmt.QueryRowContext(ctx, storyID).Scan(&l.item, &l.feed, &l.key,
		&published, &seen, &canonical, &feedURL); err != nil {
		return l, fmt.Errorf("lead of story %d: %w", storyID, err)
	}
	l.found = seen.Valid && feedURL.Valid
	l.rank = story.Rank{Published: fromMillis(published), FirstSeen: time.UnixMilli(seen.Int64).UTC(),
		CanonicalURL: canonical.String, Feed: feedURL.String, Key: l.key}
	return l, nil
}

// offerLead makes the copy (feedID, key) of item itemID, with rank r, the
// lead of story storyID if it ranks before the current lead.
func (st *itemStmts) offerLead(ctx context.Context, storyID, itemID, feedID int64, key string, r story.Rank) error {
	lead, err := st.storyLead(ctx, storyID)
	if err != nil {
		return err
	}
	if lead.feed == feedID && lead.key == key {
		return nil
	}
	if err := lead.ranked(); err != nil {
		return err
	}
	if r.Compare(lead.rank) >= 0 {
		return nil
	}
	if _, err := st.storyLeadSet.ExecContext(ctx, itemID, feedID, key, storyID); err != nil {
		return fmt.Errorf("lead of story %d: %w", storyID, err)
	}
	return nil
}
