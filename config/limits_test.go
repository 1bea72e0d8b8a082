package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLimitsAreClearErrors(t *testing.T) {
	t.Parallel()
	aliases := make([]string, MaxAliases+1)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("alias%d", i)
	}
	long := strings.TrimSpace(strings.Repeat("witkoff OR ", MaxQueryLength/11+1)) + " x"
	_, err := loadString(t, fmt.Sprintf(`actors:
  - id: many
    aliases: [%s]
storylines:
  - id: long
    query: %q
`, strings.Join(aliases, ", "), long), nil)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("err = %v, want two problems", err)
	}
	for i, want := range []string{
		fmt.Sprintf(":3:14: actors[0].aliases: %d aliases; an actor may have at most %d", MaxAliases+1, MaxAliases),
		fmt.Sprintf(":6:12: storylines[0].query: query of %d characters; the most is %d", len(long), MaxQueryLength),
	} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("problem %d = %q, want it to contain %q", i, errs[i], want)
		}
	}
}

func TestFileLargerThanTheLimitIsNotRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte("# "+strings.Repeat("x", MaxFileSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("err = %v, want the file refused for its size", err)
	}
}

// YAML aliases can make a small file stand for billions of entries: the
// load stops at MaxValues with one problem.
func TestAliasBombStopsAtTheValueLimit(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("actors:\n  - &a {id: a0, aliases: [" + strings.TrimSuffix(strings.Repeat("x, ", 1000), ", ") + "]}\n")
	for range 200_000 {
		b.WriteString("  - *a\n")
	}
	_, err := loadString(t, b.String(), nil)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	var found bool
	for _, e := range errs {
		found = found || strings.Contains(e.Msg, fmt.Sprintf("more than %d values", MaxValues))
	}
	if !found || len(errs) > 2000 {
		t.Errorf("%d problems, want the value limit among a few:\n%v", len(errs), errs[:min(len(errs), 5)])
	}
}

// A signal (the cancelled context) ends a load at once.
func TestLoadContextReturnsWhenCancelled(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "storywatch.yaml")
	if err := os.WriteFile(path, []byte("listen: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := LoadContext(ctx, path, nil)
	if c != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("LoadContext after cancel = %v, %v; want context.Canceled", c, err)
	}
	if c, err := LoadContext(context.Background(), path, nil); err != nil || c.Listen != "" {
		t.Errorf("LoadContext = %v, %v", c, err)
	}
}
