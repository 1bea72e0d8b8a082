package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/storywatch/storywatch/monitor"
)

const insertFeedKey = `INSERT INTO feeds (url, name, poll_host) VALUES ($1, $2, $3) ON CONFLICT (url) DO NOTHING`

const selectFeedHosts = `SELECT id, url, fetch_url, poll_host FROM feeds ORDER BY url`

const updateFeedHost = `UPDATE feeds SET poll_host = $1 WHERE id = $2`

// RegisterFeeds gives every feed a row to lease, due at once when new,
// and sets the host per_host counts it under; it returns each URL's id
// (monitor.Leaser). Registering feeds again changes nothing.
func (d *DB) RegisterFeeds(ctx context.Context, feeds []monitor.FeedKey) (map[string]int64, error) {
	// One order for every replica, so that two registering at once wait
	// for each other's rows rather than deadlock.
	sorted := append([]monitor.FeedKey(nil), feeds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].URL < sorted[j].URL })
	want := make(map[string]bool, len(feeds))
	for _, f := range feeds {
		want[f.URL] = true
	}
	ids := make(map[string]int64, len(feeds))
	err := d.tx(ctx, func(tx *sql.Tx) error {
		clear(ids)
		prepare := d.stmts.in(tx)
		ins, err := prepare(ctx, insertFeedKey)
		if err != nil {
			return err
		}
		for _, f := range sorted {
			if _, err := ins.ExecContext(ctx, f.URL, f.Name, monitor.PollHost("", f.URL)); err != nil {
				return fmt.Errorf("insert feed %s: %w", f.URL, err)
			}
		}
		type fix struct {
			id   int64
			host string
		}
		var fixes []fix
		rows, err := tx.QueryContext(ctx, selectFeedHosts)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var url, fetchURL, host string
			if err := rows.Scan(&id, &url, &fetchURL, &host); err != nil {
				rows.Close()
				return err
			}
			if !want[url] {
				continue
			}
			ids[url] = id
			if h := monitor.PollHost(fetchURL, url); h != host {
				fixes = append(fixes, fix{id, h})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, f := range fixes {
			if _, err := tx.ExecContext(ctx, updateFeedHost, f.host, f.id); err != nil {
				return fmt.Errorf("set host of feed %d: %w", f.id, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("register feeds: %w", err)
	}
	return ids, nil
}
