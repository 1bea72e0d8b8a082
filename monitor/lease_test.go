package monitor_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/store/storetest"
)

// twoReplicas builds two Pollers of the same feeds, each on its own handle
// of one database of the test run's engine (storetest), as two
// `storywatch run` processes would be.
func twoReplicas(t *testing.T, srv *feedServer, feeds []monitor.FeedConfig) ([2]*monitor.Poller, *store.DB, *clock) {
	t.Helper()
	clk := &clock{now: now0}
	path := storetest.Database(t)
	var ps [2]*monitor.Poller
	var first *store.DB
	for i := range ps {
		db, err := store.Open(context.Background(), path, store.WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if first == nil {
			first = db
		}
		ps[i] = monitor.NewPoller(db, testMatcher(t), feeds, monitor.Options{
			Fetch: feed.Fetcher{Client: srv.Client(), Timeout: 5 * time.Second}, Now: clk.Now,
			Concurrency: 3, PerHost: 4, Replica: fmt.Sprintf("replica-%d", i)})
	}
	return ps, first, clk
}

// pollBoth runs PollDue on both replicas at once and returns how many
// feeds each polled.
func pollBoth(t *testing.T, ps [2]*monitor.Poller) [2]int {
	t.Helper()
	var wg sync.WaitGroup
	var polled [2]int
	for i, p := range ps {
		wg.Go(func() {
			c, err := p.PollDue(context.Background())
			if err != nil {
				t.Error(err)
			}
			polled[i] = c.OK + c.NotModified + c.Failed
		})
	}
	wg.Wait()
	return polled
}

func TestTwoReplicasPollEachFeedOncePerTurn(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	var feeds []monitor.FeedConfig
	for i := range 12 {
		path := fmt.Sprintf("/f%02d.xml", i)
		srv.set(path, rss("Feed", entry{guid: fmt.Sprintf("g%d", i), link: fmt.Sprintf("https://example.test/%d", i), title: "Item"}))
		feeds = append(feeds, monitor.FeedConfig{URL: srv.URL + path, Interval: 10 * time.Minute})
	}
	ps, db, clk := twoReplicas(t, srv, feeds)
	requests := func() map[string]int {
		out := map[string]int{}
		for _, f := range feeds {
			out[f.URL] = srv.count(f.URL[len(srv.URL):])
		}
		return out
	}
	check := func(turn, want int, polled [2]int) {
		t.Helper()
		for u, n := range requests() {
			if n != want {
				t.Errorf("turn %d: %s fetched %d times, want %d", turn, u, n, want)
			}
		}
		if polled[0]+polled[1] != len(feeds) {
			t.Errorf("turn %d: the replicas polled %v feeds, want %d between them", turn, polled, len(feeds))
		}
	}
	check(1, 1, pollBoth(t, ps))
	if again := pollBoth(t, ps); again != [2]int{} {
		t.Fatalf("a second tick at once polled %v feeds, want none: nothing is due", again)
	}
	clk.Add(16 * time.Minute) // past every feed's next turn (at most 1.5 intervals away)
	check(2, 2, pollBoth(t, ps))

	// A third replica claims three feeds and is killed: no one polls them
	// while its leases run, the first replica takes them over after.
	clk.Add(16 * time.Minute) // past every feed's next turn (at most 1.5 intervals away)
	ids, err := db.RegisterFeeds(context.Background(), []monitor.FeedKey{{URL: feeds[0].URL}, {URL: feeds[1].URL}, {URL: feeds[2].URL}})
	if err != nil {
		t.Fatal(err)
	}
	dead, err := db.ClaimFeeds(context.Background(), monitor.Claim{Owner: "replica-killed", FeedIDs: []int64{ids[feeds[0].URL], ids[feeds[1].URL], ids[feeds[2].URL]},
		Limit: 3, PerHost: 3, DueBy: clk.Now(), Now: clk.Now(), For: time.Minute})
	if err != nil || len(dead) != 3 {
		t.Fatalf("the killed replica's claim: %d feeds, %v; want 3", len(dead), err)
	}
	if polled := pollBoth(t, ps); polled[0]+polled[1] != len(feeds)-3 {
		t.Fatalf("turn 3 polled %v feeds, want %d: three are leased to a killed replica", polled, len(feeds)-3)
	}
	for _, f := range feeds[:3] {
		if n := srv.count(f.URL[len(srv.URL):]); n != 2 {
			t.Fatalf("%s fetched %d times while leased to another replica, want 2", f.URL, n)
		}
	}
	clk.Add(time.Minute + time.Millisecond)
	c, err := ps[0].PollDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.OK+c.NotModified != 3 {
		t.Fatalf("after the killed replica's leases ended: %d feeds polled, want its 3", c.OK+c.NotModified)
	}
	for u, n := range requests() {
		if n != 3 {
			t.Errorf("after three turns %s was fetched %d times, want 3", u, n)
		}
	}
}
