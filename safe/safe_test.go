package safe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLinkPassesOnlyHTTPURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"https", "https://news.example/a?b=1#c", "https://news.example/a?b=1#c"},
		{"http, trimmed", "  http://news.example/a \n", "http://news.example/a"},
		{"upper-case scheme", "HTTPS://news.example/a", "HTTPS://news.example/a"},
		{"javascript", "javascript:alert(1)", ""},
		{"javascript with spaces and case", " JaVaScRiPt:alert(1)", ""},
		{"data", "data:text/html;base64,PHNjcmlwdD4=", ""},
		{"vbscript", "vbscript:msgbox(1)", ""},
		{"file", "file:///etc/passwd", ""},
		{"relative", "/world/1", ""},
		{"scheme-relative", "//news.example/a", ""},
		{"no host", "https:///a", ""},
		{"newline and mention", "https://news.example/a\n@everyone ping", ""},
		{"CR LF header", "https://news.example/a\r\nBcc: victim@example.org", ""},
		{"terminal title and clear", "https://news.example/\x1b]0;owned\x07\x1b[2J", ""},
		{"bidi override", "https://news.example/\u202Etxt.exe", ""},
		{"tab", "https://news.example/a\tb", ""},
		{"invalid UTF-8", "https://news.example/\xff", ""},
	}
	for _, tt := range tests {
		if got := Link(tt.in); got != tt.want {
			t.Errorf("%s: Link(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestTextIsOneLineWithoutControls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Witkoff coached Ushakov", "Witkoff coached Ushakov"},
		{"terminal escapes", "a\x1b]0;owned\x07\x1b[2Jb", "a ]0;owned [2Jb"},
		{"CR LF header", "Title\r\nBcc: victim@example.org", "Title Bcc: victim@example.org"},
		{"C1 controls and DEL", "a\u0085b\u009bc\x7fd", "a b c d"},
		{"line separator", "a\u2028b\u2029c", "a b c"},
		{"bidi override dropped", "exe.\u202Etxt\u202C file", "exe.txt file"},
		{"isolates dropped", "\u2066x\u2069", "x"},
		{"right-to-left marks kept", "שלום\u200F world", "שלום\u200F world"},
		{"white space collapsed and trimmed", "  a \t\n b  ", "a b"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		got := Text(tt.in)
		if got != tt.want {
			t.Errorf("%s: Text(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if Text(got) != got {
			t.Errorf("%s: not stable: %q then %q", tt.name, got, Text(got))
		}
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\x1b\x07\r\n\t\u202E") {
			t.Errorf("%s: %q still holds a control character", tt.name, got)
		}
	}
}

func FuzzText(f *testing.F) {
	f.Add("a\x1b[2J\r\nb\u202E")
	f.Fuzz(func(t *testing.T, s string) {
		got := Text(s)
		if Text(got) != got {
			t.Fatalf("Text not idempotent on %q: %q then %q", s, got, Text(got))
		}
		if !utf8.ValidString(got) || got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
			t.Fatalf("Text(%q) = %q", s, got)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) || Bidi(r) {
				t.Fatalf("Text(%q) = %q holds %U", s, got, r)
			}
		}
	})
}
