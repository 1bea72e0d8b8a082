package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

func TestSubscriptionsRoundTripAndLeaseReachesFeedState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := testDB(t)
	feed := "https://example.org/feed"
	sub := Subscription{FeedURL: feed, Hub: "https://hub.example/", Topic: feed, Secret: "s3cret",
		State: SubRequested, RequestedAt: t0}
	if _, err := db.SaveSubscription(ctx, sub); !errors.Is(err, ErrNotFound) {
		t.Fatalf("subscription of a feed never polled: err = %v, want ErrNotFound", err)
	}
	if _, err := db.SaveFetch(ctx, monitor.FeedFetch{State: monitor.FeedState{URL: feed, LastFetch: t0}}); err != nil {
		t.Fatal(err)
	}
	id, err := db.SaveSubscription(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Subscription(ctx, id)
	sub.FeedID = id
	if err != nil || got != sub {
		t.Fatalf("subscription = %+v, %v; want %+v", got, err, sub)
	}
	states, _ := db.FeedStates(ctx, []string{feed})
	if !states[feed].PushUntil.IsZero() {
		t.Errorf("a requested subscription gave PushUntil %s", states[feed].PushUntil)
	}

	sub.State, sub.LeaseUntil = SubActive, t0.Add(24*time.Hour)
	if _, err := db.SaveSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordPush(ctx, id, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	all, err := db.Subscriptions(ctx)
	if err != nil || len(all) != 1 || all[0].State != SubActive || !all[0].LastPush.Equal(t0.Add(time.Minute)) {
		t.Errorf("subscriptions = %+v, %v", all, err)
	}
	states, _ = db.FeedStates(ctx, []string{feed})
	if !states[feed].PushUntil.Equal(t0.Add(24 * time.Hour)) {
		t.Errorf("PushUntil = %s, want the lease end", states[feed].PushUntil)
	}
	// A poll's save keeps the subscription.
	if _, err := db.SaveFetch(ctx, monitor.FeedFetch{State: states[feed]}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Subscription(ctx, id); got.State != SubActive {
		t.Errorf("after a poll the subscription is %+v", got)
	}
	if _, err := db.Subscription(ctx, id+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown feed id: err = %v, want ErrNotFound", err)
	}
}
