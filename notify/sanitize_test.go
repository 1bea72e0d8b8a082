package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/match"
)

// A digest stored with control characters in its text and links (built by
// an older version, or from items stored before their text was cleaned)
// renders without them: no forged header or line in the text mail and the
// .txt file, no terminal escape, no unfiltered mention in chat, and only
// http(s) links anywhere.
func TestRenderingsCarryNoControlCharactersOrOtherLinks(t *testing.T) {
	t.Parallel()
	snippet := "before \x1b[2J Witkoff\r\nBcc: victim@example.org \u202Eafter"
	mark := strings.Index(snippet, "Witkoff")
	d := &Digest{ID: "morning-20251126T070000Z-00000000", Name: "morning", GeneratedAt: time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC), Timezone: "UTC",
		Watches: []Section{{ID: "call-leak", Title: "Call\nleak", Daily: make([]int, ChartDays), Stories: []Story{
			{ID: "1", Title: "Leak \x1b]0;owned\x07\x1b[2J\r\nBcc: victim@example.org",
				URL: "https://example.org/a\r\nBcc: victim@example.org", Outlets: []string{"AP\n@everyone ping"},
				Score: 3, Matches: []match.Match{{Term: "Witkoff", Field: "title", Snippet: snippet, Mark: [2]int{mark, mark + len("Witkoff")}}}},
			{ID: "2", Title: "Script", URL: "javascript:alert(1)"},
			{ID: "3", Title: "Data", URL: "data:text/html;base64,PHNjcmlwdD4="},
			{ID: "4", Title: "Fine", URL: "https://example.org/fine"},
		}}}}
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"text": r.Text, "chat": r.Chat, "html": r.HTML, "file html": r.FileHTML, "json": string(r.JSON)} {
		for _, bad := range []string{"\x1b", "\x07", "\r", "\u202E", "\nBcc:", "javascript:", "data:text", "example.org/a"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s rendering holds %q:\n%s", name, bad, text)
			}
		}
		if !strings.Contains(text, "https://example.org/fine") {
			t.Errorf("%s rendering lost the good link:\n%s", name, text)
		}
	}
	if strings.Contains(r.Chat, "@everyone") {
		t.Errorf("chat holds an unfiltered mention:\n%s", r.Chat)
	}
	if !strings.Contains(r.Text, "»Witkoff«") {
		t.Errorf("the mark moved off the matched word:\n%s", r.Text)
	}
	for _, line := range strings.Split(r.Text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "Bcc:") {
			t.Errorf("the text rendering has a forged line %q", line)
		}
	}
}

// A 200,000-character title made a 600 KB chat message: in chat a title or
// an outlet list is cut to MaxChatText characters, and only in chat.
func TestChatCutsHugeTitles(t *testing.T) {
	t.Parallel()
	d := &Digest{ID: "breaking-20251126T070000Z-00000000", Name: "breaking", GeneratedAt: time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC), Timezone: "UTC",
		Watches: []Section{{ID: "w", Title: "W", Daily: make([]int, ChartDays), Stories: []Story{
			{ID: "1", Title: "Witkoff " + strings.Repeat("x", 200_000), URL: "https://example.org/a", Outlets: []string{strings.Repeat("AP ", 100_000)}},
		}}}}
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Chat) > 4*MaxChatText || !strings.Contains(r.Chat, "Witkoff xxx") || !strings.Contains(r.Chat, "x…") {
		t.Errorf("chat message of %d bytes:\n%.400s", len(r.Chat), r.Chat)
	}
	if len(r.Text) < 200_000 {
		t.Errorf("the text rendering lost the title (%d bytes); only chat is cut", len(r.Text))
	}
}
