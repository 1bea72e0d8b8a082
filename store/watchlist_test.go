package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/storywatch/storywatch/store/storetest"
)

func TestRecordWatchlistOwesBacktestsForWhatChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Open(ctx, storetest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t1 := time.Date(2025, 11, 24, 12, 0, 0, 0, time.UTC)
	t2, t3 := t1.Add(time.Hour), t1.Add(2*time.Hour)
	want := func(got []PendingBacktest, want ...PendingBacktest) {
		t.Helper()
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pending = %+v, want %+v", got, want)
		}
	}

	// A first record owes every watch.
	p, err := d.RecordWatchlist(ctx, map[string]string{"a": "1", "b": "1"}, t1)
	if err != nil {
		t.Fatal(err)
	}
	want(p, PendingBacktest{"a", t1}, PendingBacktest{"b", t1})
	if err := d.FinishBacktests(ctx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	// The same watchlist owes nothing.
	p, _ = d.RecordWatchlist(ctx, map[string]string{"a": "1", "b": "1"}, t2)
	want(p)
	// b changes, c is new: both owed from t2; a backtest not finished
	// stays owed from when it was first owed.
	p, _ = d.RecordWatchlist(ctx, map[string]string{"a": "1", "b": "2", "c": "1"}, t2)
	want(p, PendingBacktest{"b", t2}, PendingBacktest{"c", t2})
	p, _ = d.RecordWatchlist(ctx, map[string]string{"a": "1", "b": "3", "c": "1"}, t3)
	want(p, PendingBacktest{"b", t2}, PendingBacktest{"c", t2})
	// c is removed: its record and its pending backtest go.
	p, _ = d.RecordWatchlist(ctx, map[string]string{"a": "1", "b": "3"}, t3)
	want(p, PendingBacktest{"b", t2})
	if err := d.FinishBacktests(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	p, _ = d.RecordWatchlist(ctx, map[string]string{"a": "1", "b": "3"}, t3)
	want(p)
}
