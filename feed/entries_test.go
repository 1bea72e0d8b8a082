package feed

import (
	"strings"
	"testing"
)

func TestHTTPURLTakesFeedSchemesApart(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://example.org/rss":        "https://example.org/rss",
		" feed://example.org/rss ":       "http://example.org/rss",
		"feed:https://example.org/a.xml": "https://example.org/a.xml",
		"ftp://example.org/rss":          "",
		"https:///no-host":               "",
		"":                               "",
	} {
		got, ok := HTTPURL(raw)
		if got != want || ok != (want != "") {
			t.Errorf("HTTPURL(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}

func TestWriteConfigEntriesEscapesExpansion(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	subs := []Subscription{{URL: "https://example.org/rss?k=${KEY}", Title: "A ${B}", Tags: []string{"x"}}}
	if err := WriteConfigEntries(&b, "1 feed", subs); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "# 1 feed\nfeeds:\n") || !strings.Contains(out, "$${KEY}") || !strings.Contains(out, "A $${B}") {
		t.Errorf("entries:\n%s", out)
	}
}
