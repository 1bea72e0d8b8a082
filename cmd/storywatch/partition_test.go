package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/schematest"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/story"
)

// synItem is one entry of the generated syndication set.
type synItem struct {
	guid, title, link, body, source string
	published                       time.Time // zero: undated
}

// synWords is the vocabulary of the generated reports.
var synWords = func() []string {
	r := rand.New(rand.NewPCG(7, 7))
	words := make([]string, 3000)
	for i := range words {
		b := make([]byte, 3+r.IntN(7))
		for j := range b {
			b[j] = byte('a' + r.IntN(26))
		}
		words[i] = string(b)
	}
	return words
}()

// synBody writes a report of n made-up words that names Witkoff and
// Ushakov, so that the demo watchlist finds it.
func synBody(r *rand.Rand, n int) []string {
	out := []string{"Steve", "Witkoff", "told", "Yuri", "Ushakov", "on", "a", "call"}
	for len(out) < n {
		out = append(out, synWords[r.IntN(len(synWords))])
	}
	return out
}

// rewrite changes a word of a body, as an editor lightly rewriting wire
// copy does, such that the SimHashes differ but stay near.
func rewrite(t *testing.T, r *rand.Rand, body []string) []string {
	fp := func(w []string) story.Fingerprint {
		return story.FingerprintOf(feed.Item{Summary: strings.Join(w, " ")})
	}
	orig := fp(body)
	for range 100 {
		out := slices.Clone(body)
		out[10+r.IntN(len(out)-10)] = synWords[r.IntN(len(synWords))]
		if d := story.Distance(orig.Text, fp(out).Text); d > 0 && d <= story.MaxDistance {
			return out
		}
	}
	t.Fatal("no light rewrite stays within the SimHash distance")
	return nil
}

// syndicationSet generates feeds of wire copies, light rewrites, an
// aggregator's copies (same article, tracked link, short text), undated
// copies, and one item that bridges two reports (the title of one and the
// text of the other). It returns the feeds by file name.
func syndicationSet(t *testing.T, base time.Time) map[string][]synItem {
	r := rand.New(rand.NewPCG(12, 12))
	wire, other, third := synBody(r, 160), synBody(r, 140), synBody(r, 150)
	light := rewrite(t, r, wire)
	bridgeText := rewrite(t, r, third)
	j := func(w []string) string { return strings.Join(w, " ") }
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	const wireTitle = "Envoy Witkoff coached Kremlin aide Ushakov, recording shows"
	const otherTitle = "Ushakov says the Witkoff call was not leaked by Moscow"
	const snowTitle = "Snow closes Alpine passes for a second day"
	return map[string][]synItem{
		"wire.xml": {
			{guid: "w1", title: wireTitle, link: "https://wire.test/a/1?utm_source=rss", body: j(wire), published: at(-9)},
			{guid: "w2", title: otherTitle, link: "https://wire.test/a/2", body: j(other), published: at(-8)},
		},
		"outlet1.xml": {
			{guid: "o1", title: "US envoy advised the Kremlin on its pitch", link: "https://outlet1.test/n/1", body: j(wire), published: at(-7)},
			{guid: "o2", title: otherTitle, link: "https://outlet1.test/n/2", body: "Short.", published: at(-6)},
		},
		"outlet2.xml": {
			{guid: "p1", title: "What the Witkoff recording says", link: "https://outlet2.test/p/1", body: j(light), published: at(-5)},
			{guid: "p2", title: "Ushakov and Witkoff speak often, aide says", link: "https://outlet2.test/p/2", body: j(third), published: at(-4)},
			{guid: "s2", title: snowTitle, link: "https://outlet2.test/p/3", body: "Snow again."},
		},
		"outlet3.xml": {
			// Undated copies: the same headline as the wire.
			{guid: "u1", title: wireTitle, link: "https://outlet3.test/x/1", body: "A teaser only."},
			// The bridge: the title of one report, the text of another.
			{guid: "b1", title: otherTitle, link: "https://outlet3.test/x/2", body: j(bridgeText), published: at(-3)},
			// A report no copy of which is dated: its lead is the first
			// seen, then the first by canonical URL.
			{guid: "s1", title: snowTitle, link: "https://outlet3.test/x/3", body: "Snow."},
		},
		"aggregator.xml": {
			{guid: "g1", title: wireTitle + " - Wire", link: "https://wire.test/a/1?fbclid=x&gclid=y", source: "Wire",
				body: wireTitle + " Wire", published: at(-2)},
			{guid: "g2", title: "Witkoff and Ushakov: a timeline - Outlet Two", link: "https://outlet2.test/p/9", source: "Outlet Two",
				body: "A timeline.", published: at(-1)},
		},
	}
}

// synFeed renders items as RSS.
func synFeed(name string, items []string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>` + name + `</title>` +
		strings.Join(items, "") + `</channel></rss>`
}

func synEntry(it synItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>%s</link><description>%s</description>",
		it.guid, html.EscapeString(it.title), html.EscapeString(it.link), html.EscapeString(it.body))
	if it.source != "" {
		fmt.Fprintf(&b, "<source url=\"https://%s.test/\">%s</source>", strings.ToLower(strings.ReplaceAll(it.source, " ", "")), it.source)
	}
	if !it.published.IsZero() {
		fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.published.Format(time.RFC1123Z))
	}
	b.WriteString("</item>")
	return b.String()
}

var itemRE = regexp.MustCompile(`(?s)<item>.*?</item>`)

// orderServer serves the demo feeds and the generated set, each with its
// items in the order shuffle gives.
type orderServer struct {
	*httptest.Server
	mu    sync.Mutex
	rand  *rand.Rand
	feeds map[string][3]string // head, items joined by \x00, tail
}

func newOrderServer(t *testing.T, base time.Time) *orderServer {
	s := &orderServer{feeds: map[string][3]string{}, rand: rand.New(rand.NewPCG(1, 1))}
	sub, err := fs.Sub(demoFiles, "demo/feeds")
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(sub, "*.xml")
	for _, n := range names {
		b, _ := fs.ReadFile(sub, n)
		body := string(b)
		loc := itemRE.FindAllStringIndex(body, -1)
		items := itemRE.FindAllString(body, -1)
		s.feeds[n] = [3]string{body[:loc[0][0]], strings.Join(items, "\x00"), body[loc[len(loc)-1][1]:]}
	}
	for n, items := range syndicationSet(t, base) {
		var entries []string
		for _, it := range items {
			entries = append(entries, synEntry(it))
		}
		full := synFeed(strings.TrimSuffix(n, ".xml"), []string{"\x01"})
		head, tail, _ := strings.Cut(full, "\x01")
		s.feeds[n] = [3]string{head, strings.Join(entries, "\x00"), tail}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := s.feeds[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		items := strings.Split(f[1], "\x00")
		s.mu.Lock()
		s.rand.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, f[0]+strings.Join(items, "")+f[2])
	}))
	t.Cleanup(s.Close)
	return s
}

// outcome is what one arrival order produced.
type outcome struct {
	// partition lists each story's copies ("feed key"), sorted, then the
	// stories sorted; leads lists each story's lead copy in the same order,
	// and dated whether the story has a dated copy.
	partition, leads []string
	dated            []bool
	digest           string
}

var timeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} [A-Z]+`)

// pollInOrder polls the feeds in the given order, split into cycles at the
// given cut points (the clock moves step between cycles), and reads back
// the stories and the digest.
func pollInOrder(t *testing.T, c *config.Config, m *match.Matcher, srvURL string, feeds []monitor.FeedConfig, cuts []int,
	step time.Duration, start time.Time) outcome {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	now := start
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "order.db"), store.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := monitor.NewPoller(db, m, feeds, monitor.Options{Now: clock, Concurrency: 1, Backfill: c.Poll.Backfill,
		Logger: slog.New(slog.DiscardHandler)})
	prev := 0
	for _, cut := range append(cuts, len(feeds)) {
		for _, f := range feeds[prev:cut] {
			cyc, err := p.Poll(ctx, []monitor.FeedConfig{f})
			if err != nil || cyc.Failed > 0 {
				t.Fatalf("poll %s: %v %+v", f.URL, err, cyc.Feeds)
			}
		}
		prev = cut
		mu.Lock()
		now = now.Add(step)
		mu.Unlock()
	}
	var out outcome
	out.partition, out.leads, out.dated = storyPartition(t, db, srvURL)
	d, err := daemon.New(daemon.Options{Config: c, Store: db, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	dg, err := d.PreviewDigest(ctx, c.Digests[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	checkOneEntryPerStory(t, dg)
	r, err := notify.Render(dg)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Check(t, r.JSON)
	out.digest = timeRE.ReplaceAllString(r.Text, "TIME")
	return out
}

// storyPartition reads the stories of db: each story's copies ("feed
// key", the feed's URL without srvURL), sorted, then the stories sorted;
// each story's lead copy in the same order, and whether it has a dated
// copy. It also checks that each story shows its lead.
func storyPartition(t *testing.T, db *store.DB, srvURL string) (partition, leads []string, dated []bool) {
	t.Helper()
	ctx := context.Background()
	all, err := db.Stories(ctx, store.StoryFilter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	type part struct {
		copies, lead string
		dated        bool
	}
	var parts []part
	for _, s := range all {
		d, err := db.StoryDetail(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, cp := range d.Copies {
			keys = append(keys, strings.TrimPrefix(cp.FeedURL, srvURL)+" "+cp.Key)
		}
		if lead := d.Copies[0]; s.Title != lead.Title || s.URL != lead.URL || s.Copies != len(d.Copies) {
			t.Errorf("story %d shows %q %s with %d copies; its first copy by rule is %q %s of %d", s.ID, s.Title, s.URL,
				s.Copies, lead.Title, lead.URL, len(d.Copies))
		}
		lead := keys[0]
		sort.Strings(keys)
		parts = append(parts, part{strings.Join(keys, ", "), lead, !d.Copies[0].Published.IsZero()})
	}
	slices.SortFunc(parts, func(a, b part) int { return strings.Compare(a.copies, b.copies) })
	for _, p := range parts {
		partition = append(partition, p.copies)
		leads = append(leads, p.lead)
		dated = append(dated, p.dated)
	}
	return partition, leads, dated
}

// checkOneEntryPerStory checks that a digest lists each story once and
// that its subject counts its entries.
func checkOneEntryPerStory(t *testing.T, d *notify.Digest) {
	t.Helper()
	seen := map[string]bool{}
	n := 0
	for _, s := range d.Watches {
		for _, st := range s.Stories {
			if seen[st.ID] {
				t.Errorf("story %s is listed twice", st.ID)
			}
			seen[st.ID] = true
			n++
		}
	}
	r, err := notify.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stories != n || !strings.Contains(r.Subject, fmt.Sprintf(": %d new ", n)) {
		t.Errorf("subject %q for %d entries", r.Subject, n)
	}
}

// expectedPartition is story.Components over every copy the feeds hold, as
// "feed key" strings: what any order must produce.
func expectedPartition(t *testing.T, srvURL string, feeds []monitor.FeedConfig, seen time.Time) []string {
	t.Helper()
	var copies []story.Copy
	var names []string
	for i, f := range feeds {
		resp, err := http.Get(f.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := feed.Parse(body, resp.Header.Get("Content-Type"), f.URL)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range parsed.Items {
			fp := story.FingerprintOf(it)
			copies = append(copies, story.Copy{Feed: int64(i), CanonicalURL: it.CanonicalURL, FirstSeen: seen,
				Title: fp.Title, Text: fp.Text, HasText: fp.HasText})
			names = append(names, strings.TrimPrefix(f.URL, srvURL)+" "+it.Key)
		}
	}
	var out []string
	for _, comp := range story.Components(copies) {
		var keys []string
		for _, i := range comp {
			keys = append(keys, names[i])
		}
		sort.Strings(keys)
		out = append(out, strings.Join(keys, ", "))
	}
	sort.Strings(out)
	return out
}

// The grouping into stories, each story's lead and the digest never depend
// on the order feeds and their items arrive in: within one cycle, or spread
// over several cycles minutes apart. The demo's coverage and a generated
// syndication set (wire copies, rewrites, an aggregator, undated copies,
// an item bridging two reports) are polled in many random orders.
func TestStoriesDoNotDependOnArrivalOrder(t *testing.T) {
	// Not on a whole millisecond, as a real clock is not.
	start := time.Date(2025, 11, 26, 12, 0, 0, 123456789, time.UTC)
	srv := newOrderServer(t, start)
	c, err := loadDemoConfig(t.TempDir(), srv.URL, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"wire", "outlet1", "outlet2", "outlet3", "aggregator"} {
		c.Feeds = append(c.Feeds, config.Feed{URL: srv.URL + "/" + n + ".xml", Name: n})
	}
	m, err := match.Compile(daemon.Watchlist(c))
	if err != nil {
		t.Fatal(err)
	}
	var feeds []monitor.FeedConfig
	for _, f := range c.Feeds {
		feeds = append(feeds, monitor.FeedConfig{URL: f.URL, Name: f.Name})
	}
	want := expectedPartition(t, srv.URL, feeds, start)
	if len(want) >= len(feeds)*2 {
		t.Fatalf("the feeds make %d stories of their copies: nothing to group", len(want))
	}
	r := rand.New(rand.NewPCG(2025, 11))
	var single outcome
	for run := range 24 {
		order := slices.Clone(feeds)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var cuts []int
		step := time.Duration(0)
		if run%2 == 1 { // several cycles, ten minutes apart
			step = 10 * time.Minute
			for i := 1; i < len(order); i++ {
				if r.IntN(3) == 0 {
					cuts = append(cuts, i)
				}
			}
		}
		got := pollInOrder(t, c, m, srv.URL, order, cuts, step, start)
		if !slices.Equal(got.partition, want) {
			t.Fatalf("run %d (cycles at %v): partition\n%s\nwant the components of the copy graph\n%s", run, cuts,
				strings.Join(got.partition, "\n"), strings.Join(want, "\n"))
		}
		if run == 0 {
			single = got
			continue
		}
		// Within one cycle every lead is the same; over several cycles a
		// story none of whose copies is dated is led by the copy seen
		// first, and that depends on the cycles.
		for i := range got.leads {
			if got.leads[i] != single.leads[i] && (step == 0 || got.dated[i]) {
				t.Errorf("run %d (cycles at %v): story %s led by %s, want %s", run, cuts, got.partition[i], got.leads[i], single.leads[i])
			}
		}
		// The digests differ only in their times.
		if got.digest != single.digest {
			t.Fatalf("run %d: the digest differs\n--- got\n%s\n--- want\n%s", run, got.digest, single.digest)
		}
	}
}
