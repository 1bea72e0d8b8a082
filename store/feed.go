package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// Feed is a stored feed with its fetch state, for `storywatch feeds`.
type Feed struct {
	monitor.FeedState
	ID int64
	// Name is the configured name; empty when the feed's title is used.
	Name string
	// ItemCount is how many items were recorded from this feed.
	ItemCount int
}

// DisplayName returns the configured name, else the feed's title, else its
// URL.
func (f Feed) DisplayName() string {
	switch {
	case f.Name != "":
		return f.Name
	case f.Title != "":
		return f.Title
	}
	return f.URL
}

const feedColumns = `id, url, name, title, fetch_url, etag, last_modified, last_fetch, last_success,
	last_status, consecutive_errors, last_error, next_attempt, item_count, first_poll_done,
	next_poll, poll_reason, poll_interval, boost_until, feed_hint, feed_hint_source, websub_hub, websub_self,
	(SELECT w.lease_until FROM websub_subscriptions w WHERE w.feed_id = feeds.id AND w.state = '` + string(SubActive) + `')`

func scanFeed(sc interface{ Scan(...any) error }) (Feed, error) {
	var f Feed
	var lastFetch, lastSuccess, next, nextPoll, boost, pushUntil sql.NullInt64
	var interval, hint int64
	err := sc.Scan(&f.ID, &f.URL, &f.Name, &f.Title, &f.FetchURL, &f.ETag, &f.LastModified,
		&lastFetch, &lastSuccess, &f.LastStatus, &f.ConsecutiveErrors, &f.LastError, &next,
		&f.ItemCount, &f.FirstPollDone,
		&nextPoll, &f.PollReason, &interval, &boost, &hint, &f.FeedHint.Source, &f.Hub, &f.Self, &pushUntil)
	if err != nil {
		return Feed{}, err
	}
	f.LastFetch, f.LastSuccess, f.NextAttempt = fromMillis(lastFetch), fromMillis(lastSuccess), fromMillis(next)
	f.NextPoll, f.BoostUntil, f.PushUntil = fromMillis(nextPoll), fromMillis(boost), fromMillis(pushUntil)
	f.Interval, f.FeedHint.Wait = time.Duration(interval)*time.Millisecond, time.Duration(hint)*time.Millisecond
	return f, nil
}

const selectFeeds = `SELECT ` + feedColumns + ` FROM feeds ORDER BY url`

// Feeds returns every stored feed, ordered by URL.
func (d *DB) Feeds(ctx context.Context) ([]Feed, error) {
	rows, err := d.db.QueryContext(ctx, selectFeeds)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	var feeds []Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("list feeds: %w", err)
		}
		feeds = append(feeds, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return feeds, nil
}

const selectFeedByURL = `SELECT ` + feedColumns + ` FROM feeds WHERE url = $1`

// Feed returns the stored feed with the given configured URL, or
// ErrNotFound.
func (d *DB) Feed(ctx context.Context, url string) (Feed, error) {
	f, err := scanFeed(d.db.QueryRowContext(ctx, selectFeedByURL, clean(url)))
	if err == sql.ErrNoRows {
		return Feed{}, fmt.Errorf("feed %s: %w", url, ErrNotFound)
	}
	if err != nil {
		return Feed{}, fmt.Errorf("feed %s: %w", url, err)
	}
	return f, nil
}

// DB is the poll cycle's storage.
var _ monitor.Store = (*DB)(nil)

// FeedStates returns the stored state of each of the given feed URLs; feeds
// never stored are missing from the map.
func (d *DB) FeedStates(ctx context.Context, urls []string) (map[string]monitor.FeedState, error) {
	want := make(map[string]bool, len(urls))
	for _, u := range urls {
		want[u] = true
	}
	feeds, err := d.Feeds(ctx)
	if err != nil {
		return nil, err
	}
	states := make(map[string]monitor.FeedState, len(urls))
	for _, f := range feeds {
		if want[f.URL] {
			states[f.URL] = f.FeedState
		}
	}
	return states, nil
}

// selectSeenKeys lists which of knownChunk keys ($2…) a feed ($1, its
// URL) has recorded. Shorter lists are padded with their last key, so that
// one prepared statement serves every feed.
var selectSeenKeys = `SELECT s.key FROM item_sources s JOIN feeds f ON f.id = s.feed_id
	WHERE f.url = $1 AND s.key IN (` + placeholders(2, knownChunk) + `)`

// UnseenKeys returns the subset of keys never recorded for the feed.
func (d *DB) UnseenKeys(ctx context.Context, feedURL string, keys []string) (map[string]bool, error) {
	unseen := make(map[string]bool, len(keys))
	// given maps the stored form of a key with NUL characters (clean)
	// back to the key asked about.
	given := map[string]string{}
	for _, k := range keys {
		unseen[k] = true
		if c := clean(k); c != k {
			given[c] = k
		}
	}
	if len(keys) == 0 {
		return unseen, nil
	}
	stmt, err := d.stmts.get(ctx, selectSeenKeys)
	if err != nil {
		return nil, fmt.Errorf("seen keys of %s: %w", feedURL, err)
	}
	args := make([]any, 1+knownChunk)
	args[0] = feedURL
	for start := 0; start < len(keys); start += knownChunk {
		chunk := keys[start:min(start+knownChunk, len(keys))]
		for i := range knownChunk {
			args[1+i] = clean(chunk[min(i, len(chunk)-1)])
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("seen keys of %s: %w", feedURL, err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("seen keys of %s: %w", feedURL, err)
			}
			delete(unseen, k)
			if g, ok := given[k]; ok {
				delete(unseen, g)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("seen keys of %s: %w", feedURL, err)
		}
	}
	return unseen, nil
}

const upsertFeed = `
INSERT INTO feeds (url, name, title, fetch_url, etag, last_modified, last_fetch, last_success,
	last_status, consecutive_errors, last_error, next_attempt, first_poll_done,
	next_poll, poll_reason, poll_interval, boost_until, feed_hint, feed_hint_source, websub_hub, websub_self)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
ON CONFLICT (url) DO UPDATE SET
	name = excluded.name, title = excluded.title, fetch_url = excluded.fetch_url,
	etag = excluded.etag, last_modified = excluded.last_modified,
	last_fetch = excluded.last_fetch, last_success = excluded.last_success,
	last_status = excluded.last_status, consecutive_errors = excluded.consecutive_errors,
	last_error = excluded.last_error, next_attempt = excluded.next_attempt,
	first_poll_done = excluded.first_poll_done,
	next_poll = excluded.next_poll, poll_reason = excluded.poll_reason,
	poll_interval = excluded.poll_interval, boost_until = excluded.boost_until,
	feed_hint = excluded.feed_hint, feed_hint_source = excluded.feed_hint_source,
	websub_hub = excluded.websub_hub, websub_self = excluded.websub_self
RETURNING id`

// saveFeedState writes a feed's state inside tx and returns its id.
func saveFeedState(ctx context.Context, prepare preparer, name string, s monitor.FeedState) (int64, error) {
	var id int64
	stmt, err := prepare(ctx, upsertFeed)
	if err != nil {
		return 0, err
	}
	err = stmt.QueryRowContext(ctx, s.URL, name, s.Title, s.FetchURL, s.ETag, s.LastModified,
		millis(s.LastFetch), millis(s.LastSuccess), s.LastStatus, s.ConsecutiveErrors, s.LastError,
		millis(s.NextAttempt), flag(s.FirstPollDone),
		millis(s.NextPoll), s.PollReason, s.Interval.Milliseconds(), millis(s.BoostUntil),
		s.FeedHint.Wait.Milliseconds(), s.FeedHint.Source, s.Hub, s.Self).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save feed %s: %w", s.URL, err)
	}
	return id, nil
}

// updateLeasedFeed is fenceFeed and upsertFeed in one statement, for a
// fetch under a lease of the feed with its URL ($25): its state ($1 to
// $20, as upsertFeed's $2 to $21) if the lease ($22 feed, $23 token, $24
// now) is still the fetch's, ending it as fenceFeed does ($21 poll host).
const updateLeasedFeed = `
UPDATE feeds SET name = $1, title = $2, fetch_url = $3, etag = $4, last_modified = $5, last_fetch = $6,
	last_success = $7, last_status = $8, consecutive_errors = $9, last_error = $10, next_attempt = $11,
	first_poll_done = $12, next_poll = $13, poll_reason = $14, poll_interval = $15, boost_until = $16,
	feed_hint = $17, feed_hint_source = $18, websub_hub = $19, websub_self = $20,
	lease_owner = NULL, lease_until = NULL, poll_host = $21
WHERE id = $22 AND lease_token = $23 AND lease_until >= $24 AND url = $25`

// saveFetchedFeed ends the lease of a fetch (fenceFetch) and writes its
// feed's state (saveFeedState), and returns the feed's id. A fetch under
// a lease of the feed it names takes one statement; when that writes
// nothing (the lease was lost, or names another row), the two statements
// run and tell which.
func saveFetchedFeed(ctx context.Context, prepare preparer, f monitor.FeedFetch, now time.Time) (int64, error) {
	name, s := clean(f.Name), cleanState(f.State)
	if f.Lease.Token == 0 {
		return saveFeedState(ctx, prepare, name, s)
	}
	stmt, err := prepare(ctx, updateLeasedFeed)
	if err != nil {
		return 0, err
	}
	res, err := stmt.ExecContext(ctx, name, s.Title, s.FetchURL, s.ETag, s.LastModified,
		millis(s.LastFetch), millis(s.LastSuccess), s.LastStatus, s.ConsecutiveErrors, s.LastError,
		millis(s.NextAttempt), flag(s.FirstPollDone),
		millis(s.NextPoll), s.PollReason, s.Interval.Milliseconds(), millis(s.BoostUntil),
		s.FeedHint.Wait.Milliseconds(), s.FeedHint.Source, s.Hub, s.Self,
		monitor.PollHost(f.State.FetchURL, f.State.URL), f.Lease.FeedID, f.Lease.Token, now.UnixMilli(), s.URL)
	if err != nil {
		return 0, fmt.Errorf("save feed %s: %w", s.URL, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, fmt.Errorf("save feed %s: %w", s.URL, err)
	} else if n == 1 {
		return f.Lease.FeedID, nil
	}
	if err := fenceFetch(ctx, prepare, f, now); err != nil {
		return 0, err
	}
	return saveFeedState(ctx, prepare, name, s)
}
