package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/story"
)

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// The outlet of an item: its own (Google News <source>), else the name of
// the first feed it was seen in, else that feed's title. Title, link and
// publication are the story lead's (story.Rank), first sighting the
// story's. The hit's copy (the text its evidence came from) is read for
// its rank, which settles ties between hits of one story. sent says
// whether the story is known to this digest for the watch: it already
// included a hit of the story, or the story had an earlier hit for the
// watch that this digest never takes (found before the digest's start, or
// by a backtest when backfilled hits are left out). A new copy of a known
// story is not a development. Retracted hits are left out.
const selectPendingHits = `
SELECT h.id, h.watch, h.item_id, COALESCE(i.story_id, 0),
       COALESCE(lc.title, l.title, i.title, ''), COALESCE(lc.url, l.url, i.url),
       COALESCE(NULLIF(i.outlet, ''),
                (SELECT COALESCE(NULLIF(f.name, ''), f.title)
                   FROM item_sources s JOIN feeds f ON f.id = s.feed_id
                  WHERE s.item_id = i.id ORDER BY s.first_seen, f.url LIMIT 1),
                ''),
       COALESCE(st.first_seen, i.first_seen),
       CASE WHEN lc.feed_id IS NOT NULL THEN lc.published WHEN l.id IS NOT NULL THEN l.published ELSE i.published END,
       h.found_at, h.score, COALESCE(h.terms, 0), h.matches,
       hc.published, COALESCE(hc.first_seen, 0), COALESCE(hc.canonical_url, ''), COALESCE(hf.url, ''), h.source_key,
       i.story_id IS NOT NULL AND (EXISTS (
           SELECT 1 FROM items i2
             JOIN hits h2 ON h2.item_id = i2.id AND h2.watch = h.watch
             JOIN digest_hits d2 ON d2.name = $1 AND d2.hit_id = h2.id
            WHERE i2.story_id = i.story_id)
        OR EXISTS (
           SELECT 1 FROM items i3
             JOIN hits h3 ON h3.item_id = i3.id AND h3.watch = h.watch
            WHERE i3.story_id = i.story_id AND h3.id <> h.id AND h3.retracted_at IS NULL
              AND (h3.found_at < $2 OR ($3 = 0 AND h3.backfilled = 1))))
  FROM hits h JOIN items i ON i.id = h.item_id
  LEFT JOIN stories st ON st.id = i.story_id
  LEFT JOIN item_sources lc ON lc.feed_id = st.lead_feed_id AND lc.key = st.lead_key
  LEFT JOIN items l ON l.id = st.lead_item_id
  LEFT JOIN item_sources hc ON hc.feed_id = h.feed_id AND hc.key = h.source_key
  LEFT JOIN feeds hf ON hf.id = h.feed_id
 WHERE h.watch IN (%s)
   AND h.found_at >= $2
   AND ($3 = 1 OR h.backfilled = 0)
   AND h.retracted_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM digest_hits d WHERE d.name = $1 AND d.hit_id = h.id)
 ORDER BY h.id`

// PendingHits returns the hits of watches found at or after since that
// digest name has not yet included, with their stories and the outlets
// known now. withBackfilled false leaves out hits found by a backtest.
func (d *DB) PendingHits(ctx context.Context, name string, watches []string, since time.Time, withBackfilled bool) ([]notify.Candidate, error) {
	if len(watches) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(watches)+6)
	args = append(args, name, since.UnixMilli(), flag(withBackfilled))
	for _, w := range watches {
		args = append(args, w)
	}
	rows, err := d.db.QueryContext(ctx, fmt.Sprintf(selectPendingHits, placeholders(4, len(watches))), args...)
	if err != nil {
		return nil, fmt.Errorf("pending hits of digest %s: %w", name, err)
	}
	defer rows.Close()
	var out []notify.Candidate
	var storyIDs []int64
	for rows.Next() {
		var (
			c                            notify.Candidate
			firstSeen, foundAt, copySeen int64
			published, copyPublished     sql.NullInt64
			matches                      string
		)
		if err := rows.Scan(&c.HitID, &c.Watch, &c.ItemID, &c.StoryID, &c.Title, &c.URL, &c.Outlet,
			&firstSeen, &published, &foundAt, &c.Score, &c.Terms, &matches,
			&copyPublished, &copySeen, &c.Copy.CanonicalURL, &c.Copy.Feed, &c.Copy.Key, &c.Sent); err != nil {
			return nil, fmt.Errorf("pending hits of digest %s: %w", name, err)
		}
		c.FirstSeen = time.UnixMilli(firstSeen).UTC()
		c.Published = fromMillis(published)
		c.FoundAt = time.UnixMilli(foundAt).UTC()
		c.Copy.Published, c.Copy.FirstSeen = fromMillis(copyPublished), time.UnixMilli(copySeen).UTC()
		ms, err := decodeMatches(matches)
		if err != nil {
			return nil, fmt.Errorf("pending hits of digest %s: hit %d matches: %w", name, c.HitID, err)
		}
		c.Matches = ms
		if c.Matches == nil {
			c.Matches = []match.Match{}
		}
		if c.StoryID != 0 {
			storyIDs = append(storyIDs, c.StoryID)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending hits of digest %s: %w", name, err)
	}
	rows.Close()
	outlets, err := d.StoryOutlets(ctx, uniqueIDs(storyIDs))
	if err != nil {
		return nil, fmt.Errorf("pending hits of digest %s: %w", name, err)
	}
	for i := range out {
		out[i].Outlets = outlets[out[i].StoryID]
	}
	return out, nil
}

// selectHitTimes gives, per watch, when each story got its first hit of
// the watch. Only hits of the story window before since are read, so that
// the query stays bounded as hits accumulate.
const selectHitTimes = `
SELECT h.watch, MIN(h.found_at) FROM hits h JOIN items i ON i.id = h.item_id
WHERE h.watch IN (%s) AND h.found_at >= $1 AND h.retracted_at IS NULL
GROUP BY h.watch, COALESCE(i.story_id, -i.id)
HAVING MIN(h.found_at) >= $2
ORDER BY 2`

// HitTimes returns, per watch, when each of its new stories found at or
// after since got its first hit (for the digest charts, which count new
// stories: later copies of a story are not counted again).
func (d *DB) HitTimes(ctx context.Context, watches []string, since time.Time) (map[string][]time.Time, error) {
	out := map[string][]time.Time{}
	if len(watches) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(watches)+2)
	args = append(args, since.Add(-story.Window).UnixMilli(), since.UnixMilli())
	for _, w := range watches {
		args = append(args, w)
	}
	rows, err := d.db.QueryContext(ctx, fmt.Sprintf(selectHitTimes, placeholders(3, len(watches))), args...)
	if err != nil {
		return nil, fmt.Errorf("hit times: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var w string
		var ms int64
		if err := rows.Scan(&w, &ms); err != nil {
			return nil, fmt.Errorf("hit times: %w", err)
		}
		out[w] = append(out[w], time.UnixMilli(ms).UTC())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hit times: %w", err)
	}
	return out, nil
}

const (
	insertDigestState = `INSERT INTO digest_state (name, first_seen) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	selectDigestState = `SELECT first_seen FROM digest_state WHERE name = $1`
)

// DigestStart returns when digest name first ran (migration 0004). When it
// never ran it returns now, and with record set stores now as its first
// run.
func (d *DB) DigestStart(ctx context.Context, name string, now time.Time, record bool) (time.Time, error) {
	if record {
		if _, err := d.exec(ctx, insertDigestState, name, now.UnixMilli()); err != nil {
			return time.Time{}, fmt.Errorf("start of digest %s: %w", name, err)
		}
	}
	var ms int64
	err := d.db.QueryRowContext(ctx, selectDigestState, name).Scan(&ms)
	if err == sql.ErrNoRows {
		return now, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("start of digest %s: %w", name, err)
	}
	return time.UnixMilli(ms).UTC(), nil
}

const (
	insertDigest    = `INSERT INTO digests (id, name, created_at, payload) VALUES ($1, $2, $3, $4)`
	insertDigestHit = `INSERT INTO digest_hits (name, hit_id, digest_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	insertDelivery  = `
INSERT INTO deliveries (digest_id, notifier, status, created_at, next_attempt)
VALUES ($1, $2, ` + sqlPending + `, $3, $4)`
)

// DB is the storage of digest building.
var _ notify.DigestStore = (*DB)(nil)

// RecordDigest stores, in one transaction, a digest, the hits it includes,
// one pending delivery per notifier and the tick it ran for, and notifies
// the outbox's listeners (digest_tick.go); inside the digest's lock when
// ctx holds it (digest_lock.go). If another run of the same digest
// name included one of the hits meanwhile, nothing is stored and
// notify.ErrStale is returned, so the caller rebuilds.
func (d *DB) RecordDigest(ctx context.Context, rec notify.Record) error {
	return d.digestTx(ctx, rec.Name, func(tx *sql.Tx) error {
		if err := d.recordRun(ctx, tx, rec); err != nil || rec.DigestID == "" {
			return err
		}
		created := rec.CreatedAt.UnixMilli()
		if _, err := tx.ExecContext(ctx, insertDigest, rec.DigestID, rec.Name, created, string(rec.Payload)); err != nil {
			return fmt.Errorf("insert digest %s: %w", rec.DigestID, err)
		}
		for _, id := range rec.HitIDs {
			res, err := tx.ExecContext(ctx, insertDigestHit, rec.Name, id, rec.DigestID)
			if err != nil {
				return fmt.Errorf("insert digest %s hit %d: %w", rec.DigestID, id, err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return notify.ErrStale
			}
		}
		for _, n := range rec.Notifiers {
			if _, err := tx.ExecContext(ctx, insertDelivery, rec.DigestID, n, created, created); err != nil {
				return fmt.Errorf("insert delivery of digest %s to %s: %w", rec.DigestID, n, err)
			}
		}
		return nil
	})
}

const selectDigestPayload = `SELECT payload FROM digests WHERE id = $1`

// DigestPayload returns the stored payload of a digest, or ErrNotFound.
func (d *DB) DigestPayload(ctx context.Context, digestID string) ([]byte, error) {
	var p string
	err := d.db.QueryRowContext(ctx, selectDigestPayload, digestID).Scan(&p)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("digest %s: %w", digestID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("digest %s: %w", digestID, err)
	}
	return []byte(p), nil
}

const (
	upsertDigestRun = `INSERT INTO digest_state (name, first_seen, last_run) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run`
	selectDigestRuns = `SELECT name, last_run FROM digest_state WHERE last_run IS NOT NULL`
)

// DigestRan sets the last run of digest name to at, as given, even back
// (migration 0014). The daemon's scheduled runs move it with their ticks
// instead (RecordDigest, digest_tick.go), forward only.
func (d *DB) DigestRan(ctx context.Context, name string, at time.Time) error {
	if _, err := d.exec(ctx, upsertDigestRun, name, at.UnixMilli(), at.UnixMilli()); err != nil {
		return fmt.Errorf("record run of digest %s: %w", name, err)
	}
	return nil
}

// DigestRuns returns when each digest that ran last ran.
func (d *DB) DigestRuns(ctx context.Context) (map[string]time.Time, error) {
	rows, err := d.db.QueryContext(ctx, selectDigestRuns)
	if err != nil {
		return nil, fmt.Errorf("digest runs: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var name string
		var ms int64
		if err := rows.Scan(&name, &ms); err != nil {
			return nil, fmt.Errorf("digest runs: %w", err)
		}
		out[name] = time.UnixMilli(ms).UTC()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("digest runs: %w", err)
	}
	return out, nil
}
