package notify_test

import (
	"slices"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

func TestBuildListsStoriesNotCopies(t *testing.T) {
	t.Parallel()
	spec := notify.Spec{Name: "d", Watches: []notify.WatchInfo{{ID: "w"}, {ID: "v"}}}
	outlets := []string{"AP", "Ynet", "kyiv.test"}
	cands := []notify.Candidate{
		{HitID: 1, Watch: "w", ItemID: 1, StoryID: 7, Title: "Lead", URL: "https://ap.test/1", Outlet: "AP", Outlets: outlets, Score: 2, FoundAt: notifytest.T0},
		{HitID: 2, Watch: "w", ItemID: 2, StoryID: 7, Title: "Lead", URL: "https://ap.test/1", Outlet: "Ynet", Outlets: outlets, Score: 5, FoundAt: notifytest.T0},
		{HitID: 3, Watch: "v", ItemID: 2, StoryID: 7, Title: "Lead", URL: "https://ap.test/1", Outlets: outlets, Score: 1, FoundAt: notifytest.T0},
		{HitID: 4, Watch: "w", ItemID: 4, StoryID: 8, Title: "Old story", Outlets: []string{"AP", "BBC"}, Sent: true, Score: 9, FoundAt: notifytest.T0},
	}
	d := notify.Build(spec, "x", notifytest.T0, cands, nil)
	w := d.Watches[0].Stories
	if len(w) != 1 || w[0].ID != "7" || w[0].Score != 5 || w[0].Title != "Lead" || !slices.Equal(w[0].Outlets, outlets) {
		t.Errorf("watch w = %+v, want story 7 once, at its best score, with its three outlets", w)
	}
	if v := d.Watches[1].Stories; len(v) != 1 || v[0].ID != "7" {
		t.Errorf("watch v = %+v, want story 7: a new story for that watch", v)
	}
	if !slices.Equal(d.HitIDs, []int64{1, 2, 3, 4}) {
		t.Errorf("hit ids = %v, want every hit, the sent story's included silently", d.HitIDs)
	}

	only := notify.Build(spec, "y", notifytest.T0, cands[3:], nil)
	if !only.Empty() || len(only.HitIDs) != 1 {
		t.Errorf("a digest of a sent story's new copy = %+v, want empty", only)
	}
}

func TestBuildShowsAnItemWithoutStoryAsItsOwn(t *testing.T) {
	t.Parallel()
	spec := notify.Spec{Name: "d", Watches: []notify.WatchInfo{{ID: "w"}}}
	d := notify.Build(spec, "x", notifytest.T0, []notify.Candidate{
		{HitID: 1, Watch: "w", ItemID: 3, Outlet: "AP", Score: 1, FoundAt: notifytest.T0},
		{HitID: 2, Watch: "w", ItemID: 4, Outlet: "BBC", Score: 1, FoundAt: notifytest.T0.Add(-time.Minute)},
	}, nil)
	s := d.Watches[0].Stories
	if len(s) != 2 || s[0].ID != "3" || !slices.Equal(s[0].Outlets, []string{"AP"}) {
		t.Errorf("stories = %+v, want one per item with its outlet", s)
	}
}
