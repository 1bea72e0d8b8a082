package store

import (
	"context"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/story"
)

const countWindow = `SELECT COUNT(*) FROM item_sources WHERE first_seen >= $1`

// InWindow returns how many copies were first seen within story.Window
// before now: the copies a new copy's story lookup may meet.
func (d *DB) InWindow(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, countWindow, now.Add(-story.Window).UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count copies in the story window: %w", err)
	}
	return n, nil
}
