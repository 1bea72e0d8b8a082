// Package notifytest holds the digest fixture that the tests of notify and
// of its senders share: a morning digest of two watches whose items carry
// hostile feed text (markup, a javascript: link, an outlet with tags).
package notifytest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/schematest"
)

// T0 is when the fixture digest is built: 07:00 UTC, 09:00 in Kyiv.
var T0 = time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC)

// Spec is the morning digest's spec: two watches, Kyiv time, two notifiers.
func Spec() notify.Spec {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		panic(err)
	}
	return notify.Spec{
		Name: "morning",
		Watches: []notify.WatchInfo{
			{ID: "call-leak", Title: "Witkoff–Ushakov call recording"},
			{ID: "peace-plan", Title: "The 28-point peace plan"},
		},
		MaxStories: 50,
		Location:   kyiv,
		To:         []string{"desk-email", "team-hook"},
	}
}

// Candidates are the hits the morning digest is built from: two for
// call-leak, one for peace-plan with hostile markup in its title, summary,
// URL and outlet, one of a watch the digest does not cover, and one for
// peace-plan on the first call-leak story (listed once, "also" peace-plan).
func Candidates() []notify.Candidate {
	snippet := "A leaked recording shows Witkoff coaching Ushakov on how Putin should pitch Trump."
	i := strings.Index(snippet, "Witkoff")
	xss := `<script>alert(1)</script> "28-point plan" <img src=x onerror=alert(2)> & more`
	j := strings.Index(xss, "28-point plan")
	return []notify.Candidate{
		{HitID: 1, Watch: "call-leak", ItemID: 10, Title: "Leaked call: Witkoff coached Ushakov",
			URL: "https://example.org/a?x=1&y=2", Outlet: "AP",
			FirstSeen: T0.Add(-3 * time.Hour), Published: T0.Add(-4 * time.Hour), FoundAt: T0.Add(-3 * time.Hour),
			Score: 6, Terms: 4, Matches: []match.Match{
				{Term: "Witkoff", Field: "title", Snippet: snippet, Mark: [2]int{i, i + len("Witkoff")}},
				{Term: "Ushakov", Field: "summary", Snippet: "Ushakov said nothing.", Mark: [2]int{0, 7}},
			}},
		{HitID: 2, Watch: "call-leak", ItemID: 11, Title: "Kremlin responds\nto   transcript",
			URL: "https://example.net/b", Outlet: "",
			FirstSeen: T0.Add(-2 * time.Hour), FoundAt: T0.Add(-2 * time.Hour),
			Score: 2, Terms: 1, Matches: []match.Match{{Term: "transcript", Field: "title", Snippet: "Kremlin responds to transcript", Mark: [2]int{20, 30}}}},
		{HitID: 3, Watch: "peace-plan", ItemID: 12, Title: `<script>alert(1)</script><img src=x onerror=alert(2)>`,
			URL: "javascript:alert(3)", Outlet: "Ynet <b>",
			FirstSeen: T0.Add(-1 * time.Hour), Published: T0.Add(-90 * time.Minute), FoundAt: T0.Add(-1 * time.Hour),
			Score: 2, Matches: []match.Match{{Term: "28-point plan", Field: "summary", Snippet: xss, Mark: [2]int{j, j + len("28-point plan")}}}},
		{HitID: 4, Watch: "other", ItemID: 13, Title: "Not in this digest", FoundAt: T0, Score: 9},
		// The first story is new for peace-plan too: listed once, under
		// call-leak, "also" peace-plan.
		{HitID: 5, Watch: "peace-plan", ItemID: 10, Title: "Leaked call: Witkoff coached Ushakov",
			URL: "https://example.org/a?x=1&y=2", Outlet: "AP",
			FirstSeen: T0.Add(-3 * time.Hour), Published: T0.Add(-4 * time.Hour), FoundAt: T0.Add(-3 * time.Hour),
			Score: 1, Terms: 1, Matches: []match.Match{{Term: "28-point plan", Field: "content", Snippet: "the 28-point plan", Mark: [2]int{4, 17}}}},
	}
}

// Times are the hit times per watch that the charts count.
func Times() map[string][]time.Time {
	return map[string][]time.Time{
		"call-leak":  {T0.Add(-3 * time.Hour), T0.Add(-2 * time.Hour), T0.Add(-26 * time.Hour), T0.Add(-20 * 24 * time.Hour)},
		"peace-plan": {T0.Add(-1 * time.Hour), T0.Add(-5 * 24 * time.Hour)},
	}
}

// DigestID is the fixture digest's id.
const DigestID = "morning-20251126T070000Z-00000000"

// Digest builds the morning digest from Spec, Candidates and Times.
func Digest() *notify.Digest {
	return notify.Build(Spec(), DigestID, T0, Candidates(), Times())
}

// Rendered renders Digest, failing t if it cannot.
func Rendered(t testing.TB) *notify.Rendered {
	t.Helper()
	r, err := Render(t, Digest())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// BigMorning builds a morning digest of n stories over three watches, each
// story as large as real ones come: a Google News link of about 250
// characters, a long title, five outlets and three matches with snippets
// of about 160 characters, one story in four in Cyrillic.
func BigMorning(n int, public string) *notify.Digest {
	spec := notify.Spec{Name: "morning", MaxStories: 1000, Location: time.UTC, PublicURL: public,
		Watches: []notify.WatchInfo{{ID: "call-leak", Title: "Witkoff–Ushakov call recording"},
			{ID: "peace-plan", Title: "The 28-point peace plan"}, {ID: "dmitriev-channel", Title: "Dmitriev's back channel"}}}
	latin := "A leaked recording shows Steve Witkoff coaching Yuri Ushakov on how Vladimir Putin should pitch the 28-point plan to Donald Trump, sources said on Tuesday."
	cyrillic := "Опубликована запись разговора, в котором Уиткофф советует Ушакову, как Путину представить Трампу мирный план из 28 пунктов, сообщили источники."
	var cands []notify.Candidate
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
		cands = append(cands, notify.Candidate{HitID: int64(i + 1), Watch: w, ItemID: int64(100 + i), StoryID: int64(100 + i),
			Title:     fmt.Sprintf("Leaked call %d: what the Witkoff–Ushakov recording says about the peace plan and Putin's pitch", i),
			URL:       url,
			Outlets:   []string{"Associated Press", "Reuters", "The Kyiv Independent", "Meduza", "Ynet News"},
			FirstSeen: T0.Add(-time.Duration(i) * time.Minute), Published: T0.Add(-time.Duration(i+30) * time.Minute),
			FoundAt: T0.Add(-time.Duration(i) * time.Minute), Score: 2 + i%7, Matches: ms})
	}
	return notify.Build(spec, "morning-20251126T070000Z-0000abcd", T0, cands, nil)
}

// Render renders d and checks its JSON against the published schema
// (schematest): every rendering a test makes is checked.
func Render(t testing.TB, d *notify.Digest) (*notify.Rendered, error) {
	t.Helper()
	r, err := notify.Render(d)
	if err == nil {
		schematest.Check(t, r.JSON)
	}
	return r, err
}
