package store

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// BenchmarkClaimFeeds is one claim of a poll cycle among 2,000 due feeds
// on 200 hosts: 8 feeds (a poller's free slots), at most 2 per host. Each
// claim's leases have ended by the next, so every claim finds the same
// feeds due.
func BenchmarkClaimFeeds(b *testing.B) {
	clk := &leaseClock{now: t0}
	benchClaims(b, replicas(b, 1, clk)[0], clk, 2000)
}

func BenchmarkClaimFeedsFewDue(b *testing.B) {
	clk := &leaseClock{now: t0}
	benchClaims(b, replicas(b, 1, clk)[0], clk, 16)
}

func benchClaims(b *testing.B, db *DB, clk *leaseClock, candidates int) {
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
	for _, k := range keys {
		ids = append(ids, byURL[k.URL])
	}
	ids = ids[:candidates]
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		clk.Add(time.Second)
		got, err := db.ClaimFeeds(ctx, monitor.Claim{Owner: "bench", FeedIDs: ids, Limit: 8, PerHost: 2,
			DueBy: clk.Now(), Now: clk.Now(), For: time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 8 {
			b.Fatalf("claimed %d feeds, want 8", len(got))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
	// The machine may be shared: the process's CPU per claim is steadier
	// than the wall clock.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/claim")
}

// cpuTime is the CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
