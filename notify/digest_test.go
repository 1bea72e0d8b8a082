package notify_test

import (
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

func TestBuildGroupsOrdersAndCaps(t *testing.T) {
	t.Parallel()
	d := notifytest.Digest()
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
	if got := d.HitIDs; len(got) != 4 {
		t.Errorf("hit ids = %v, want the 4 hits of the digest's watches", got)
	}
	if s := cl[0]; len(s.Also) != 1 || s.Also[0] != "peace-plan" || len(d.Watches[1].Stories) != 1 {
		t.Errorf("item 10 = %+v, peace-plan = %+v; want item 10 under call-leak only, also peace-plan", s, d.Watches[1].Stories)
	}

	spec := notifytest.Spec()
	spec.MaxStories = 2
	capped := notify.Build(spec, "x", notifytest.T0, notifytest.Candidates(), nil)
	if n := len(capped.Watches[0].Stories) + len(capped.Watches[1].Stories); n != 2 {
		t.Errorf("%d stories shown with max_stories 2", n)
	}
	// Scores 6, 2, 2: the older of the two 2s (call-leak's item 11) is cut.
	if capped.Watches[0].More != 1 || capped.Watches[0].Total() != 2 {
		t.Errorf("call-leak more = %d, want the cut story counted", capped.Watches[0].More)
	}
	if len(capped.HitIDs) != 4 {
		t.Errorf("cut hits must still be included, got %v", capped.HitIDs)
	}
}

func TestBuildOrdersEqualScoresNewestFirst(t *testing.T) {
	t.Parallel()
	spec := notify.Spec{Name: "d", Watches: []notify.WatchInfo{{ID: "w"}}}
	cands := []notify.Candidate{
		{HitID: 1, Watch: "w", ItemID: 1, Score: 3, FirstSeen: notifytest.T0.Add(-time.Hour)},
		{HitID: 2, Watch: "w", ItemID: 2, Score: 3, FirstSeen: notifytest.T0},
		{HitID: 3, Watch: "w", ItemID: 3, Score: 5, FirstSeen: notifytest.T0.Add(-2 * time.Hour)},
	}
	d := notify.Build(spec, "x", notifytest.T0, cands, nil)
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

func TestEmptyDigest(t *testing.T) {
	t.Parallel()
	d := notify.Build(notifytest.Spec(), "x", notifytest.T0, nil, nil)
	if !d.Empty() {
		t.Error("a digest without candidates is not empty")
	}
	r, err := notifytest.Render(t, d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "[storywatch] morning: 0 new stories" {
		t.Errorf("subject = %q", r.Subject)
	}
}
