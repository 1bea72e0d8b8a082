package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// sessionConnector returns how to open a connection of its own, outside
// the pool, to d's PostgreSQL database, for what lives as long as a
// session (the leader's lock, the outbox's listener); nil on SQLite.
func (d *DB) sessionConnector() func(context.Context) (*pgx.Conn, error) { return nil }
