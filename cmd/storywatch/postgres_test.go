package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/store/storetest"
)

// On PostgreSQL, check accepts the URL, once polls into the database and
// hits reads it back; no lock file appears beside the config, and the
// password the URL carries is printed nowhere.
func TestCheckOnceAndHitsOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// The test server trusts every connection: any password goes.
	u.User = url.UserPassword(u.User.Username(), "not-to-be-printed")
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	dir := t.TempDir()
	cfg := pollConfig(t, dir, "5s", srv.URL+"/ap.xml")
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(body), "database: "+filepath.Join(dir, "sw.db"), "database: "+u.String(), 1)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var printed strings.Builder
	for _, args := range [][]string{{"check"}, {"once"}, {"hits", "-json"}} {
		code, out, errOut := runCmd(t, append([]string{"-config", cfg}, args...)...)
		printed.WriteString(out + errOut)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		if args[0] == "once" && !strings.Contains(out, "1 new item, 3 new hits") {
			t.Errorf("once: %s", out)
		}
		if args[0] == "hits" && strings.Count(out, "\n") != 3 {
			t.Errorf("hits -json printed %q, want 3 hits", out)
		}
	}
	if strings.Contains(printed.String(), "not-to-be-printed") {
		t.Errorf("the URL's password was printed:\n%s", printed.String())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "storywatch.yaml" {
			t.Errorf("%s appeared beside the config on PostgreSQL", e.Name())
		}
	}
}
