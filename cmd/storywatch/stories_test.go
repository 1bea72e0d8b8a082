package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/notify/schematest"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// storyFeeds serves the fixture feeds of testdata/stories on loopback (a
// feed not yet published answers with an empty channel) and receives the
// webhook at /hook.
type storyFeeds struct {
	*httptest.Server
	mu    sync.Mutex
	live  map[string]bool
	hooks [][]byte // bodies POSTed to /hook, in order
}

func newStoryFeeds(t *testing.T) *storyFeeds {
	s := &storyFeeds{live: map[string]bool{}}
	pub := time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "hook" {
			body, _ := io.ReadAll(r.Body)
			schematest.Check(t, body)
			s.mu.Lock()
			s.hooks = append(s.hooks, body)
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		live := s.live[name]
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		if !live {
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>`+name+`</title></channel></rss>`)
			return
		}
		body, err := os.ReadFile(filepath.Join("testdata", "stories", name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, strings.ReplaceAll(string(body), "{{PUB}}", pub))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *storyFeeds) publish(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		s.live[n] = true
	}
}

// storyConfig writes a config over the three fixture feeds with an instant
// digest of call-leak and a scheduled one of call-leak and witkoff, both
// posted to the webhook at base/hook. extra is appended to the storylines.
func storyConfig(t *testing.T, dir, base, extra string) string {
	t.Helper()
	text := fmt.Sprintf(`database: %s
listen: ""
retention: 30d
feeds:
  - url: %s/ap.xml
    name: AP
  - url: %s/ynet.xml
    name: Ynet
  - url: %s/kyiv.xml
actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff, Steve Witkoff]
  - id: ushakov
    name: Yuri Ushakov
    aliases: [Ushakov]
    track: false
storylines:
  - id: call-leak
    title: Witkoff–Ushakov call
    query: '@witkoff AND @ushakov AND (call OR recording OR leak*)'
%sdigests:
  - id: breaking
    instant: true
    watch: [call-leak]
    to: [archive]
  - id: morning
    schedule: "0 7 * * *"
    watch: [call-leak, witkoff]
    to: [archive]
notifiers:
  - id: archive
    webhook:
      url: %s/hook
`, filepath.Join(dir, "sw.db"), base, base, base, extra, base)
	path := filepath.Join(dir, "storywatch.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// digestJSON is the part of a digest's JSON rendering these tests read.
type digestJSON struct {
	Digest  string `json:"digest"`
	Watches []struct {
		ID      string `json:"id"`
		Stories []struct {
			ID      string   `json:"id"`
			Title   string   `json:"title"`
			Outlets []string `json:"outlets"`
		} `json:"stories"`
	} `json:"watches"`
}

// digests returns the digests of name the webhook received, in order.
func (s *storyFeeds) digests(t *testing.T, name string) []digestJSON {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []digestJSON
	for _, b := range s.hooks {
		var d digestJSON
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("webhook body %s: %v", b, err)
		}
		if d.Digest == name {
			out = append(out, d)
		}
	}
	return out
}

// storyTitles lists a digest's stories as "watch: title [outlets]".
func storyTitles(d digestJSON) []string {
	var out []string
	for _, w := range d.Watches {
		for _, s := range w.Stories {
			o := slices.Clone(s.Outlets)
			sort.Strings(o)
			out = append(out, fmt.Sprintf("%s: %s [%s]", w.ID, s.Title, strings.Join(o, ", ")))
		}
	}
	sort.Strings(out)
	return out
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("storywatch %v: exit %d\n%s%s", args, code, out, errOut)
	}
	return out
}

func storiesJSON(t *testing.T, cfg string) []storyOutput {
	t.Helper()
	var out []storyOutput
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, "-config", cfg, "stories", "-json")), "\n") {
		if line == "" {
			continue
		}
		var s storyOutput
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("stories -json line %q: %v", line, err)
		}
		out = append(out, s)
	}
	return out
}

const (
	wireTitle    = "Witkoff advised Kremlin aide on how Putin should pitch Trump, recording shows"
	rewriteTitle = "Leaked call shows Witkoff coaching Ushakov"
)

func TestThreeOutletsCopiesAreOneStory(t *testing.T) {
	t.Parallel()
	srv := newStoryFeeds(t)
	srv.publish("ap.xml", "ynet.xml", "kyiv.xml")
	dir := t.TempDir()
	cfg := storyConfig(t, dir, srv.URL, "")
	mustRun(t, "-config", cfg, "once")

	stories := storiesJSON(t, cfg)
	var titles []string
	var wire *storyOutput
	for i, s := range stories {
		titles = append(titles, s.Title)
		if len(s.Outlets) > 1 || s.Copies > 1 {
			wire = &stories[i]
		}
	}
	if len(stories) != 4 {
		t.Fatalf("stories = %q, want 4: the wire story, Miami, Moscow and the rewrite", titles)
	}
	for _, want := range []string{"Witkoff meets Dmitriev in Miami", "Witkoff meets Ushakov in Moscow", rewriteTitle} {
		if !slices.Contains(titles, want) {
			t.Errorf("stories = %q, want %q on its own", titles, want)
		}
	}
	if wire == nil {
		t.Fatalf("no story has several copies: %+v", stories)
	}
	outlets := slices.Clone(wire.Outlets)
	sort.Strings(outlets)
	if wire.Copies != 3 || !slices.Equal(outlets, []string{"AP", "The Kyiv Independent", "Ynet"}) {
		t.Errorf("wire story = %+v, want 3 copies from AP, Ynet and The Kyiv Independent", *wire)
	}
	if !slices.Equal(wire.Watches, []string{"call-leak", "witkoff"}) && !slices.Equal(wire.Watches, []string{"witkoff", "call-leak"}) {
		t.Errorf("wire story watches = %v", wire.Watches)
	}

	breaking := srv.digests(t, "breaking")
	if len(breaking) != 1 {
		t.Fatalf("%d instant digests, want 1", len(breaking))
	}
	got := storyTitles(breaking[0])
	wireEntries := 0
	for _, s := range got {
		if strings.HasPrefix(s, "call-leak: ") && strings.HasSuffix(s, " [AP, The Kyiv Independent, Ynet]") {
			wireEntries++
		}
	}
	if len(got) != 2 || wireEntries != 1 || !slices.Contains(got, "call-leak: "+rewriteTitle+" [The Kyiv Independent]") {
		t.Errorf("instant digest stories = %q, want the wire story once with three outlets, and the rewrite", got)
	}

	// The story's history lists every copy with its outlet and link.
	out := mustRun(t, "-config", cfg, "stories", wire.ID)
	for _, want := range []string{"story " + wire.ID + ": " + wireTitle, "3 copies in 3 outlets",
		"https://apnews.test/article/witkoff-transcript?utm_source=rss", "https://www.ynetnews.test/article/witkoff-transcript",
		"https://kyivindependent.test/amp/witkoff-transcript/", "call-leak: 3 hits", "witkoff: 3 hits"} {
		if !strings.Contains(out, want) {
			t.Errorf("stories %s lacks %q:\n%s", wire.ID, want, out)
		}
	}
	var detail storyDetailOutput
	if err := json.Unmarshal([]byte(mustRun(t, "-config", cfg, "stories", wire.ID, "-json")), &detail); err != nil {
		t.Fatal(err)
	}
	var copyOutlets []string
	for _, c := range detail.Copies {
		copyOutlets = append(copyOutlets, c.Outlet)
	}
	sort.Strings(copyOutlets)
	if !slices.Equal(copyOutlets, []string{"AP", "The Kyiv Independent", "Ynet"}) || !detail.Copies[0].Lead {
		t.Errorf("stories %s -json copies = %+v, want one per outlet, the lead first", wire.ID, detail.Copies)
	}

	var hit web.HitJSON
	for _, line := range strings.Split(strings.TrimSpace(mustRun(t, "-config", cfg, "hits", "-json", "-watch", "call-leak")), "\n") {
		if err := json.Unmarshal([]byte(line), &hit); err != nil {
			t.Fatal(err)
		}
		if hit.Story == "" {
			t.Errorf("hit without story: %s", line)
		}
		if hit.Story == wire.ID && len(hit.Outlets) != 3 {
			t.Errorf("hit of the wire story lists outlets %v", hit.Outlets)
		}
	}
}

func TestLaterCopiesOfASentStoryAreNoNews(t *testing.T) {
	t.Parallel()
	srv := newStoryFeeds(t)
	srv.publish("ap.xml")
	dir := t.TempDir()
	cfg := storyConfig(t, dir, srv.URL, "")
	mustRun(t, "-config", cfg, "once")
	mustRun(t, "-config", cfg, "digest", "morning", "-send")
	breaking, morning := srv.digests(t, "breaking"), srv.digests(t, "morning")
	if len(breaking) != 1 || len(morning) != 1 {
		t.Fatalf("%d instant and %d morning digests after the first copy, want 1 and 1", len(breaking), len(morning))
	}
	if got, want := storyTitles(breaking[0]), []string{"call-leak: " + wireTitle + " [AP]"}; !slices.Equal(got, want) {
		t.Errorf("instant digest = %q, want %q", got, want)
	}

	// Ynet and the Kyiv Independent run the same report, and the Kyiv
	// Independent a rewrite and a report from Moscow.
	srv.publish("ynet.xml", "kyiv.xml")
	mustRun(t, "-config", cfg, "once")
	mustRun(t, "-config", cfg, "digest", "morning", "-send")
	breaking, morning = srv.digests(t, "breaking"), srv.digests(t, "morning")
	if len(breaking) != 2 {
		t.Fatalf("%d instant digests, want 2 (the rewrite is a new story)", len(breaking))
	}
	if got, want := storyTitles(breaking[1]), []string{"call-leak: " + rewriteTitle + " [The Kyiv Independent]"}; !slices.Equal(got, want) {
		t.Errorf("second instant digest = %q, want only the rewrite %q", got, want)
	}
	if len(morning) != 2 {
		t.Fatalf("%d morning digests, want 2", len(morning))
	}
	for _, s := range storyTitles(morning[1]) {
		if strings.Contains(s, wireTitle) {
			t.Errorf("the second morning digest lists the story sent already: %q", s)
		}
	}
	if got, want := storyTitles(morning[1]), []string{"call-leak: " + rewriteTitle + " [The Kyiv Independent]",
		"witkoff: Witkoff meets Ushakov in Moscow [The Kyiv Independent]"}; !slices.Equal(got, want) {
		t.Errorf("second morning digest = %q, want the rewrite once (under call-leak, also witkoff) and Moscow", got)
	}

	// The copies still count as outlets of the story.
	for _, s := range storiesJSON(t, cfg) {
		if s.Title == wireTitle && (s.Copies != 3 || len(s.Outlets) != 3) {
			t.Errorf("wire story = %+v, want 3 copies and outlets", s)
		}
	}
	// A third cycle finds nothing new: no digest at all.
	mustRun(t, "-config", cfg, "once")
	if n := len(srv.digests(t, "breaking")); n != 2 {
		t.Errorf("%d instant digests after a quiet cycle, want 2", n)
	}
}

func TestBacktestListsAppliesAndThenHasNothingToAdd(t *testing.T) {
	t.Parallel()
	srv := newStoryFeeds(t)
	srv.publish("ap.xml", "ynet.xml", "kyiv.xml")
	dir := t.TempDir()
	cfg := storyConfig(t, dir, srv.URL, "")
	mustRun(t, "-config", cfg, "once")
	if out := mustRun(t, "-config", cfg, "backtest", "-since", "48h"); !strings.Contains(out, "0 to add, 0 to drop") {
		t.Errorf("backtest of an unchanged watchlist:\n%s", out)
	}

	// A desk adds the 28-point plan storyline and gives the instant digest
	// every watch.
	cfg = storyConfig(t, dir, srv.URL, `  - id: peace-plan
    title: The 28-point peace plan
    query: '"28-point plan"'
`)
	text, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(text), "watch: [call-leak]\n", "watch: [call-leak, peace-plan]\n", 1)), 0o600)

	out := mustRun(t, "-config", cfg, "backtest", "-since", "48h")
	if !strings.Contains(out, "peace-plan: 1 to add, 0 to drop") || !strings.Contains(out, "+ ") || !strings.Contains(out, rewriteTitle) {
		t.Errorf("backtest after adding peace-plan:\n%s", out)
	}
	var lines []backtestLine
	for _, l := range strings.Split(strings.TrimSpace(mustRun(t, "-config", cfg, "backtest", "-since", "48h", "-json")), "\n") {
		var b backtestLine
		if err := json.Unmarshal([]byte(l), &b); err != nil {
			t.Fatalf("backtest -json line %q: %v", l, err)
		}
		lines = append(lines, b)
	}
	if len(lines) != 1 || lines[0].Watch != "peace-plan" || lines[0].Change != "add" ||
		lines[0].ItemURL != "https://kyivindependent.test/news/leaked-call/" || len(lines[0].Matches) == 0 {
		t.Errorf("backtest -json = %+v", lines)
	}

	out = mustRun(t, "-config", cfg, "backtest", "-since", "48h", "-apply")
	if !strings.Contains(out, "stored 1 new hit as backfilled (peace-plan 1)") {
		t.Errorf("backtest -apply:\n%s", out)
	}
	if out := mustRun(t, "-config", cfg, "backtest", "-since", "48h"); !strings.Contains(out, "0 to add, 0 to drop") {
		t.Errorf("second backtest after -apply:\n%s", out)
	}
	if out := mustRun(t, "-config", cfg, "hits", "-watch", "peace-plan"); !strings.Contains(out, rewriteTitle) {
		t.Errorf("hits -watch peace-plan:\n%s", out)
	}
	// Backfilled hits are no instant alert.
	before := len(srv.digests(t, "breaking"))
	mustRun(t, "-config", cfg, "once")
	if n := len(srv.digests(t, "breaking")); n != before {
		t.Errorf("the backfilled hit was sent as an instant alert (%d digests, had %d)", n, before)
	}

	// Removing the storyline's match (a stricter query) reports the drop.
	cfg = storyConfig(t, dir, srv.URL, `  - id: peace-plan
    title: The 28-point peace plan
    query: '"28-point plan" AND Zelensky'
`)
	if out := mustRun(t, "-config", cfg, "backtest"); !strings.Contains(out, "peace-plan: 0 to add, 1 to drop") || !strings.Contains(out, "- ") {
		t.Errorf("backtest after narrowing peace-plan:\n%s", out)
	}
	// -apply retracts it: gone from hits, the API and the Atom feed, and
	// the backtest has nothing left to do.
	if out := mustRun(t, "-config", cfg, "backtest", "-apply"); !strings.Contains(out, "retracted 1 hit (peace-plan 1)") {
		t.Errorf("backtest -apply after narrowing peace-plan:\n%s", out)
	}
	if out := mustRun(t, "-config", cfg, "hits", "-watch", "peace-plan"); !strings.Contains(out, "no hits") {
		t.Errorf("hits -watch peace-plan after the retraction:\n%s", out)
	}
	if api, atom := webHits(t, filepath.Join(dir, "sw.db"), "peace-plan"); api != "[]" || strings.Contains(atom, "<entry>") {
		t.Errorf("after the retraction /api/hits = %s, /hits.atom = %s; want neither to list it", api, atom)
	}
	if api, _ := webHits(t, filepath.Join(dir, "sw.db"), "call-leak"); !strings.Contains(api, wireTitle) {
		t.Errorf("the retraction took other watches' hits: /api/hits?watch=call-leak = %s", api)
	}
	if out := mustRun(t, "-config", cfg, "backtest"); !strings.Contains(out, "0 to add, 0 to drop") {
		t.Errorf("backtest after -apply retracted the drop:\n%s", out)
	}
	// Widening the query again brings the retracted hit back.
	cfg = storyConfig(t, dir, srv.URL, `  - id: peace-plan
    title: The 28-point peace plan
    query: '"28-point plan"'
`)
	if out := mustRun(t, "-config", cfg, "backtest", "-apply"); !strings.Contains(out, "stored 1 new hit as backfilled (peace-plan 1)") {
		t.Errorf("backtest -apply after widening peace-plan again:\n%s", out)
	}
	if out := mustRun(t, "-config", cfg, "hits", "-watch", "peace-plan"); !strings.Contains(out, rewriteTitle) {
		t.Errorf("hits -watch peace-plan after the hit came back:\n%s", out)
	}
}

// webHits returns what /api/hits and /hits.atom answer for one watch, over
// the database at path.
func webHits(t *testing.T, path, watch string) (api, atom string) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(web.New(web.Options{Store: hitsStore{db}}).Handler())
	defer srv.Close()
	get := func(path string) string {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, b)
		}
		return strings.TrimSpace(string(b))
	}
	return get("/api/hits?since=48h&watch=" + watch), get("/hits.atom?watch=" + watch)
}

func TestStoriesTextAndUsage(t *testing.T) {
	t.Parallel()
	srv := newStoryFeeds(t)
	srv.publish("ap.xml")
	dir := t.TempDir()
	cfg := storyConfig(t, dir, srv.URL, "")
	if code, _, stderr := runCmd(t, "-config", cfg, "stories"); code != exitFailure || !strings.Contains(stderr, "no database yet") {
		t.Errorf("stories before any database: exit %d, %s", code, stderr)
	}
	mustRun(t, "-config", cfg, "once")
	out := mustRun(t, "-config", cfg, "stories", "-since", "1h", "-watch", "call-leak")
	if !strings.Contains(out, "FIRST SEEN") || !strings.Contains(out, "Witkoff advised Kremlin aide") || strings.Contains(out, "Miami") {
		t.Errorf("stories -watch call-leak:\n%s", out)
	}
	for _, args := range [][]string{{"stories", "-since", "soon"}, {"stories", "extra"}, {"backtest", "-since", "x"}} {
		if code, _, _ := runCmd(t, append([]string{"-config", cfg}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// hitsStore serves the store's hits to the web package, as the daemon does.
type hitsStore struct{ db *store.DB }

func (s hitsStore) Ready(ctx context.Context) error { return s.db.Ready(ctx) }

func (s hitsStore) Hits(ctx context.Context, q web.HitQuery) ([]web.Hit, error) {
	hits, err := s.db.Hits(ctx, store.HitFilter{Since: q.Since, Watch: q.Watch, Limit: q.Limit})
	out := make([]web.Hit, len(hits))
	for i, h := range hits {
		out[i] = daemon.WebHit(h)
	}
	return out, err
}
