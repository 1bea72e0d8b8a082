package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/store"
)

// readOnlyConfig writes a config whose database does not exist yet.
func readOnlyConfig(t *testing.T) (cfgPath, dbPath string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = filepath.Join(dir, "storywatch.yaml")
	body := `database: sw.db
listen: ""
feeds:
  - url: https://feeds.example.org/world.xml
actors:
  - id: witkoff
    aliases: [Witkoff]
  - id: putin
    aliases: [Putin]
    track: false
storylines:
  - id: call-leak
    query: '@witkoff AND leak'
digests:
  - id: morning
    schedule: "0 7 * * *"
    to: [archive]
notifiers:
  - id: archive
    file: {dir: digests}
`
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, filepath.Join(dir, "sw.db")
}

func TestReadOnlyCommandsCreateNoDatabase(t *testing.T) {
	t.Parallel()
	cfg, db := readOnlyConfig(t)
	for _, args := range [][]string{
		{"hits"}, {"stories"}, {"feeds"}, {"deliveries"}, {"backtest"}, {"digest", "morning"},
	} {
		code, stdout, stderr := checkRun(t, nil, append(args, "-config", cfg)...)
		if code != exitFailure || !strings.Contains(stderr, "no database yet at "+db) ||
			!strings.Contains(stderr, "storywatch once") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 saying there is no database and how to make one",
				args, code, stdout, stderr)
		}
		if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v created the database (stat: %v)", args, err)
		}
	}
}

func TestUnknownWatchIsAnErrorWithASuggestion(t *testing.T) {
	t.Parallel()
	cfg, dbPath := readOnlyConfig(t)
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"hits", "-watch", "call-leek"}, exitUsage, "-watch call-leek: no such watch in " + cfg + " (did you mean call-leak?)"},
		{[]string{"hits", "-watch", "nonesuch"}, exitUsage, "(watches: call-leak, witkoff)"},
		{[]string{"stories", "-watch", "nonesuch"}, exitUsage, "-watch nonesuch: no such watch"},
		{[]string{"hits", "-watch", "putin"}, exitUsage, "the actor putin has track: false"},
		{[]string{"hits", "-watch", "call-leak"}, exitOK, ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := checkRun(t, nil, append(tt.args, "-config", cfg)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", tt.args, code, stdout, stderr, tt.code, tt.want)
		}
	}
}
