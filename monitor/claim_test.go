package monitor

import (
	"fmt"
	"slices"
	"testing"
)

func TestPendingFeedsTakeTurnsByHost(t *testing.T) {
	t.Parallel()
	var feeds []FeedConfig
	ids := map[string]int64{}
	add := func(host string, n int) {
		for i := range n {
			u := fmt.Sprintf("https://%s/%d.xml", host, i)
			feeds = append(feeds, FeedConfig{URL: u})
			ids[u] = int64(len(ids) + 1)
		}
	}
	add("big.example", 4) // ids 1-4
	add("a.example", 1)   // 5
	add("b.example", 2)   // 6, 7
	got := byHost(feeds, ids)
	if want := []int64{1, 5, 6, 2, 7, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("byHost = %v, want %v: one feed of every host, then the next", got, want)
	}
}
