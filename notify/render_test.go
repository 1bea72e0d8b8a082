package notify

import (
	"bytes"
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var t0 = time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC)

// fixtureSpec and fixtureCandidates describe the morning digest of the
// design, with hostile feed text in one item.
func fixtureSpec() Spec {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		panic(err)
	}
	return Spec{
		Name: "morning",
		Watches: []WatchInfo{
			{ID: "call-leak", Title: "Witkoff–Ushakov call recording"},
			{ID: "peace-plan", Title: "The 28-point peace plan"},
		},
		MaxStories: 50,
		Location:   kyiv,
		To:         []string{"desk-email", "team-hook"},
	}
}

func fixtureCandidates() []Candidate {
	snippet := "A leaked recording shows Witkoff coaching Ushakov on how Putin should pitch Trump."
	i := strings.Index(snippet, "Witkoff")
	xss := `<script>alert(1)</script> "28-point plan" <img src=x onerror=alert(2)> & more`
	j := strings.Index(xss, "28-point plan")
	return []Candidate{
		{HitID: 1, Watch: "call-leak", ItemID: 10, Title: "Leaked call: Witkoff coached Ushakov",
			URL: "https://example.org/a?x=1&y=2", Outlet: "AP",
			FirstSeen: t0.Add(-3 * time.Hour), Published: t0.Add(-4 * time.Hour), FoundAt: t0.Add(-3 * time.Hour),
			Score: 6, Matches: []match.Match{
				{Term: "Witkoff", Field: "title", Snippet: snippet, Mark: [2]int{i, i + len("Witkoff")}},
				{Term: "Ushakov", Field: "summary", Snippet: "Ushakov said nothing.", Mark: [2]int{0, 7}},
			}},
		{HitID: 2, Watch: "call-leak", ItemID: 11, Title: "Kremlin responds\nto   transcript",
			URL: "https://example.net/b", Outlet: "",
			FirstSeen: t0.Add(-2 * time.Hour), FoundAt: t0.Add(-2 * time.Hour),
			Score: 2, Matches: []match.Match{{Term: "transcript", Field: "title", Snippet: "Kremlin responds to transcript", Mark: [2]int{20, 30}}}},
		{HitID: 3, Watch: "peace-plan", ItemID: 12, Title: `<script>alert(1)</script><img src=x onerror=alert(2)>`,
			URL: "javascript:alert(3)", Outlet: "Ynet <b>",
			FirstSeen: t0.Add(-1 * time.Hour), Published: t0.Add(-90 * time.Minute), FoundAt: t0.Add(-1 * time.Hour),
			Score: 2, Matches: []match.Match{{Term: "28-point plan", Field: "summary", Snippet: xss, Mark: [2]int{j, j + len("28-point plan")}}}},
		{HitID: 4, Watch: "other", ItemID: 13, Title: "Not in this digest", FoundAt: t0, Score: 9},
	}
}

func fixtureTimes() map[string][]time.Time {
	return map[string][]time.Time{
		"call-leak":  {t0.Add(-3 * time.Hour), t0.Add(-2 * time.Hour), t0.Add(-26 * time.Hour), t0.Add(-20 * 24 * time.Hour)},
		"peace-plan": {t0.Add(-1 * time.Hour), t0.Add(-5 * 24 * time.Hour)},
	}
}

func fixtureDigest() *Digest {
	return Build(fixtureSpec(), "morning-20251126T070000Z-00000000", t0, fixtureCandidates(), fixtureTimes())
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s", name, got)
	}
}

func TestRenderGolden(t *testing.T) {
	r, err := Render(fixtureDigest())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "morning.txt", []byte(r.Text))
	golden(t, "morning.html", []byte(r.HTML))
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, r.JSON, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden(t, "morning.json", pretty.Bytes())
	golden(t, "morning.chat.txt", []byte(r.Chat))
	if want := "[storywatch] morning: 3 new stories (call-leak 2, peace-plan 1)"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, err := Render(fixtureDigest())
	if err != nil {
		t.Fatal(err)
	}
	// A stored digest is rendered again from its JSON on every retry.
	js, err := json.Marshal(fixtureDigest())
	if err != nil {
		t.Fatal(err)
	}
	var d Digest
	if err := json.Unmarshal(js, &d); err != nil {
		t.Fatal(err)
	}
	b, err := Render(&d)
	if err != nil {
		t.Fatal(err)
	}
	if a.HTML != b.HTML || a.Text != b.Text || !bytes.Equal(a.JSON, b.JSON) || a.Chat != b.Chat {
		t.Error("a digest restored from its stored JSON renders differently")
	}
	for i := range a.Images {
		if !bytes.Equal(a.Images[i].PNG, b.Images[i].PNG) {
			t.Errorf("chart %d differs after a round trip", i)
		}
	}
}

func TestHTMLEscapesFeedText(t *testing.T) {
	r, err := Render(fixtureDigest())
	if err != nil {
		t.Fatal(err)
	}
	for name, html := range map[string]string{"email": r.HTML, "file": r.FileHTML} {
		for _, bad := range []string{"<script", "<img src=x", "javascript:", "<b>"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s HTML contains feed markup %q", name, bad)
			}
		}
		for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;",
			`<mark style="background:#ffe066;">Witkoff</mark>`, `<mark style="background:#ffe066;">28-point plan</mark>`} {
			if !strings.Contains(html, want) {
				t.Errorf("%s HTML lacks %q", name, want)
			}
		}
	}
}

func TestHTMLReferencesEveryChart(t *testing.T) {
	r, err := Render(fixtureDigest())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Images) != 2 {
		t.Fatalf("%d charts, want one per watch (2)", len(r.Images))
	}
	for _, img := range r.Images {
		if !strings.Contains(r.HTML, `src="cid:`+img.ContentID+`"`) {
			t.Errorf("email HTML does not reference cid:%s", img.ContentID)
		}
		if !strings.Contains(r.FileHTML, `src="`+img.Filename+`"`) {
			t.Errorf("file HTML does not reference %s", img.Filename)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img.PNG))
		if err != nil {
			t.Fatalf("chart %s: %v", img.Filename, err)
		}
		if cfg.Width != chartWidth || cfg.Height != chartHeight {
			t.Errorf("chart %s is %dx%d", img.Filename, cfg.Width, cfg.Height)
		}
	}
}

func TestSplitMark(t *testing.T) {
	tests := []struct {
		name    string
		snippet string
		mark    [2]int
		want    markParts
	}{
		{"mark in the middle", "a Witkoff b", [2]int{2, 9}, markParts{"a ", "Witkoff", " b"}},
		{"mark out of range is ignored", "abc", [2]int{1, 9}, markParts{Before: "abc"}},
		{"empty mark is ignored", "abc", [2]int{1, 1}, markParts{Before: "abc"}},
		{"mark inside a character is ignored", "Ушаков", [2]int{1, 4}, markParts{Before: "Ушаков"}},
		{"mark on Cyrillic boundaries", "о Ушакове", [2]int{3, 15}, markParts{"о ", "Ушаков", "е"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitMark(tt.snippet, tt.mark); got != tt.want {
				t.Errorf("splitMark = %+v, want %+v", got, tt.want)
			}
		})
	}
}
