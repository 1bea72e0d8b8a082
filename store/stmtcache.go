package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmtCache prepares each statement of the save path once per database:
// database/sql then keeps it prepared on every connection it ran on, and a
// transaction borrows it (Tx.StmtContext) instead of parsing its SQL again.
// Preparing per transaction cost about 5% of a poll cycle's CPU.
type stmtCache struct {
	mu    sync.Mutex
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

// preparer returns a statement of q for one transaction.
type preparer func(ctx context.Context, q string) (*sql.Stmt, error)

// in returns the preparer of transaction tx.
func (c *stmtCache) in(tx *sql.Tx) preparer {
	return func(ctx context.Context, q string) (*sql.Stmt, error) {
		c.mu.Lock()
		s, ok := c.stmts[q]
		if !ok {
			var err error
			if s, err = c.db.PrepareContext(ctx, q); err != nil {
				c.mu.Unlock()
				return nil, fmt.Errorf("prepare: %w", err)
			}
			c.stmts[q] = s
		}
		c.mu.Unlock()
		return tx.StmtContext(ctx, s), nil
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}
