package notify

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/notify/smtptest"
)

// bigMorning builds a morning digest of n stories over three watches, each
// story as large as real ones come: a Google News link of about 250
// characters, a long title, five outlets and three matches with snippets
// of about 160 characters, one story in four in Cyrillic.
func bigMorning(n int, public string) *Digest {
	spec := Spec{Name: "morning", MaxStories: 1000, Location: time.UTC, PublicURL: public,
		Watches: []WatchInfo{{ID: "call-leak", Title: "Witkoff–Ushakov call recording"},
			{ID: "peace-plan", Title: "The 28-point peace plan"}, {ID: "dmitriev-channel", Title: "Dmitriev's back channel"}}}
	latin := "A leaked recording shows Steve Witkoff coaching Yuri Ushakov on how Vladimir Putin should pitch the 28-point plan to Donald Trump, sources said on Tuesday."
	cyrillic := "Опубликована запись разговора, в котором Уиткофф советует Ушакову, как Путину представить Трампу мирный план из 28 пунктов, сообщили источники."
	var cands []Candidate
	for i := range n {
		w := spec.Watches[i%3].ID
		text := latin
		if i%4 == 3 {
			text = cyrillic
		}
		url := "https://news.google.com/rss/articles/CBMi" + strings.Repeat("qwertyuiopASDFGHJKLzxcvbnm0123456789", 6) + "?oc=5&hl=en-US&gl=US&ceid=US:en&n=" + strconv.Itoa(i)
		var ms []match.Match
		for _, term := range []string{"Witkoff", "Ushakov", "28-point plan"} {
			ms = append(ms, match.Match{Term: term, Field: "summary", Snippet: text, Mark: [2]int{0, 1}})
		}
		cands = append(cands, Candidate{HitID: int64(i + 1), Watch: w, ItemID: int64(100 + i), StoryID: int64(100 + i),
			Title:     fmt.Sprintf("Leaked call %d: what the Witkoff–Ushakov recording says about the peace plan and Putin's pitch", i),
			URL:       url,
			Outlets:   []string{"Associated Press", "Reuters", "The Kyiv Independent", "Meduza", "Ynet News"},
			FirstSeen: t0.Add(-time.Duration(i) * time.Minute), Published: t0.Add(-time.Duration(i+30) * time.Minute),
			FoundAt: t0.Add(-time.Duration(i) * time.Minute), Score: 2 + i%7, Matches: ms})
	}
	return Build(spec, "morning-20251126T070000Z-0000abcd", t0, cands, nil)
}

func TestSeventyStoryMorningEmailStaysUnder100KB(t *testing.T) {
	t.Parallel()
	r, err := Render(bigMorning(70, ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(r.HTML, `<p style="margin:12px 0 0">`); got != 70 {
		t.Errorf("the HTML shows %d stories, want all 70", got)
	}
	t.Logf("70 stories: %d bytes of HTML (%d per story), %d quoted-printable", len(r.HTML), len(r.HTML)/70, encodedLen(r.HTML))

	// The size that counts is the HTML part of the message as sent.
	srv := smtptest.Start(t)
	e, err := NewEmail(EmailOptions{NotifierID: "desk-email", Host: srv.Host, Port: srv.Port, TLS: TLSNone,
		From: "storywatch <alerts@example.org>", To: []string{"desk@example.org"}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	html, _ := readMIME(t, msgs[0].Data)
	if len(html) >= 100_000 {
		t.Errorf("HTML part is %d bytes decoded, want under 100 KB", len(html))
	}
	raw := string(msgs[0].Data)
	start := strings.Index(raw, "Content-Type: text/html")
	end := strings.Index(raw[start:], "\r\n--")
	if start < 0 || end < 0 {
		t.Fatal("no text/html part in the raw message")
	}
	if n := end; n >= 100_000 {
		t.Errorf("HTML part is %d bytes as sent, want under 100 KB (Gmail clips at about 102 KB)", n)
	}
}

func TestOversizedDigestShowsTheBestAndLinksTheRest(t *testing.T) {
	t.Parallel()
	d := bigMorning(300, "https://storywatch.example.org/")
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if n := encodedLen(r.HTML); n > htmlBudget {
		t.Errorf("HTML of 300 stories is %d bytes encoded, over the budget of %d", n, htmlBudget)
	}
	shown := strings.Count(r.HTML, `<p style="margin:12px 0 0">`)
	if shown == 0 || shown >= 300 {
		t.Fatalf("%d of 300 stories shown, want a cut", shown)
	}
	rest := 0
	for _, m := range regexp.MustCompile(`… and (\d+) more: <a href="([^"]+)">`).FindAllStringSubmatch(r.HTML, -1) {
		n, _ := strconv.Atoi(m[1])
		rest += n
		if !strings.HasPrefix(m[2], "https://storywatch.example.org/hits.atom?watch=") {
			t.Errorf("more link %q does not lead to the watch's feed", m[2])
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
	spec := fixtureSpec()
	spec.Instant = true
	spec.Watches = append(spec.Watches, WatchInfo{ID: "dmitriev-channel", Title: "Dmitriev's back channel"})
	cands := fixtureCandidates()[:2] // call-leak only
	r, err := Render(Build(spec, "breaking-1", t0, cands, nil))
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
	if d := Build(spec, "morning-1", t0, cands, nil); len(d.Watches) != 3 {
		t.Errorf("a scheduled digest has %d sections, want every watch (3)", len(d.Watches))
	}
}
