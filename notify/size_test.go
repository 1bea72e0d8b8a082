package notify_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

func TestOversizedDigestShowsTheBestAndLinksTheRest(t *testing.T) {
	t.Parallel()
	d := notifytest.BigMorning(300, "https://storywatch.example.org/")
	r, err := notify.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if n := notify.EncodedLen(r.HTML); n > notify.HTMLBudget {
		t.Errorf("HTML of 300 stories is %d bytes encoded, over the budget of %d", n, notify.HTMLBudget)
	}
	shown := strings.Count(r.HTML, `<p style="margin:12px 0 0">`)
	if shown == 0 || shown >= 300 {
		t.Fatalf("%d of 300 stories shown, want a cut", shown)
	}
	rest := 0
	for _, m := range regexp.MustCompile(`… and (\d+) more: <a href="([^"]+)">`).FindAllStringSubmatch(r.HTML, -1) {
		n, _ := strconv.Atoi(m[1])
		rest += n
		if !strings.HasPrefix(m[2], "https://storywatch.example.org/watch/") {
			t.Errorf("more link %q does not lead to the watch's page", m[2])
		}
	}
	if shown+rest != 300 {
		t.Errorf("%d shown + %d more = %d, want 300", shown, rest, shown+rest)
	}
	// The cut keeps the best scores: no story left out scores higher than
	// one shown.
	minShown := 99
	for _, m := range regexp.MustCompile(`score (\d+)</small>`).FindAllStringSubmatch(r.HTML, -1) {
		n, _ := strconv.Atoi(m[1])
		minShown = min(minShown, n)
	}
	counts := map[int]int{}
	for _, s := range d.Watches {
		for _, st := range s.Stories {
			counts[st.Score]++
		}
	}
	above := 0
	for score, n := range counts {
		if score > minShown {
			above += n
		}
	}
	if above > shown {
		t.Errorf("%d stories score above the lowest shown (%d), but only %d are shown", above, minShown, shown)
	}
	// Every header still counts every story, and the text keeps them all.
	if !strings.Contains(r.HTML, "morning: 300 new stories") {
		t.Error("the HTML's title does not count all 300 stories")
	}
	if got := strings.Count(r.Text, "\n   https://news.google.com/"); got != 300 {
		t.Errorf("the text part lists %d stories, want 300", got)
	}
	if r.FileHTML == "" || strings.Count(r.FileHTML, `<p style="margin:12px 0 0">`) != shown {
		t.Error("the file HTML shows different stories from the email's")
	}
}

func TestInstantDigestLeavesOutWatchesWithNothingNew(t *testing.T) {
	t.Parallel()
	spec := notifytest.Spec()
	spec.Instant = true
	spec.Watches = append(spec.Watches, notify.WatchInfo{ID: "dmitriev-channel", Title: "Dmitriev's back channel"})
	cands := notifytest.Candidates()[:2] // call-leak only
	r, err := notify.Render(notify.Build(spec, "breaking-1", notifytest.T0, cands, nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": r.Text, "html": r.HTML, "json": string(r.JSON), "chat": r.Chat} {
		if strings.Contains(out, "peace-plan") || strings.Contains(out, "dmitriev-channel") || strings.Contains(out, "0 new") {
			t.Errorf("%s of an instant digest names a watch with nothing new:\n%s", name, out)
		}
		if !strings.Contains(out, "call-leak") {
			t.Errorf("%s of an instant digest lacks the watch with news", name)
		}
	}
	spec.Instant = false
	if d := notify.Build(spec, "morning-1", notifytest.T0, cands, nil); len(d.Watches) != 3 {
		t.Errorf("a scheduled digest has %d sections, want every watch (3)", len(d.Watches))
	}
}
