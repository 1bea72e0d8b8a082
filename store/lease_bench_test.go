package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// BenchmarkClaimFeeds is one claim of a poll cycle over 2,000 due feeds on
// 200 hosts, at most 2 leases per host: 16 feeds (what a poller of 8 fetch
// slots claims at once) out of every feed, or out of the poller's window
// of 128 candidates. Each claim's leases have ended by the next, so every
// claim finds all 2,000 feeds due. It runs on the test run's engine
// (storetest).
func BenchmarkClaimFeeds(b *testing.B) {
	for _, candidates := range []int{2000, 128} {
		b.Run(fmt.Sprintf("candidates=%d", candidates), func(b *testing.B) {
			clk := &leaseClock{now: t0}
			benchClaims(b, replicas(b, 1, clk)[0], clk, candidates)
		})
	}
}

func benchClaims(b *testing.B, db *DB, clk *leaseClock, candidates int) {
	const limit = 16
	ctx := context.Background()
	keys := make([]monitor.FeedKey, 2000)
	for i := range keys {
		keys[i] = monitor.FeedKey{URL: fmt.Sprintf("https://host%03d.example/feed%d.xml", i%200, i)}
	}
	byURL, err := db.RegisterFeeds(ctx, keys)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, 0, len(keys))
	for _, k := range keys[:candidates] {
		ids = append(ids, byURL[k.URL])
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		clk.Add(time.Second)
		got, err := db.ClaimFeeds(ctx, monitor.Claim{Owner: "bench", FeedIDs: ids, Limit: limit, PerHost: 2,
			DueBy: clk.Now(), Now: clk.Now(), For: time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != limit {
			b.Fatalf("claimed %d feeds, want %d", len(got), limit)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
	// The machine may be shared: this process's CPU per claim is steadier
	// than the wall clock (on PostgreSQL the server's is not in it).
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/claim")
}
