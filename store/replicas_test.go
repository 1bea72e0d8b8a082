package store

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store/storetest"
	"github.com/storywatch/storywatch/story"
)

// sharedStores opens n stores on one new PostgreSQL database, as n replicas of
// the daemon would.
func sharedStores(t *testing.T, n int) []*DB {
	t.Helper()
	dsn := storetest.PostgresDatabase(t)
	var dbs []*DB
	for range n {
		db, err := Open(context.Background(), dsn, WithClock(func() time.Time { return t0 }),
			WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}

// saveAtOnce saves every fetch from a goroutine of its own, all released
// together, through the replicas in turn.
func saveAtOnce(t *testing.T, dbs []*DB, fetches []monitor.FeedFetch) []monitor.Saved {
	t.Helper()
	start := make(chan struct{})
	saved := make([]monitor.Saved, len(fetches))
	errs := make([]error, len(fetches))
	var wg sync.WaitGroup
	for i, f := range fetches {
		wg.Go(func() {
			<-start
			saved[i], errs[i] = dbs[i%len(dbs)].SaveFetch(context.Background(), f)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	return saved
}

// Two replicas saving copies of one report at once, from many goroutines,
// store one story, one item per article and every copy once.
func TestReplicasStoreOneStoryForCopiesSavedAtOnce(t *testing.T) {
	t.Parallel()
	dbs := sharedStores(t, 2)
	const feeds, articles = 24, 3
	var fetches []monitor.FeedFetch
	for f := range feeds {
		link := fmt.Sprintf("https://wire.test/report/%d", f%articles)
		feed := fmt.Sprintf("http://feed%d.test/rss", f)
		fetches = append(fetches, fetchOf(feed, storyItem("k", link, "Witkoff coached Ushakov, recording shows", wireBody, "call-leak")))
	}
	var items, stories, hits int
	for _, s := range saveAtOnce(t, dbs, fetches) {
		items, stories, hits = items+s.Items, stories+s.Stories, hits+s.Hits
	}
	if items != articles || stories != 1 || hits != articles {
		t.Errorf("saved %d items, %d stories, %d hits; want %d, 1, %d", items, stories, hits, articles, articles)
	}
	db := dbs[0]
	if n := rowCount(t, db, "stories"); n != 1 {
		t.Errorf("%d stories stored, want 1", n)
	}
	if n := rowCount(t, db, "items"); n != articles {
		t.Errorf("%d items stored, want %d", n, articles)
	}
	if n := rowCount(t, db, "item_sources"); n != feeds {
		t.Errorf("%d copies stored, want %d", n, feeds)
	}
	var urls, copies int
	if err := db.db.QueryRowContext(context.Background(),
		`SELECT (SELECT COUNT(DISTINCT canonical_url) FROM items), (SELECT SUM(copies) FROM stories)`).Scan(&urls, &copies); err != nil {
		t.Fatal(err)
	}
	if urls != articles || copies != feeds {
		t.Errorf("%d distinct item URLs, %d copies counted; want %d and %d", urls, copies, articles, feeds)
	}
	checkComponents(t, db, "one report")
}

// Entries linked every way (links, titles, near texts, bridges that merge
// stories) saved at once through three replicas: the stored stories are
// the components of the copy graph, as one process storing them one by
// one gives.
func TestReplicasKeepStoriesTheComponentsOfTheCopyGraph(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(14, 15))
	for round := range 3 {
		dbs := sharedStores(t, 3)
		entries := randomEntries(r, 48)
		var fetches []monitor.FeedFetch
		for _, e := range entries {
			f := fetchOf(fmt.Sprintf("http://feed%d-%d.test/rss", e.feed, len(fetches)%5), e.item)
			f.Seen = t0.Add(e.at)
			fetches = append(fetches, f)
		}
		saveAtOnce(t, dbs, fetches)
		if n := rowCount(t, dbs[0], "item_sources"); n != len(entries) {
			t.Errorf("round %d: %d copies stored, want %d", round, n, len(entries))
		}
		checkComponents(t, dbs[0], fmt.Sprintf("round %d", round))
	}
}

// A fetch with more keys than one transaction locks one by one takes the
// lock of every key instead: saved at once with a copy of one of its
// reports through another replica, the two copies are still one story.
func TestReplicasSerializeAFetchWithManyKeys(t *testing.T) {
	t.Parallel()
	dbs := sharedStores(t, 2)
	title := "Witkoff coached Ushakov, recording shows"
	var items []monitor.NewItem
	for i := range maxKeyLocks/2 + 10 {
		items = append(items, storyItem(fmt.Sprintf("k%d", i), fmt.Sprintf("https://big.test/%d", i), fmt.Sprintf("report number %d of the day", i), ""))
	}
	items = append(items, storyItem("leak", "https://big.test/leak", title, ""))
	big := fetchOf("http://big.test/rss", items...)
	if n := len(copyKeys("https://big.test/0", story.FingerprintOf(items[0].Item))); n*len(items) <= maxKeyLocks {
		t.Fatalf("the big fetch has %d keys, not more than %d", n*len(items), maxKeyLocks)
	}
	for round := range 2 {
		small := fetchOf(fmt.Sprintf("http://small%d.test/rss", round), storyItem("k", fmt.Sprintf("https://small.test/%d", round), title, ""))
		big.State.URL = fmt.Sprintf("http://big%d.test/rss", round)
		saveAtOnce(t, dbs, []monitor.FeedFetch{big, small})
	}
	var stories int
	if err := dbs[0].db.QueryRowContext(context.Background(),
		`SELECT COUNT(DISTINCT story_id) FROM item_sources WHERE title = $1`, title).Scan(&stories); err != nil {
		t.Fatal(err)
	}
	if stories != 1 {
		t.Errorf("the copies of one report are in %d stories, want 1", stories)
	}
	checkComponents(t, dbs[0], "many keys")
}
