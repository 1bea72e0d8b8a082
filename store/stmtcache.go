package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
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
	// positional prepares statements with anonymous ? parameters where
	// that means the same (positional): SQLite's driver looks up the name
	// of every numbered parameter it binds, a string made per parameter
	// and statement run.
	positional bool
}

// get returns the statement of q, prepared once, for use outside a
// transaction.
func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[q]; ok {
		return s, nil
	}
	text := q
	if c.positional {
		text = positional(q)
	}
	s, err := c.db.PrepareContext(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.stmts[q] = s
	return s, nil
}

// preparer returns a statement of q for one transaction.
type preparer func(ctx context.Context, q string) (*sql.Stmt, error)

// in returns the preparer of transaction tx.
func (c *stmtCache) in(tx *sql.Tx) preparer {
	return func(ctx context.Context, q string) (*sql.Stmt, error) {
		s, err := c.get(ctx, q)
		if err != nil {
			return nil, err
		}
		return tx.StmtContext(ctx, s), nil
	}
}

// queryInt reads into dst the one integer that q, without parameters,
// returns, through a statement of prepare.
func queryInt(ctx context.Context, prepare preparer, q string, dst *int64) error {
	stmt, err := prepare(ctx, q)
	if err != nil {
		return err
	}
	return stmt.QueryRowContext(ctx).Scan(dst)
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

// positional returns q with its parameters $1, $2, … $n written ?, if
// each appears once and in order (so that ? binds the same argument), and
// q itself otherwise.
func positional(q string) string {
	var b strings.Builder
	next := 1
	for i := 0; i < len(q); i++ {
		if q[i] != '$' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(q[i+1 : j]); err != nil || n != next {
			return q
		}
		next++
		b.WriteByte('?')
		i = j - 1
	}
	return b.String()
}
