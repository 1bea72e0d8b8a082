package store

import (
	"context"

	"github.com/storywatch/storywatch/monitor"
)

// knownChunk is how many keys one lookup of known entries binds. Shorter
// lists are padded with their last key, so that one statement serves every
// fetch.
const knownChunk = 50

// selectKnownKeys lists which of knownChunk keys ($2…) a feed ($1) has
// recorded.
var selectKnownKeys = `SELECT key FROM item_sources WHERE feed_id = $1 AND key IN (` +
	placeholders(2, knownChunk) + `)`

// knownKeys returns the set of the keys of items that feed feedID has
// recorded already, in knownChunk keys a statement instead of one
// statement an entry.
func knownKeys(ctx context.Context, prepare preparer, feedID int64, items []monitor.NewItem) (map[string]bool, error) {
	known := make(map[string]bool, len(items))
	if len(items) == 0 {
		return known, nil
	}
	stmt, err := prepare(ctx, selectKnownKeys)
	if err != nil {
		return nil, err
	}
	args := make([]any, 1+knownChunk)
	args[0] = feedID
	for start := 0; start < len(items); start += knownChunk {
		part := items[start:min(start+knownChunk, len(items))]
		for i := range knownChunk {
			args[1+i] = clean(part[min(i, len(part)-1)].Key)
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			known[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return known, nil
}
