package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/config"
)

var updateSearch = flag.Bool("update-search", false, "rewrite testdata/example-search-urls.golden")

// TestFeedsImportOfAReaderExportChecks imports a feed reader's OPML
// export and checks the config made of what it prints.
func TestFeedsImportOfAReaderExportChecks(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCmd(t, "feeds", "import", "testdata/feedly-export.opml")
	if code != 0 {
		t.Fatalf("feeds import: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"  - url: https://feeds.bbci.co.uk/news/world/rss.xml\n    name: BBC News - World\n    tags: [World]\n",
		"    name: Українська правда\n",
		"tags: [Ukraine, Russia]",
		"https://news.google.com/rss/search?q=Witkoff+OR+Ushakov&hl=en-US&gl=US&ceid=US:en",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cfg := filepath.Join(t.TempDir(), "storywatch.yaml")
	if err := os.WriteFile(cfg, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	code, checked, errOut := runCmd(t, "check", "-config", cfg)
	if code != 0 || !strings.Contains(checked, "ok: 13 feeds") {
		t.Fatalf("check of the imported feeds: exit %d\n%s%s\n%s", code, checked, errOut, out)
	}
}

func TestFeedsImportRefusesWhatIsNotOPML(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "feeds.opml")
	os.WriteFile(bad, []byte("<html><body>not a list</body></html>"), 0o600)
	if code, _, errOut := runCmd(t, "feeds", "import", bad); code != 1 || !strings.Contains(errOut, "parse OPML") {
		t.Errorf("import of HTML: exit %d, %s", code, errOut)
	}
	if code, _, _ := runCmd(t, "feeds", "import"); code != 2 {
		t.Errorf("import without a file: exit %d, want 2", code)
	}
}

func TestFeedsExportRoundTrips(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "storywatch.yaml")
	body := `feeds:
  - url: https://feeds.bbci.co.uk/news/world/rss.xml
    name: BBC World
  - url: https://kyivindependent.com/news-archive/rss/
    name: Kyiv Independent
    tags: [ukraine]
  - url: https://tass.com/rss/v2.xml?a=1&b=2
    name: TASS & co
    tags: [russia, state-media]
  - url: https://meduza.io/rss/en/all
    tags: [russia]
`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, opml, errOut := runCmd(t, "feeds", "export", "-config", cfg)
	if code != 0 || !strings.HasPrefix(opml, "<?xml") {
		t.Fatalf("feeds export: exit %d: %s\n%s", code, errOut, opml)
	}
	file := filepath.Join(dir, "feeds.opml")
	os.WriteFile(file, []byte(opml), 0o600)
	code, yaml, errOut := runCmd(t, "feeds", "import", file)
	if code != 0 {
		t.Fatalf("feeds import: exit %d: %s", code, errOut)
	}
	back := filepath.Join(dir, "back.yaml")
	os.WriteFile(back, []byte(yaml), 0o600)
	before, err := config.Load(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := config.Load(back, nil)
	if err != nil {
		t.Fatalf("imported export does not load: %v\n%s", err, yaml)
	}
	type feed struct {
		URL, Name string
		Tags      []string
	}
	set := func(c *config.Config) map[string]feed {
		m := map[string]feed{}
		for _, f := range c.Feeds {
			m[f.URL] = feed{f.URL, f.Name, f.Tags}
		}
		return m
	}
	if got, want := set(after), set(before); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v\n%s", got, want, opml)
	}
}

func TestFeedsDiscover(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" title="All news" href="/rss/all">
<link rel="alternate" type="application/atom+xml" href="https://other.example/atom.xml"></head><body>Front page</body></html>`)
		case "/rss/all":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, pollFeed("All news", leakItem))
		case "/bare":
			fmt.Fprint(w, `<html><body>No feeds here</body></html>`)
		}
	}))
	defer srv.Close()
	code, out, errOut := runCmd(t, "feeds", "discover", srv.URL+"/")
	if code != 0 {
		t.Fatalf("discover: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"url: " + srv.URL + "/rss/all\n    name: All news", "url: https://other.example/atom.xml"} {
		if !strings.Contains(out, want) {
			t.Errorf("discover output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd(t, "feeds", "discover", srv.URL+"/rss/all")
	if code != 0 || !strings.Contains(out, "is a feed itself") || !strings.Contains(out, "name: All news") {
		t.Errorf("discover of a feed: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, "feeds", "discover", srv.URL+"/bare"); code != 1 || !strings.Contains(errOut, "announces no feeds") {
		t.Errorf("discover of a page without feeds: exit %d: %s", code, errOut)
	}
}

// TestExampleSearchFeeds builds the search feeds of config.example.yaml
// and a Google News search (in British English) for each of its
// storylines, and compares the URLs with
// testdata/example-search-urls.golden.
func TestExampleSearchFeeds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	example, err := os.ReadFile(checkExample)
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(checkExample, func(k string) string { return checkExampleEnv[k] })
	if err != nil {
		t.Fatal(err)
	}
	var extra strings.Builder
	for _, s := range c.Storylines {
		fmt.Fprintf(&extra, "  - search: %s\n    provider: google-news\n    hl: en-GB\n    gl: GB\n", s.ID)
	}
	text := strings.Replace(string(example), "\nfeeds:\n", "\nfeeds:\n"+extra.String(), 1)
	cfg := filepath.Join(dir, "storywatch.yaml")
	os.WriteFile(cfg, []byte(text), 0o600)
	a := &app{getenv: func(k string) string { return checkExampleEnv[k] }, stderr: os.Stderr, configPath: cfg}
	loaded, err := a.loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, f := range loaded.Feeds {
		if f.Search == nil {
			continue
		}
		u, _ := url.Parse(f.URL)
		fmt.Fprintf(&got, "%s\n  %s\n  q=%s\n", f.Search.Watch, f.URL, u.Query().Get("q"))
		if n := len(strings.Fields(u.Query().Get("q"))); n > 32 {
			t.Errorf("%s: %d words, Google reads 32", f.Search.Watch, n)
		}
	}
	golden := "testdata/example-search-urls.golden"
	if *updateSearch {
		os.WriteFile(golden, []byte(got.String()), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/storywatch -run ExampleSearch -update-search)", err)
	}
	if got.String() != string(want) {
		t.Errorf("search URLs differ from %s:\n%s", golden, got.String())
	}
}
