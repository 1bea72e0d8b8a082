package monitor_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// flakyStore is the real store, except that UnseenKeys fails while failing
// is set, as it does when the database is busy or its disk is full.
type flakyStore struct {
	*store.DB
	failing atomic.Bool
}

func (s *flakyStore) UnseenKeys(ctx context.Context, feedURL string, keys []string) (map[string]bool, error) {
	if s.failing.Load() {
		return nil, errors.New("database is locked")
	}
	return s.DB.UnseenKeys(ctx, feedURL, keys)
}

// A store error after a good fetch must not keep that fetch's validators:
// the next poll would be answered 304 and the items would never arrive.
func TestStoreErrorAfterFetchLosesNoItems(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	leak := leak
	leak.published = now0.Add(-time.Hour)
	srv.set("/ap.xml", rss("AP", leak))
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/ap.xml", Name: "AP", Interval: 10 * time.Minute}}
	_, db, clk := setup(t, srv, feeds, monitor.Options{})
	fs := &flakyStore{DB: db}
	fs.failing.Store(true)
	p := monitor.NewPoller(fs, testMatcher(t), feeds, monitor.Options{Fetch: feed.Fetcher{Client: srv.Client(), Timeout: 5 * time.Second}, Now: clk.Now})
	ctx := context.Background()

	c, err := p.PollAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Failed != 1 || c.ItemsNew != 0 {
		t.Fatalf("cycle with a failing store = %+v, want 1 failed, nothing stored", c)
	}
	st, err := db.FeedStates(ctx, []string{feeds[0].URL})
	if err != nil {
		t.Fatal(err)
	}
	if got := st[feeds[0].URL]; got.ETag != "" || got.LastError == "" || got.ConsecutiveErrors != 1 {
		t.Fatalf("feed state after the store error = %+v, want no ETag, the error and 1 consecutive error", got)
	}

	fs.failing.Store(false)
	clk.Add(11 * time.Minute) // past the first backoff (one poll interval)
	c, err = p.PollAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.OK != 1 || c.ItemsNew != 1 || c.HitsNew != 3 {
		t.Fatalf("cycle after the store recovered = %+v, want the item and its 3 hits", c)
	}
	if srv.conditional["/ap.xml"] != 0 {
		t.Errorf("the retry was answered 304 %d times: the failed fetch's ETag was kept", srv.conditional["/ap.xml"])
	}
}
