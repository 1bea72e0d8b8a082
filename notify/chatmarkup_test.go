package notify_test

import (
	"strings"
	"testing"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

func TestChatRenderingNeutralisesFeedText(t *testing.T) {
	t.Parallel()
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
		{"url that would close a link", "Fine title", "https://example.org/a>b|c<!here>", "AP",
			[]string{"a>b", "|c", "<!here>"}, []string{"https://example.org/a%3Eb%7Cc%3C!here%3E"}},
		{"link with a line break and a mention is dropped", "Fine title", "https://example.org/a\n@everyone ping", "AP",
			[]string{"@everyone", "example.org/a"}, []string{"• Fine title (AP)"}},
		{"javascript link is dropped", "Fine title", "javascript:alert(1)", "AP",
			[]string{"javascript"}, []string{"• Fine title (AP)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := notifytest.Spec()
			c := notifytest.Candidates()[0]
			c.Title, c.URL, c.Outlet = tt.title, tt.url, tt.outlet
			r, err := notifytest.Render(t, notify.Build(spec, "morning-20251126T070000Z-00000000", notifytest.T0, []notify.Candidate{c}, nil))
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
