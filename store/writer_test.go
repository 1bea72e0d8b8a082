package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/storywatch/storywatch/monitor"
)

// A group whose one fetch fails commits the others; the failing one fails
// alone, and nothing of it is stored.
func TestGroupCommitKeepsEachFeedAtomic(t *testing.T) {
	t.Parallel()
	db, _ := testDB(t)
	ctx := context.Background()
	failHitsOf(t, db, "boom")
	var group []*saveRequest
	for f := range 4 {
		watch := "ok"
		if f == 2 {
			watch = "boom"
		}
		feed := fmt.Sprintf("http://feed%d.test/rss", f)
		group = append(group, &saveRequest{ctx: ctx, done: make(chan saveResult, 1), f: fetchOf(feed,
			storyItem("a", feed+"/a", fmt.Sprintf("first report of feed %d", f), "", "ok"),
			storyItem("b", feed+"/b", fmt.Sprintf("second report of feed %d", f), "", watch))})
	}
	db.saveGroup(group)
	for f, r := range group {
		res := <-r.done
		if f == 2 {
			if res.err == nil || !strings.Contains(res.err.Error(), "boom") {
				t.Errorf("feed 2: %+v, want the trigger's error", res)
			}
			continue
		}
		if res.err != nil || res.saved.Items != 2 || res.saved.Hits != 2 {
			t.Errorf("feed %d: %+v, want 2 items and 2 hits saved", f, res)
		}
	}
	items, hits, sources := rowCount(t, db, "items"), rowCount(t, db, "hits"), rowCount(t, db, "item_sources")
	if items != 6 || hits != 6 || sources != 6 {
		t.Errorf("stored %d items, %d hits, %d copies; want 6 of each, none of feed 2", items, hits, sources)
	}
	if n := db.index; n != nil && n.x.Len() != 6 {
		t.Errorf("the index holds %d copies, want 6", n.x.Len())
	}
}

// Fetches saved at once from many goroutines are all stored, each once.
func TestConcurrentFetchesAreAllSaved(t *testing.T) {
	t.Parallel()
	db, _ := testDB(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for f := range 20 {
		wg.Go(func() {
			feed := fmt.Sprintf("http://feed%d.test/rss", f)
			s, err := db.SaveFetch(context.Background(), fetchOf(feed,
				storyItem("a", feed+"/a", fmt.Sprintf("report of feed %d", f), "")))
			if err == nil && s.Items != 1 {
				err = fmt.Errorf("feed %d saved %+v", f, s)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if items := rowCount(t, db, "items"); items != 20 {
		t.Errorf("stored %d items, want 20", items)
	}
}

func rowCount(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// SaveFetch after Close fails instead of waiting for a writer that is gone.
func TestSaveFetchAfterCloseFails(t *testing.T) {
	t.Parallel()
	db, _ := testDB(t)
	db.Close()
	if _, err := db.SaveFetch(context.Background(), monitor.FeedFetch{State: monitor.FeedState{URL: "http://a.test/rss"}}); err == nil {
		t.Error("SaveFetch after Close succeeded")
	}
}
