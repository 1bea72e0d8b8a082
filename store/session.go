package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// sessionConnector returns how to open a connection of its own, outside
// the pool, to d's PostgreSQL database, for what lives as long as a
// session: the leader's advisory lock and the outbox's LISTEN. It is nil on
// SQLite. The connection takes the settings of the pool's connections.
func (d *DB) sessionConnector() func(context.Context) (*pgx.Conn, error) {
	if !d.dialect.postgres {
		return nil
	}
	return func(ctx context.Context) (*pgx.Conn, error) {
		cfg, err := d.connConfig(ctx)
		if err != nil {
			return nil, err
		}
		return pgx.ConnectConfig(ctx, cfg)
	}
}

// connConfig returns the settings a pooled connection was opened with.
func (d *DB) connConfig(ctx context.Context) (*pgx.ConnConfig, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the connection settings: %w", err)
	}
	defer conn.Close()
	var cfg *pgx.ConnConfig
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		cfg = c.Conn().Config()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the connection settings: %w", err)
	}
	return cfg, nil
}
