package store

import (
	"context"
	"sync"
)

// Leader is a handle's part in choosing, among the processes sharing a
// database, the one that runs the work that must run once: pruning item
// text and renewing WebSub subscriptions. On SQLite, which one process
// opens at a time, every handle leads. Leading only saves work: what the
// leader does is safe to do twice.
type Leader struct {
	d  *DB
	mu sync.Mutex
	// closed is set by Close; a closed Leader never leads.
	closed bool
}

// Leader returns a new contender for the leadership of d's processes;
// Close gives it up.
func (d *DB) Leader() *Leader {
	return &Leader{d: d}
}

// Leading reports whether l leads now.
func (l *Leader) Leading(ctx context.Context) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.closed
}

// Close gives the leadership up, to be taken by another process.
func (l *Leader) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}
