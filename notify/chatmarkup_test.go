package notify

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestChatRenderingNeutralisesFeedText(t *testing.T) {
	tests := []struct {
		name    string
		title   string
		url     string
		outlet  string
		absent  []string
		present []string
	}{
		{"slack channel ping", "Breaking <!channel> news", "https://example.org/a", "AP",
			[]string{"<!channel>"}, []string{"‹!channel›"}},
		{"slack link spoof", "See <https://evil.example|the official statement>", "https://example.org/a", "AP",
			[]string{"<https://evil.example|"}, []string{"‹https://evil.example|the official statement›"}},
		{"discord everyone and here", "Hello @everyone and @Here", "https://example.org/a", "@everyone wire",
			[]string{"@everyone", "@Here"}, []string{"@\u200beveryone", "@\u200bHere"}},
		{"slack plain channel mention", "ping @channel now", "https://example.org/a", "AP",
			[]string{"@channel"}, []string{"@\u200bchannel"}},
		{"markdown specials", "*Bold* _claim_ [link](https://evil.example) `code` ~gone~", "https://example.org/a", "A_P",
			[]string{"*", "_", "[", "]", "`", "~"}, []string{"∗Bold∗ ＿claim＿ ［link］(https://evil.example) ˋcodeˋ ∼gone∼", "A＿P"}},
		{"url that would close a link", "Fine title", "https://example.org/a>b|c <!here>", "AP",
			[]string{"a>b", "|c", "<!here>"}, []string{"https://example.org/a%3Eb%7Cc%20%3C!here%3E"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := fixtureSpec()
			c := fixtureCandidates()[0]
			c.Title, c.URL, c.Outlet = tt.title, tt.url, tt.outlet
			r, err := Render(Build(spec, "morning-20251126T070000Z-00000000", t0, []Candidate{c}, nil))
			if err != nil {
				t.Fatal(err)
			}
			// The subject line is built from config ids, not feed text.
			_, body, _ := strings.Cut(r.Chat, "\n")
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("chat text holds %q:\n%s", s, body)
				}
			}
			for _, s := range tt.present {
				if !strings.Contains(body, s) {
					t.Errorf("chat text lacks %q:\n%s", s, body)
				}
			}
		})
	}
}

func TestFileKeepsTwoDigestsOfOneSecond(t *testing.T) {
	dir := t.TempDir()
	f := NewFile("archive", dir)
	d := fixtureDigest()
	for _, id := range []string{"morning-20251126T070000Z-aaaaaaaa", "morning-20251126T070000Z-bbbbbbbb"} {
		d.ID = id
		r, err := Render(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Send(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	var jsons []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			jsons = append(jsons, e.Name())
		}
	}
	want := []string{"morning-20251126T070000Z-aaaaaaaa.json", "morning-20251126T070000Z-bbbbbbbb.json"}
	if strings.Join(jsons, " ") != strings.Join(want, " ") {
		t.Errorf("json files %v, want %v", jsons, want)
	}
	if n := len(entries); n != 2*(3+len(d.Watches)) {
		t.Errorf("%d files, want %d", n, 2*(3+len(d.Watches)))
	}
}
