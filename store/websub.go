package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SubscriptionState is where a WebSub subscription stands; the values are
// those of websub_subscriptions.state.
type SubscriptionState string

// The states of a subscription.
const (
	// SubRequested: asked of the hub, its verification not yet received.
	SubRequested SubscriptionState = "requested"
	// SubActive: verified; the hub pushes until LeaseUntil.
	SubActive SubscriptionState = "active"
	// SubDenied: the hub refused (LastError says why, when it said).
	SubDenied SubscriptionState = "denied"
)

// Subscription is a feed's WebSub subscription.
type Subscription struct {
	FeedID  int64
	FeedURL string
	Hub     string
	// Topic is the URL the hub knows the feed by (its rel="self").
	Topic       string
	Secret      string
	State       SubscriptionState
	RequestedAt time.Time
	LeaseUntil  time.Time
	LastPush    time.Time
	LastError   string
}

const subscriptionColumns = `w.feed_id, f.url, w.hub, w.topic, w.secret, w.state, w.requested_at,
	w.lease_until, w.last_push, w.last_error`

func scanSubscription(sc interface{ Scan(...any) error }) (Subscription, error) {
	var s Subscription
	var requested int64
	var lease, push sql.NullInt64
	err := sc.Scan(&s.FeedID, &s.FeedURL, &s.Hub, &s.Topic, &s.Secret, &s.State, &requested, &lease, &push, &s.LastError)
	if err != nil {
		return Subscription{}, err
	}
	s.RequestedAt = time.UnixMilli(requested).UTC()
	s.LeaseUntil, s.LastPush = fromMillis(lease), fromMillis(push)
	return s, nil
}

const selectSubscriptionByFeedID = `SELECT ` + subscriptionColumns + `
	FROM websub_subscriptions w JOIN feeds f ON f.id = w.feed_id WHERE w.feed_id = $1`

// Subscription returns the WebSub subscription of the feed with the given
// id, or ErrNotFound.
func (d *DB) Subscription(ctx context.Context, feedID int64) (Subscription, error) {
	s, err := scanSubscription(d.db.QueryRowContext(ctx, selectSubscriptionByFeedID, feedID))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, fmt.Errorf("websub subscription of feed %d: %w", feedID, ErrNotFound)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("websub subscription of feed %d: %w", feedID, err)
	}
	return s, nil
}

const selectSubscriptions = `SELECT ` + subscriptionColumns + `
	FROM websub_subscriptions w JOIN feeds f ON f.id = w.feed_id ORDER BY f.url`

// Subscriptions returns every WebSub subscription, ordered by feed URL.
func (d *DB) Subscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := d.db.QueryContext(ctx, selectSubscriptions)
	if err != nil {
		return nil, fmt.Errorf("list websub subscriptions: %w", err)
	}
	defer rows.Close()
	var subs []Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("list websub subscriptions: %w", err)
		}
		subs = append(subs, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list websub subscriptions: %w", err)
	}
	return subs, nil
}

const upsertSubscription = `
INSERT INTO websub_subscriptions (feed_id, hub, topic, secret, state, requested_at, lease_until, last_push, last_error)
SELECT id, $1, $2, $3, $4, $5, $6, $7, $8 FROM feeds WHERE url = $9
ON CONFLICT (feed_id) DO UPDATE SET
	hub = excluded.hub, topic = excluded.topic, secret = excluded.secret, state = excluded.state,
	requested_at = excluded.requested_at, lease_until = excluded.lease_until,
	last_push = excluded.last_push, last_error = excluded.last_error
RETURNING feed_id`

// SaveSubscription writes the subscription of the feed s.FeedURL (which
// must have been polled, so that it is stored) and returns the feed's id.
func (d *DB) SaveSubscription(ctx context.Context, s Subscription) (int64, error) {
	var id int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, upsertSubscription, clean(s.Hub), clean(s.Topic), clean(s.Secret), string(s.State),
			s.RequestedAt.UnixMilli(), millis(s.LeaseUntil), millis(s.LastPush), clean(s.LastError), clean(s.FeedURL)).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("save websub subscription of %s: %w", s.FeedURL, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("save websub subscription of %s: %w", s.FeedURL, err)
	}
	return id, nil
}

const updatePushed = `UPDATE websub_subscriptions SET last_push = $1 WHERE feed_id = $2`

// RecordPush notes when the hub last pushed to a feed.
func (d *DB) RecordPush(ctx context.Context, feedID int64, at time.Time) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, updatePushed, at.UnixMilli(), feedID)
		return err
	})
	if err != nil {
		return fmt.Errorf("record websub push to feed %d: %w", feedID, err)
	}
	return nil
}
