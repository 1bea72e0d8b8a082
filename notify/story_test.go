package notify_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
	"github.com/storywatch/storywatch/story"
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
	if len(w) != 1 || w[0].ID != "7" || w[0].Score != 5 || w[0].Title != "Lead" || !slices.Equal(w[0].Outlets, outlets) ||
		!slices.Equal(w[0].Also, []string{"v"}) {
		t.Errorf("watch w = %+v, want story 7 once, at its best score, with its three outlets, also v", w)
	}
	if v := d.Watches[1].Stories; len(v) != 0 {
		t.Errorf("watch v = %+v, want nothing: story 7 is listed once, under w", v)
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

// The entries, their order and the hit each is shown with never depend on
// the order of the candidates: of two hits with one score, the one from
// the copy first by story.Rank wins.
func TestBuildIgnoresTheCandidatesOrder(t *testing.T) {
	t.Parallel()
	spec := notify.Spec{Name: "d", Watches: []notify.WatchInfo{{ID: "leak"}, {ID: "plan"}, {ID: "witkoff"}}}
	ap := story.Rank{Published: notifytest.T0.Add(-3 * time.Hour), FirstSeen: notifytest.T0, CanonicalURL: "https://ap.test/1", Feed: "http://ap.test/rss", Key: "a"}
	ynet := story.Rank{Published: notifytest.T0.Add(-2 * time.Hour), FirstSeen: notifytest.T0, CanonicalURL: "https://ynet.test/1", Feed: "http://ynet.test/rss", Key: "y"}
	cands := []notify.Candidate{
		{HitID: 1, Watch: "witkoff", ItemID: 2, StoryID: 1, Title: "Lead", Score: 2, Terms: 1, Copy: ynet,
			Matches: []match.Match{{Term: "Witkoff", Field: "title", Snippet: "from Ynet"}}},
		{HitID: 2, Watch: "witkoff", ItemID: 1, StoryID: 1, Title: "Lead", Score: 2, Terms: 1, Copy: ap,
			Matches: []match.Match{{Term: "Witkoff", Field: "title", Snippet: "from AP"}}},
		{HitID: 3, Watch: "plan", ItemID: 1, StoryID: 1, Title: "Lead", Score: 1, Terms: 1, Copy: ap},
		{HitID: 4, Watch: "leak", ItemID: 3, StoryID: 3, Title: "Other", Score: 2, FirstSeen: notifytest.T0},
		{HitID: 5, Watch: "witkoff", ItemID: 3, StoryID: 3, Title: "Other", Score: 4, FirstSeen: notifytest.T0},
		{HitID: 6, Watch: "witkoff", ItemID: 4, StoryID: 4, Title: "Third", Score: 2, FirstSeen: notifytest.T0.Add(-time.Hour)},
	}
	want := notify.Build(spec, "x", notifytest.T0, cands, nil)
	if s := want.Watches[1].Stories; len(s) != 1 || s[0].ID != "1" || !slices.Equal(s[0].Also, []string{"witkoff"}) {
		t.Errorf("plan = %+v, want story 1 under plan (before witkoff), also witkoff", s)
	}
	if s := want.Watches[0].Stories; len(s) != 1 || s[0].Score != 2 || !slices.Equal(s[0].Also, []string{"witkoff"}) {
		t.Errorf("leak = %+v, want story 3 under leak with its leak hit, also witkoff", s)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		shuffled := slices.Clone(cands)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := notify.Build(spec, "x", notifytest.T0, shuffled, nil)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("order %v gave %+v, want %+v", shuffled, got, want)
		}
	}
	// Witkoff's story 1 is shown with the AP copy's hit: the same score,
	// an earlier publication.
	only := notify.Build(notify.Spec{Name: "d", Watches: []notify.WatchInfo{{ID: "witkoff"}}}, "y", notifytest.T0, cands[:2], nil)
	if s := only.Watches[0].Stories; len(s) != 1 || s[0].Matches[0].Snippet != "from AP" {
		t.Errorf("witkoff = %+v, want story 1 shown with the AP copy's hit", s)
	}
}

// The subject, the text, the HTML, the chat message and the JSON count the
// same stories: each once, under the watch it is listed under.
func TestRenderingsAgreeOnCounts(t *testing.T) {
	t.Parallel()
	spec := notify.Spec{Name: "desk", MaxStories: 3, Watches: []notify.WatchInfo{{ID: "leak", Title: "Call leak"},
		{ID: "witkoff", Title: "Steve Witkoff"}, {ID: "ushakov", Title: "Yuri Ushakov"}}}
	var cands []notify.Candidate
	for i, ws := range [][]string{{"leak", "witkoff", "ushakov"}, {"witkoff"}, {"witkoff", "ushakov"}, {"ushakov"}, {"leak"}} {
		for _, w := range ws {
			cands = append(cands, notify.Candidate{HitID: int64(len(cands) + 1), Watch: w, ItemID: int64(i + 1), StoryID: int64(i + 1),
				Title: fmt.Sprintf("Story %d", i+1), URL: fmt.Sprintf("https://news.test/%d", i+1), FirstSeen: notifytest.T0,
				Published: notifytest.T0.Add(-time.Duration(i) * time.Hour), Score: 5 - i, Terms: 1})
		}
	}
	d := notify.Build(spec, "desk-1", notifytest.T0, cands, nil)
	r, err := notifytest.Render(t, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[storywatch] desk: 5 new stories (leak 2, witkoff 2, ushakov 1)"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
	shown := 0
	for i := 1; i <= 5; i++ {
		url := fmt.Sprintf("https://news.test/%d", i)
		n := strings.Count(r.Text, url)
		if n > 1 || strings.Count(r.HTML, `href="`+url+`"`) != n || strings.Count(r.Chat, url) != n {
			t.Errorf("story %d shown %d times in the text, %d in the HTML, %d in chat; want once or (cut) never in each",
				i, n, strings.Count(r.HTML, `href="`+url+`"`), strings.Count(r.Chat, url))
		}
		shown += n
	}
	var js struct {
		Watches []struct {
			Stories []struct {
				Also []string `json:"also"`
			} `json:"stories"`
			More int `json:"more"`
		} `json:"watches"`
	}
	if err := json.Unmarshal(r.JSON, &js); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, w := range js.Watches {
		total += len(w.Stories) + w.More
	}
	if shown != 3 || total != 5 || r.Stories != 5 || strings.Count(r.Text, "… and 1 more") != 2 {
		t.Errorf("%d shown, JSON counts %d, rendered %d; want 3 shown of 5", shown, total, r.Stories)
	}
	if s := js.Watches[0].Stories; len(s) == 0 || !slices.Equal(s[0].Also, []string{"witkoff", "ushakov"}) ||
		!strings.Contains(r.Text, "also: Steve Witkoff, Yuri Ushakov") {
		t.Errorf("story 1 = %+v; want it under leak, also witkoff and ushakov, named in the text", s)
	}
}
