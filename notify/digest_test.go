package notify

import (
	"testing"
	"time"
)

func TestBuildGroupsOrdersAndCaps(t *testing.T) {
	d := fixtureDigest()
	if len(d.Watches) != 2 || d.Watches[0].ID != "call-leak" || d.Watches[1].ID != "peace-plan" {
		t.Fatalf("sections = %+v", d.Watches)
	}
	cl := d.Watches[0].Stories
	if len(cl) != 2 || cl[0].ID != "10" || cl[1].ID != "11" {
		t.Errorf("call-leak stories = %+v, want item 10 (score 6) before 11", cl)
	}
	if cl[1].Title != "Kremlin responds to transcript" {
		t.Errorf("title white space not collapsed: %q", cl[1].Title)
	}
	if got := d.HitIDs; len(got) != 3 {
		t.Errorf("hit ids = %v, want the 3 hits of the digest's watches", got)
	}

	spec := fixtureSpec()
	spec.MaxStories = 2
	capped := Build(spec, "x", t0, fixtureCandidates(), nil)
	if n := len(capped.Watches[0].Stories) + len(capped.Watches[1].Stories); n != 2 {
		t.Errorf("%d stories shown with max_stories 2", n)
	}
	// Scores 6, 2, 2: the older of the two 2s (call-leak's item 11) is cut.
	if capped.Watches[0].More != 1 || capped.Watches[0].Total() != 2 {
		t.Errorf("call-leak more = %d, want the cut story counted", capped.Watches[0].More)
	}
	if len(capped.HitIDs) != 3 {
		t.Errorf("cut hits must still be included, got %v", capped.HitIDs)
	}
}

func TestBuildOrdersEqualScoresNewestFirst(t *testing.T) {
	spec := Spec{Name: "d", Watches: []WatchInfo{{ID: "w"}}}
	cands := []Candidate{
		{HitID: 1, Watch: "w", ItemID: 1, Score: 3, FoundAt: t0.Add(-time.Hour)},
		{HitID: 2, Watch: "w", ItemID: 2, Score: 3, FoundAt: t0},
		{HitID: 3, Watch: "w", ItemID: 3, Score: 5, FoundAt: t0.Add(-2 * time.Hour)},
	}
	d := Build(spec, "x", t0, cands, nil)
	var got []string
	for _, s := range d.Watches[0].Stories {
		got = append(got, s.ID)
	}
	if want := []string{"3", "2", "1"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("order = %v, want %v", got, want)
	}
	if d.Watches[0].Title != "w" {
		t.Errorf("an untitled watch is shown by its id, got %q", d.Watches[0].Title)
	}
}

func TestDailyCountsLocalCalendarDays(t *testing.T) {
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	now := time.Date(2025, 11, 26, 7, 0, 0, 0, kyiv)
	times := []time.Time{
		now, // today
		time.Date(2025, 11, 25, 23, 30, 0, 0, time.UTC), // 01:30 on the 26th in Kyiv: today
		time.Date(2025, 11, 25, 12, 0, 0, 0, kyiv),      // yesterday
		time.Date(2025, 11, 13, 0, 5, 0, 0, kyiv),       // first day of the window
		time.Date(2025, 11, 12, 23, 55, 0, 0, kyiv),     // just before it
	}
	got := daily(times, now, kyiv)
	if len(got) != ChartDays || got[13] != 2 || got[12] != 1 || got[0] != 1 {
		t.Errorf("daily = %v", got)
	}
	sum := 0
	for _, n := range got {
		sum += n
	}
	if sum != 4 {
		t.Errorf("%d counted, want 4 (one is outside the window)", sum)
	}
}

func TestEmptyDigest(t *testing.T) {
	d := Build(fixtureSpec(), "x", t0, nil, nil)
	if !d.Empty() {
		t.Error("a digest without candidates is not empty")
	}
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "[storywatch] morning: 0 new stories" {
		t.Errorf("subject = %q", r.Subject)
	}
}
