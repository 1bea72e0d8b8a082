package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// PendingBacktest is a watch whose stored hits do not yet cover its
// current definition: it must be backtested over the items first seen
// since Since.
type PendingBacktest struct {
	Watch string
	Since time.Time
}

const (
	selectWatchHashes = `SELECT watch, hash FROM watch_hashes`
	upsertWatchHash   = `INSERT INTO watch_hashes (watch, hash, recorded_at) VALUES ($1, $2, $3)
ON CONFLICT (watch) DO UPDATE SET hash = excluded.hash, recorded_at = excluded.recorded_at`
	deleteWatchHash   = `DELETE FROM watch_hashes WHERE watch = $1`
	insertPending     = `INSERT INTO pending_backtests (watch, since, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	deletePending     = `DELETE FROM pending_backtests WHERE watch = $1`
	selectPending     = `SELECT watch, since FROM pending_backtests ORDER BY since, watch`
	deleteGonePending = `DELETE FROM pending_backtests WHERE watch NOT IN (SELECT watch FROM watch_hashes)`
)

// RecordWatchlist records hashes (watch id to a hash of its definition) as
// the watchlist that the stored hits are to be computed for, and returns
// every backtest owed, oldest first. In the same transaction, each watch
// whose hash differs from the one recorded, or that has none recorded,
// gets a pending backtest from since (one already pending keeps its own,
// earlier, since); a watch no longer in hashes loses its record and its
// pending backtest. A kill at any moment leaves either the old record, so
// that the next start finds the change again, or the new one with its
// pending backtests.
func (d *DB) RecordWatchlist(ctx context.Context, hashes map[string]string, since time.Time) ([]PendingBacktest, error) {
	var pending []PendingBacktest
	err := d.tx(ctx, func(tx *sql.Tx) error {
		recorded, err := watchHashes(ctx, tx)
		if err != nil {
			return err
		}
		now := d.now().UnixMilli()
		for watch := range recorded {
			if _, ok := hashes[watch]; !ok {
				if _, err := tx.ExecContext(ctx, deleteWatchHash, watch); err != nil {
					return err
				}
			}
		}
		watches := make([]string, 0, len(hashes))
		for w := range hashes {
			watches = append(watches, w)
		}
		sort.Strings(watches)
		for _, w := range watches {
			if recorded[w] == hashes[w] {
				continue
			}
			if _, err := tx.ExecContext(ctx, insertPending, w, since.UnixMilli(), now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, upsertWatchHash, w, hashes[w], now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, deleteGonePending); err != nil {
			return err
		}
		pending, err = pendingBacktests(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record watchlist: %w", err)
	}
	return pending, nil
}

func watchHashes(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, selectWatchHashes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var w, h string
		if err := rows.Scan(&w, &h); err != nil {
			return nil, err
		}
		out[w] = h
	}
	return out, rows.Err()
}

func pendingBacktests(ctx context.Context, tx *sql.Tx) ([]PendingBacktest, error) {
	rows, err := tx.QueryContext(ctx, selectPending)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingBacktest
	for rows.Next() {
		var p PendingBacktest
		var since int64
		if err := rows.Scan(&p.Watch, &since); err != nil {
			return nil, err
		}
		p.Since = time.UnixMilli(since).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// FinishBacktests removes the pending backtests of watches, once their
// hits are stored.
func (d *DB) FinishBacktests(ctx context.Context, watches []string) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		for _, w := range watches {
			if _, err := tx.ExecContext(ctx, deletePending, w); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish backtests: %w", err)
	}
	return nil
}
