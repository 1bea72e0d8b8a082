package backtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
)

var t0 = time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)

// fakeStore holds items and stored hits; it applies since as the store does.
type fakeStore struct {
	items     []Item
	hits      []StoredHit
	added     []Hit
	retracted []Retraction
}

func (f *fakeStore) RetractHits(_ context.Context, hits []Retraction, reason string) (map[string]int, error) {
	f.retracted = append(f.retracted, hits...)
	out := map[string]int{}
	for _, h := range hits {
		out[h.Watch]++
	}
	return out, nil
}

func (f *fakeStore) ItemsSince(_ context.Context, since time.Time) ([]Item, error) {
	var out []Item
	for _, it := range f.items {
		if !it.FirstSeen.Before(since) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (f *fakeStore) HitsOfItemsSince(_ context.Context, since time.Time) ([]StoredHit, error) {
	seen := map[int64]bool{}
	for _, it := range f.items {
		if !it.FirstSeen.Before(since) {
			seen[it.ID] = true
		}
	}
	var out []StoredHit
	for _, h := range f.hits {
		if seen[h.ItemID] {
			out = append(out, h)
		}
	}
	return out, nil
}

func (f *fakeStore) AddBackfilledHits(_ context.Context, hits []Hit) (map[string]int, error) {
	f.added = append(f.added, hits...)
	out := map[string]int{}
	for _, h := range hits {
		out[h.Hit.Watch]++
	}
	return out, nil
}

func compile(t *testing.T, query string) *match.Matcher {
	t.Helper()
	m, err := match.Compile(match.Watchlist{
		Actors:     []match.Actor{{ID: "witkoff", Aliases: []string{"Witkoff"}, Track: true}},
		Storylines: []match.Storyline{{ID: "leak", Query: query}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func item(id int64, title string, ago time.Duration) Item {
	url := fmt.Sprintf("https://news.example/%d", id)
	return Item{ID: id, StoryID: id, FirstSeen: t0.Add(-ago), Title: title, URL: url,
		Copies: []Copy{{FeedID: 1, Key: fmt.Sprint(id), Doc: match.Document{Title: title, URL: url}}}}
}

func TestRunReportsAdditionsAndDropsPerWatch(t *testing.T) {
	t.Parallel()
	st := &fakeStore{
		items: []Item{
			item(1, "Witkoff call leaked", 3*time.Hour),
			item(2, "Witkoff transcript", 2*time.Hour),
			item(3, "Weather", time.Hour),
			item(4, "Witkoff call, old", 100*time.Hour), // before since
		},
		hits: []StoredHit{
			{ItemID: 1, Watch: "leak", Score: 2},
			{ItemID: 3, Watch: "leak", Score: 1}, // the new query no longer finds it
			{ItemID: 4, Watch: "leak", Score: 2},
		},
	}
	res, err := Run(context.Background(), st, compile(t, "Witkoff AND (call OR transcript)"),
		Options{Since: t0.Add(-48 * time.Hour), Watches: []string{"leak"}, Found: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 3 {
		t.Errorf("Items = %d, want 3", res.Items)
	}
	if got := ids(res.Add["leak"]); fmt.Sprint(got) != "[2]" {
		t.Errorf("add = %v, want [2]", got)
	}
	if got := ids(res.Drop["leak"]); fmt.Sprint(got) != "[3]" {
		t.Errorf("drop = %v, want [3]", got)
	}
	if got := ids(res.Found["leak"]); fmt.Sprint(got) != "[1 2]" {
		t.Errorf("found = %v, want [1 2]", got)
	}
	if c := res.Counts["leak"]; c != (Counts{Found: 2, Add: 1, Drop: 1}) {
		t.Errorf("counts = %+v", c)
	}
	if _, ok := res.Add["witkoff"]; ok {
		t.Errorf("a watch not asked for was compared: %+v", res.Add)
	}
	if add, drop := res.Total(); add != 1 || drop != 1 {
		t.Errorf("Total = %d, %d", add, drop)
	}
	if c := res.Found["leak"][0]; c.StoryID != 1 || c.Hit.Score == 0 || len(c.Hit.Matches) == 0 {
		t.Errorf("found hit carries no story or explanation: %+v", c)
	}
}

func TestRunLeavesOutHeldBackItems(t *testing.T) {
	t.Parallel()
	held := item(1, "Witkoff call", time.Hour)
	held.Copies[0].HeldBack = true
	st := &fakeStore{items: []Item{held, item(2, "Witkoff call again", time.Hour)}}
	res, err := Run(context.Background(), st, compile(t, "Witkoff"), Options{Since: t0.Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Add["witkoff"]); fmt.Sprint(got) != "[2]" {
		t.Errorf("add = %v, want only the item not held back", got)
	}
}

func TestLimitKeepsTheNewestAndCountsAll(t *testing.T) {
	t.Parallel()
	st := &fakeStore{}
	for i := range 50 {
		st.items = append(st.items, item(int64(i+1), "Witkoff call", time.Duration(60-i)*time.Minute))
	}
	res, err := Run(context.Background(), st, compile(t, "Witkoff"),
		Options{Since: t0.Add(-48 * time.Hour), Watches: []string{"leak"}, Found: true, Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Found["leak"]); fmt.Sprint(got) != "[44 45 46 47 48 49 50]" {
		t.Errorf("found = %v, want the 7 newest", got)
	}
	if len(res.Add["leak"]) != 7 || res.Counts["leak"].Add != 50 || res.Counts["leak"].Found != 50 {
		t.Errorf("add kept %d, counts %+v; want 7 kept of 50", len(res.Add["leak"]), res.Counts["leak"])
	}
	if _, err := res.Apply(context.Background(), st); !errors.Is(err, ErrLimited) {
		t.Errorf("Apply of a limited result = %v, want ErrLimited", err)
	}
	if len(st.added) != 0 {
		t.Errorf("a limited result stored %d hits", len(st.added))
	}
}

func TestApplyStoresEveryAddition(t *testing.T) {
	t.Parallel()
	st := &fakeStore{items: []Item{item(1, "Witkoff call", time.Hour), item(2, "Witkoff", time.Hour)}}
	res, err := Run(context.Background(), st, compile(t, "call"), Options{Since: t0.Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	added, err := res.Apply(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if added["witkoff"] != 2 || added["leak"] != 1 || len(st.added) != 3 {
		t.Errorf("added = %v (%d stored), want witkoff 2, leak 1", added, len(st.added))
	}
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st := &fakeStore{items: []Item{item(1, "Witkoff", time.Hour)}}
	if _, err := Run(ctx, st, compile(t, "Witkoff"), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
}

func ids(cs []Change) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.ItemID)
	}
	return out
}

// An item seen in two feeds has a hit when either copy's text matches it,
// with the better copy's evidence; the hits of an item with a copy whose
// text was not kept are never dropped; Retract retracts the drops.
func TestRunMatchesEveryCopyAndRetractsDrops(t *testing.T) {
	t.Parallel()
	two := item(1, "Kremlin on the call", time.Hour)
	two.Copies = append(two.Copies, Copy{FeedID: 2, Key: "g", Doc: match.Document{Title: "Witkoff call - AP"}})
	unchecked := item(2, "Weather", time.Hour)
	unchecked.Unchecked = true
	st := &fakeStore{items: []Item{two, unchecked, item(3, "Weather again", time.Hour)},
		hits: []StoredHit{{ItemID: 2, Watch: "witkoff", Score: 1}, {ItemID: 3, Watch: "witkoff", Score: 1}}}
	res, err := Run(context.Background(), st, compile(t, "Witkoff"), Options{Since: t0.Add(-48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if add := res.Add["witkoff"]; len(add) != 1 || add[0].ItemID != 1 || add[0].Copy.Key != "g" {
		t.Errorf("add = %+v, want item 1 through its second copy", add)
	}
	if got := ids(res.Drop["witkoff"]); fmt.Sprint(got) != "[3]" {
		t.Errorf("drop = %v, want item 3 only: item 2 has a copy whose text is unknown", got)
	}
	if _, err := res.Apply(context.Background(), st); err != nil || len(st.added) == 0 || st.added[0].Key != "g" {
		t.Errorf("applied %+v (%v), want the hit with its copy", st.added, err)
	}
	gone, err := res.Retract(context.Background(), st)
	if err != nil || gone["witkoff"] != 1 || len(st.retracted) != 1 || st.retracted[0].ItemID != 3 {
		t.Errorf("retracted %v, %+v (%v); want item 3's hit", gone, st.retracted, err)
	}
}
