package store

import (
	"context"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/story"
)

const countWindow = `SELECT COUNT(*) FROM items WHERE first_seen >= ?`

// InWindow returns how many items were first seen within story.Window
// before now: the items a new item's story lookup may meet.
func (d *DB) InWindow(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, countWindow, now.Add(-story.Window).UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count items in the story window: %w", err)
	}
	return n, nil
}
