package store

import (
	"context"
	"fmt"
)

const countWaitingDeliveries = `SELECT COUNT(*) FROM deliveries WHERE status IN (` + sqlPending + `, ` + sqlSending + `)`

// OutboxDepth returns how many deliveries wait to be sent: pending ones and
// ones whose send was interrupted.
func (d *DB) OutboxDepth(ctx context.Context) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, countWaitingDeliveries).Scan(&n); err != nil {
		return 0, fmt.Errorf("count waiting deliveries: %w", err)
	}
	return n, nil
}
