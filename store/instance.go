package store

import (
	"context"
	"fmt"
)

const selectInstance = `SELECT id FROM instance`

// InstanceID returns the database's instance id: 32 hex digits drawn when
// the database was created, the same for as long as it lives.
func (d *DB) InstanceID(ctx context.Context) (string, error) {
	var id string
	if err := d.db.QueryRowContext(ctx, selectInstance).Scan(&id); err != nil {
		return "", fmt.Errorf("read instance id: %w", err)
	}
	return id, nil
}
