package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/storywatch/storywatch/monitor"
)

// A shutdown closes Stop while one feed is being fetched and another waits
// for the host's only slot: the fetch in flight finishes with a live
// context and is stored, the waiting feed is not started.
func TestStopStartsNoFurtherFeedAndLetsTheFetchInFlightFinish(t *testing.T) {
	stop := make(chan struct{})
	var requests atomic.Int32
	var liveAtEnd atomic.Bool
	srv := newFeedServer(t)
	hold := func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			close(stop) // the shutdown begins during the first fetch
		}
		liveAtEnd.Store(r.Context().Err() == nil)
		fmt.Fprint(w, rss("Wire", leak))
	}
	srv.handle("/a.xml", hold)
	srv.handle("/b.xml", hold)
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/a.xml"}, {URL: srv.URL + "/b.xml"}}
	p, _, _ := setup(t, srv, feeds, monitor.Options{Concurrency: 1, PerHost: 1, Stop: stop})

	c, err := p.PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1: the feed waiting for a slot was started after Stop", n)
	}
	if c.OK != 1 || c.Deferred != 1 || c.ItemsNew != 1 || !liveAtEnd.Load() {
		t.Errorf("cycle = %+v (context live in the fetch: %v); want the fetch in flight stored and one feed not started",
			c, liveAtEnd.Load())
	}
	for _, r := range c.Feeds {
		if r.Result == monitor.ResultDeferred && !errors.Is(r.Err, context.Canceled) {
			t.Errorf("feed not started: %+v, want context.Canceled as its reason", r)
		}
	}
}
