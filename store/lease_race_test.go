package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// Replicas claiming at once, from many goroutines each: no feed is ever
// leased to two of them, and no host ever has more than per_host leases.
// Each claimer lets its feeds go again, by a save or a release, so that
// the same feeds are claimed over and over.
func TestConcurrentClaimsNeverLeaseAFeedTwice(t *testing.T) {
	t.Parallel()
	const perHost, workers, rounds = 2, 6, 25
	clk := &leaseClock{now: t0}
	dbs := replicas(t, 2, clk)
	ids, _ := registerLeaseFeeds(t, dbs[0], []string{"a.example", "b.example", "c.example", "d.example"}, 4)

	var mu sync.Mutex
	held := map[int64]string{}
	byHost := map[string]int{}
	var violations []string
	var claims int
	take := func(who string, cl monitor.Claimed) {
		mu.Lock()
		defer mu.Unlock()
		claims++
		h := monitor.PollHost("", cl.State.URL)
		if other, ok := held[cl.Lease.FeedID]; ok {
			violations = append(violations, fmt.Sprintf("feed %d leased to %s while %s held it", cl.Lease.FeedID, who, other))
		}
		held[cl.Lease.FeedID] = who
		if byHost[h]++; byHost[h] > perHost {
			violations = append(violations, fmt.Sprintf("host %s has %d leases", h, byHost[h]))
		}
	}
	// let is called before the lease ends in the database, so that no
	// legitimate claim of the feed can come before it.
	let := func(cl monitor.Claimed) {
		mu.Lock()
		defer mu.Unlock()
		delete(held, cl.Lease.FeedID)
		byHost[monitor.PollHost("", cl.State.URL)]--
	}

	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for r, db := range dbs {
		for w := range workers {
			who := fmt.Sprintf("replica %d worker %d", r, w)
			rng := rand.New(rand.NewPCG(uint64(r), uint64(w)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					got, err := db.ClaimFeeds(ctx, monitor.Claim{Owner: who, FeedIDs: ids, Limit: 1 + rng.IntN(3),
						PerHost: perHost, DueBy: clk.Now(), Now: clk.Now(), For: time.Hour})
					if err != nil {
						errs <- err
						return
					}
					for _, cl := range got {
						take(who, cl)
					}
					for _, cl := range got {
						let(cl)
						if rng.IntN(2) == 0 {
							err = db.ReleaseLease(ctx, cl.Lease)
						} else {
							st := cl.State
							st.LastStatus = 200 // due again at once: NextPoll is zero
							_, err = db.SaveFetch(ctx, monitor.FeedFetch{State: st, Lease: cl.Lease})
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Error(v)
	}
	if claims < workers {
		t.Fatalf("only %d leases granted in all: the claims hardly ran", claims)
	}
}
