package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckReportsASearchTooLongForItsProvider(t *testing.T) {
	t.Parallel()
	words := strings.TrimSpace(strings.Repeat("word ", 40))
	body := `feeds:
  - url: https://example.org/rss
  - search: long
actors:
  - id: long
    aliases: ["` + words + `"]
`
	cfg := filepath.Join(t.TempDir(), "storywatch.yaml")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd(t, "check", "-config", cfg)
	want := cfg + ":3:13: feeds[1].search: google-news: search query has 40 words even with one alias per actor; Google reads at most 32"
	if code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("check: exit %d\n%s\nwant %s", code, errOut, want)
	}
}
