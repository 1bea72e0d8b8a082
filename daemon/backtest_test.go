package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/store"
)

const putinCall = `  - id: putin-call
    title: Putin on the phone
    query: 'Putin AND call'
`

// putinHits counts the stored hits of the putin-call storyline.
func putinHits(t *testing.T, db *store.DB) int {
	t.Helper()
	hits, err := db.Hits(context.Background(), store.HitFilter{Watch: "putin-call"})
	if err != nil {
		t.Fatal(err)
	}
	return len(hits)
}

// A storyline added to the file while the daemon was stopped is backtested
// when it starts: the change is found against the watchlist recorded in
// the database, not against a config held in memory.
func TestWatchEditedWhileStoppedIsBacktestedAtStart(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	cfgPath := pollConfig(t, t.TempDir(), "5s", srv.URL+"/ap.xml")
	first, db := newTestDaemon(t, cfgPath, discard())
	if _, err := first.Once(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Stopped; the file gains a storyline that the stored item matches.
	editConfigAppend(t, cfgPath, putinCall)
	second, _ := newTestDaemon(t, cfgPath, discard())
	runDaemon(t, second)
	eventually(t, 10*time.Second, "the new storyline backtested at start", func() bool { return putinHits(t, db) == 1 })
	owed, err := db.RecordWatchlist(context.Background(), watchHashes(second.gen.Load().cfg), time.Now())
	if err != nil || len(owed) != 0 {
		t.Errorf("after the start: owed %v, %v; want nothing", owed, err)
	}
}

// cutShort is a store whose backtests die as a kill would cut them: every
// read of the items to backtest fails.
type cutShort struct{ *store.DB }

func (cutShort) ItemsSince(context.Context, time.Time) ([]backtest.Item, error) {
	return nil, context.Canceled
}

// A reload's backtest that a kill cut short is finished by the next start:
// the backtest owed is in the database.
func TestBacktestCutShortIsFinishedAtTheNextStart(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	cfgPath := pollConfig(t, t.TempDir(), "5s", srv.URL+"/ap.xml")
	first, db := newTestDaemon(t, cfgPath, discard())
	if _, err := first.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	killed, err := New(Options{Config: loadConfig(t, cfgPath), Store: cutShort{db}, Log: discard(), Now: db.Now, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	editConfigAppend(t, cfgPath, putinCall)
	if err := killed.Reload(loadConfig(t, cfgPath)); err != nil {
		t.Fatal(err)
	}
	if n := putinHits(t, db); n != 0 {
		t.Fatalf("the cut backtest stored %d hits", n)
	}

	next, _ := newTestDaemon(t, cfgPath, discard())
	runDaemon(t, next)
	eventually(t, 10*time.Second, "the cut backtest finished at start", func() bool { return putinHits(t, db) == 1 })
}
