package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store/storetest"
)

// leaseClock is the one clock of the replicas of a lease test.
type leaseClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *leaseClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *leaseClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// replicas opens n handles on one fresh database of the test run's engine
// (storetest), as n replicas of the daemon would, all on clk.
func replicas(t testing.TB, n int, clk *leaseClock) []*DB {
	t.Helper()
	path := storetest.Database(t)
	dbs := make([]*DB, n)
	for i := range dbs {
		db, err := Open(context.Background(), path, WithClock(clk.Now), WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// registerLeaseFeeds registers perHost feeds on each of hosts and returns
// their ids in URL order.
func registerLeaseFeeds(t *testing.T, db *DB, hosts []string, perHost int) ([]int64, []string) {
	t.Helper()
	var keys []monitor.FeedKey
	for _, h := range hosts {
		for i := range perHost {
			keys = append(keys, monitor.FeedKey{URL: fmt.Sprintf("https://%s/feed%02d.xml", h, i)})
		}
	}
	ids, err := db.RegisterFeeds(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	out, urls := make([]int64, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		out[i], urls[i] = ids[k.URL], k.URL
	}
	return out, urls
}

func claim(t *testing.T, db *DB, clk *leaseClock, owner string, ids []int64, limit, perHost int) []monitor.Claimed {
	t.Helper()
	got, err := db.ClaimFeeds(context.Background(), monitor.Claim{Owner: owner, FeedIDs: ids, Limit: limit,
		PerHost: perHost, DueBy: clk.Now(), Now: clk.Now(), For: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestClaimLeasesEachDueFeedOnceUntilSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &leaseClock{now: t0}
	db := replicas(t, 1, clk)[0]
	ids, urls := registerLeaseFeeds(t, db, []string{"a.example", "b.example", "c.example"}, 1)

	got := claim(t, db, clk, "r1", ids, 10, 2)
	if len(got) != 3 {
		t.Fatalf("first claim: %d feeds, want all 3", len(got))
	}
	if again := claim(t, db, clk, "r2", ids, 10, 2); len(again) != 0 {
		t.Fatalf("second claim got %d leased feeds, want none", len(again))
	}
	// Registering again changes nothing: the leases and ids stay.
	if again, _ := registerLeaseFeeds(t, db, []string{"a.example", "b.example", "c.example"}, 1); again[0] != ids[0] {
		t.Fatalf("ids changed on a second registration: %v, then %v", ids, again)
	}
	if again := claim(t, db, clk, "r2", ids, 10, 2); len(again) != 0 {
		t.Fatalf("claim after registering again got %d feeds, want none", len(again))
	}
	for _, cl := range got {
		st := cl.State
		st.LastStatus, st.NextPoll = 200, clk.Now().Add(10*time.Minute)
		if _, err := db.SaveFetch(ctx, monitor.FeedFetch{State: st, Lease: cl.Lease}); err != nil {
			t.Fatal(err)
		}
	}
	if again := claim(t, db, clk, "r2", ids, 10, 2); len(again) != 0 {
		t.Fatalf("claim after the saves got %d feeds, want none: they are due in 10 minutes", len(again))
	}
	all, err := db.ClaimFeeds(ctx, monitor.Claim{Owner: "once", FeedIDs: ids, Limit: 10, PerHost: 2, Now: clk.Now(), For: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("claim ignoring the plan got %d feeds, want 3: saving ended the leases", len(all))
	}
	clk.Add(10 * time.Minute)
	if got := claim(t, db, clk, "r2", ids[:1], 10, 2); len(got) != 0 {
		t.Fatalf("claim of %s, leased until later, got %d", urls[0], len(got))
	}
	if err := db.ReleaseLease(ctx, all[0].Lease); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, db, clk, "r2", ids, 10, 2); len(got) != 1 || got[0].State.URL != all[0].State.URL {
		t.Fatalf("claim after one release got %+v, want %s alone", got, all[0].State.URL)
	}
}

func TestClaimSkipsFeedsBackingOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &leaseClock{now: t0}
	db := replicas(t, 1, clk)[0]
	ids, urls := registerLeaseFeeds(t, db, []string{"a.example"}, 2)
	back := monitor.FeedState{URL: urls[0], ConsecutiveErrors: 1, NextAttempt: t0.Add(time.Hour), NextPoll: t0.Add(time.Hour)}
	if _, err := db.SaveFetch(ctx, monitor.FeedFetch{State: back}); err != nil {
		t.Fatal(err)
	}
	all, err := db.ClaimFeeds(ctx, monitor.Claim{Owner: "once", FeedIDs: ids, Limit: 10, PerHost: 2, Now: clk.Now(), For: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].State.URL != urls[1] {
		t.Fatalf("claim got %+v, want only %s: %s is backing off", all, urls[1], urls[0])
	}
}

func TestClaimNeverGivesAHostMoreLeasesThanPerHost(t *testing.T) {
	t.Parallel()
	clk := &leaseClock{now: t0}
	dbs := replicas(t, 2, clk)
	ids, _ := registerLeaseFeeds(t, dbs[0], []string{"a.example", "b.example"}, 5)

	first := claim(t, dbs[0], clk, "r1", ids, 3, 2)
	second := claim(t, dbs[1], clk, "r2", ids, 10, 2)
	hosts := map[string]int{}
	for _, cl := range append(first, second...) {
		hosts[monitor.PollHost("", cl.State.URL)]++
	}
	if len(first) != 3 || len(second) != 1 || hosts["a.example"] != 2 || hosts["b.example"] != 2 {
		t.Fatalf("claims of %d and %d feeds, by host %v; want 3 and 1, two per host", len(first), len(second), hosts)
	}
	// Leases past their end count no more: another replica takes over.
	clk.Add(time.Minute + time.Millisecond)
	third := claim(t, dbs[1], clk, "r2", ids, 10, 2)
	if len(third) != 4 {
		t.Fatalf("claim after the leases ended got %d feeds, want 4", len(third))
	}
	for _, cl := range third {
		for _, old := range first {
			if old.Lease.FeedID == cl.Lease.FeedID && cl.Lease.Token <= old.Lease.Token {
				t.Errorf("feed %d taken over with token %d, not above the old %d", cl.Lease.FeedID, cl.Lease.Token, old.Lease.Token)
			}
		}
	}
}

func TestFencedSaveOfALostLeaseWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &leaseClock{now: t0}
	dbs := replicas(t, 2, clk)
	ids, urls := registerLeaseFeeds(t, dbs[0], []string{"a.example"}, 1)
	stale := claim(t, dbs[0], clk, "r1", ids, 1, 2)[0]

	// Past the lease's end, before anyone took it over.
	clk.Add(time.Minute + time.Millisecond)
	f := fetchOf(urls[0], newItem("k1", "https://a.example/1", "Witkoff call", "witkoff"))
	f.State.ETag, f.Lease = `"v1"`, stale.Lease
	if _, err := dbs[0].SaveFetch(ctx, f); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("save after the lease ended: %v, want ErrLeaseLost", err)
	}
	// Taken over by the other replica: the stale save still writes nothing.
	fresh := claim(t, dbs[1], clk, "r2", ids, 1, 2)
	if len(fresh) != 1 {
		t.Fatalf("takeover claimed %d feeds, want 1", len(fresh))
	}
	if _, err := dbs[0].SaveFetch(ctx, f); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("save after the takeover: %v, want ErrLeaseLost", err)
	}
	st, err := dbs[1].Feed(ctx, urls[0])
	if err != nil {
		t.Fatal(err)
	}
	n, err := dbs[1].InWindow(ctx, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.ETag != "" || st.ItemCount != 0 || n != 0 {
		t.Fatalf("after the stale saves: etag %q, %d item sources, %d items; want nothing written", st.ETag, st.ItemCount, n)
	}
	f.Lease = fresh[0].Lease
	saved, err := dbs[1].SaveFetch(ctx, f)
	if err != nil || saved.Items != 1 {
		t.Fatalf("save under the new lease: %+v, %v; want its item", saved, err)
	}
	if _, err := dbs[1].SaveFetch(ctx, f); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("second save under one lease: %v, want ErrLeaseLost: saving ended it", err)
	}
}

// A fetch that lost its lease, saved in one transaction with others,
// takes none of them down.
func TestLostLeaseInAGroupSaveKeepsTheOthers(t *testing.T) {
	t.Parallel()
	clk := &leaseClock{now: t0}
	db := replicas(t, 1, clk)[0]
	ids, urls := registerLeaseFeeds(t, db, []string{"a.example", "b.example"}, 1)
	got := claim(t, db, clk, "r1", ids, 2, 2)
	if len(got) != 2 {
		t.Fatalf("claimed %d feeds, want 2", len(got))
	}
	lost := got[1].Lease
	lost.Token++ // a token never granted
	reqs := []*saveRequest{
		{ctx: context.Background(), f: monitor.FeedFetch{State: got[0].State, Lease: got[0].Lease,
			Items: fetchOf(urls[0], newItem("k1", "https://a.example/1", "One")).Items}},
		{ctx: context.Background(), f: monitor.FeedFetch{State: got[1].State, Lease: lost,
			Items: fetchOf(urls[1], newItem("k2", "https://b.example/2", "Two")).Items}},
	}
	res, err := db.saveTogether(reqs)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].err != nil || res[0].saved.Items != 1 || !errors.Is(res[1].err, ErrLeaseLost) {
		t.Fatalf("group save = %+v, want the first saved and the second ErrLeaseLost", res)
	}
}
