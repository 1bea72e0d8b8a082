package main

import (
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify/schematest"
)

// chaosFeeds publishes items while the test runs: feed f has item n once
// n·every has passed since the start, until frozen. item renders an
// entry; the default words every other item to match the watchlist.
// Each request is answered after latency, and requests for one feed that
// overlap are counted, so that a test can tell whether two processes
// fetched a feed at once.
type chaosFeeds struct {
	*httptest.Server
	start   time.Time
	every   time.Duration
	item    func(f, i int, published time.Time) string
	latency time.Duration
	// staleAfter, when set, is how long a request may be in flight and
	// still overlap a new one: a request older than that (its reader was
	// stopped) counts as stale instead.
	staleAfter time.Duration
	mu         sync.Mutex
	frozen     int // items per feed once frozen; -1 while publishing
	// lastKill is when a test last SIGKILLed a reader (killing): a request
	// in flight since before it may be the dead reader's, which the server
	// may still be answering when another process fetches the feed.
	lastKill time.Time
	// Per feed: when each request now being answered arrived; requests
	// answered; requests that arrived while another was being answered,
	// and while only stale ones were.
	inFlight                 map[int][]time.Time
	fetches, overlaps, stale map[int]int
}

const chaosFeedCount = 3

func newChaosFeeds(t *testing.T, every time.Duration) *chaosFeeds {
	return newChaosFeedsWith(t, every, chaosEntry, 0)
}

func newChaosFeedsWith(t *testing.T, every time.Duration, item func(f, i int, published time.Time) string, latency time.Duration) *chaosFeeds {
	c := &chaosFeeds{start: time.Now(), every: every, item: item, latency: latency, frozen: -1,
		inFlight: map[int][]time.Time{}, fetches: map[int]int{}, overlaps: map[int]int{}, stale: map[int]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f int
		if _, err := fmt.Sscanf(r.URL.Path, "/feed%d.xml", &f); err != nil {
			http.NotFound(w, r)
			return
		}
		n, arrived := c.enter(f)
		defer c.leave(f, arrived)
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Chaos %d</title>`, f)
		for i := n - 1; i >= 0; i-- {
			b.WriteString(c.item(f, i, c.start.Add(time.Duration(i)*every)))
		}
		b.WriteString("</channel></rss>")
		if c.latency > 0 {
			// A feed that takes a while to answer: the window in which a
			// second fetch of it would overlap.
			select {
			case <-time.After(c.latency):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, b.String())
	}))
	t.Cleanup(c.Close)
	return c
}

// enter counts a request for feed f and returns how many items it has
// and when the request arrived.
func (c *chaosFeeds) enter(f int) (int, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.inFlight[f]) > 0 {
		fresh := slices.ContainsFunc(c.inFlight[f], func(at time.Time) bool {
			return (c.staleAfter == 0 || now.Sub(at) < c.staleAfter) && !at.Before(c.lastKill)
		})
		if fresh {
			c.overlaps[f]++
		} else {
			c.stale[f]++
		}
	}
	c.inFlight[f] = append(c.inFlight[f], now)
	c.fetches[f]++
	if c.frozen >= 0 {
		return c.frozen, now
	}
	return int(time.Since(c.start)/c.every) + 1, now
}

// killing records that a reader is about to be SIGKILLed: requests in
// flight now no longer count as overlapping a new one, but as stale.
func (c *chaosFeeds) killing() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastKill = time.Now()
}

func (c *chaosFeeds) leave(f int, arrived time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.inFlight[f], arrived); i >= 0 {
		c.inFlight[f] = slices.Delete(c.inFlight[f], i, i+1)
	}
}

// chaosFetches is what the feeds served.
type chaosFetches struct {
	// fetches, overlaps and stale over every feed (chaosFeeds); byFeed
	// the fetches of each feed.
	fetches, overlaps, stale int
	byFeed                   map[int]int
}

func (c *chaosFeeds) counts() chaosFetches {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := chaosFetches{byFeed: map[int]int{}}
	for f, n := range c.fetches {
		out.fetches += n
		out.byFeed[f] = n
	}
	for f := range c.overlaps {
		out.overlaps += c.overlaps[f]
	}
	for f := range c.stale {
		out.stale += c.stale[f]
	}
	return out
}

// chaosEntry is item i of feed f, each worded differently.
func chaosEntry(f, i int, published time.Time) string {
	return fmt.Sprintf(`<item><guid>chaos-%d-%d</guid><title>%s</title><link>%s</link><pubDate>%s</pubDate></item>`,
		f, i, chaosTitle(f, i), chaosLink(f, i), published.UTC().Format(time.RFC1123Z))
}

// published is how many items each feed has now.
func (c *chaosFeeds) published() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen >= 0 {
		return c.frozen
	}
	return int(time.Since(c.start)/c.every) + 1
}

// freeze stops publishing and returns the items per feed.
func (c *chaosFeeds) freeze() int {
	n := c.published()
	c.mu.Lock()
	c.frozen = n
	c.mu.Unlock()
	return n
}

// chaosTitle words each item differently, so that no two are one story.
func chaosTitle(f, i int) string {
	words := []string{"Geneva", "Riyadh", "Istanbul", "Abu Dhabi", "Miami", "Moscow", "Kyiv", "Berlin", "Doha", "Paris"}
	place := words[(f*7+i)%len(words)]
	if i%2 == 0 {
		return fmt.Sprintf("Witkoff and Ushakov call %d from %s: recording %d of feed %d surfaces", i*31+f, place, i, f)
	}
	return fmt.Sprintf("Weather bulletin %d for %s, feed %d, number %d", i*17+f, place, f, i)
}

func chaosLink(f, i int) string { return fmt.Sprintf("https://chaos.example/%d/%d", f, i) }

// chaosHook is a webhook receiver that counts every POST and the distinct
// Idempotency-Keys.
type chaosHook struct {
	t     testing.TB
	mu    sync.Mutex
	posts int
	byKey map[string]int
	// arrivals lists every POST's key and time, in order.
	arrivals []hookArrival
	// latency, when set, is how long the receiver takes to answer once it
	// has a POST: the window in which a kill cuts a send it received.
	latency time.Duration
}

type hookArrival struct {
	key string
	at  time.Time
}

func (h *chaosHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	schematest.Check(h.t, body)
	key := r.Header.Get("Idempotency-Key")
	h.mu.Lock()
	h.posts++
	h.byKey[key]++
	h.arrivals = append(h.arrivals, hookArrival{key, time.Now()})
	h.mu.Unlock()
	if h.latency > 0 {
		select {
		case <-time.After(h.latency):
		case <-r.Context().Done():
		}
	}
}

func (h *chaosHook) snapshot() (posts int, byKey map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byKey = make(map[string]int, len(h.byKey))
	for k, v := range h.byKey {
		byKey[k] = v
	}
	return h.posts, byKey
}

// chaosCounts reads what the database holds.
type chaosCounts struct {
	items, hits, digests, deliveries, sent, digestHits int
}

func readChaosCounts(t *testing.T, db *sql.DB) chaosCounts {
	t.Helper()
	var c chaosCounts
	for _, q := range []struct {
		sql string
		n   *int
	}{
		{"SELECT COUNT(*) FROM items", &c.items},
		{"SELECT COUNT(*) FROM hits", &c.hits},
		{"SELECT COUNT(*) FROM digests", &c.digests},
		{"SELECT COUNT(*) FROM deliveries", &c.deliveries},
		{"SELECT COUNT(*) FROM deliveries WHERE status = 'sent'", &c.sent},
		{"SELECT COUNT(*) FROM digest_hits", &c.digestHits},
	} {
		if err := db.QueryRow(q.sql).Scan(q.n); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	return c
}

// `storywatch run` is SIGKILLed at seeded random moments, at least 20
// times, while its feeds keep publishing and its instant digest goes to a
// webhook; it is restarted each time. After a last clean run has drained
// the outbox: every item is stored once, every matching item has its hits,
// every hit is in exactly one digest, and every digest reached the
// receiver under its Idempotency-Key (a send cut by a kill may arrive twice
// under one key: the receiver deduplicates by key, and the raw number of
// repeated POSTs is reported).
func TestRunKilledAtRandomLosesAndRepeatsNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills and restarts the daemon many times")
	}
	const kills = 24
	seed := uint64(20261126)
	if s := os.Getenv("STORYWATCH_CHAOS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (STORYWATCH_CHAOS_SEED=%d to repeat)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	feeds := newChaosFeeds(t, 250*time.Millisecond)
	hook := &chaosHook{t: t, byKey: map[string]int{}}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)

	dir := t.TempDir()
	dbPath := filepath.Join(dir, "sw.db")
	var b strings.Builder
	fmt.Fprintf(&b, "database: %s\nlisten: \"\"\npoll:\n  schedule: \"@every 1s\"\n  timeout: 5s\n  backfill: 24h\nfeeds:\n", dbPath)
	for f := range chaosFeedCount {
		fmt.Fprintf(&b, "  - url: %s/feed%d.xml\n", feeds.URL, f)
	}
	b.WriteString(chaosWatchlist)
	fmt.Fprintf(&b, `digests:
  - id: breaking
    instant: true
    to: [hook]
notifiers:
  - id: hook
    webhook:
      url: %s
      # A send cut by a kill holds its claim for the send timeout plus
      # the claim margin; the receiver answers at once, so a short timeout
      # only shortens the clean run's wait for that claim.
      timeout: 2s
delivery:
  retry_after: 1s
  retry_max: 2s
  give_up: 1h
`, hookSrv.URL)
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	started := time.Now()
	for k := range kills {
		cmd, logs := startDaemon(t, cfgPath)
		// A random moment: mostly within a cycle or two, sometimes at once.
		wait := time.Duration(rng.IntN(1500)) * time.Millisecond
		if rng.IntN(5) == 0 {
			wait = time.Duration(rng.IntN(50)) * time.Millisecond
		}
		time.Sleep(wait) // the kill's moment is the point, not a wait for something
		if err := cmd.Process.Kill(); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		cmd.Wait()
		if strings.Contains(logs.String(), "panic") {
			t.Fatalf("daemon panicked before kill %d:\n%s", k, logs)
		}
	}
	killed := time.Since(started)

	// Publishing stops; a clean run takes in the rest and drains the outbox.
	perFeed := feeds.freeze()
	matching := chaosFeedCount * ((perFeed + 1) / 2)
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cmd, logs := startDaemon(t, cfgPath)
	// At least one whole cycle of the clean run, and then until drained.
	eventually(t, 15*time.Second, "a cycle of the clean run", func() bool { return len(logs.records("poll cycle")) >= 1 })
	deadline := time.Now().Add(40 * time.Second)
	var c chaosCounts
	for {
		c = readChaosCounts(t, raw)
		posts, byKey := hook.snapshot()
		drained := c.items == chaosFeedCount*perFeed && c.hits == 3*matching && c.digestHits == c.hits &&
			c.sent == c.deliveries && len(byKey) == c.deliveries
		if drained {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained within 40s: %+v, %d posts, %d keys; want %d items, %d hits\n%s",
				c, posts, len(byKey), chaosFeedCount*perFeed, 3*matching, logs)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
	stopDaemon(t, cmd, logs)

	// Every published item stored once, under its own link.
	rows, err := raw.Query("SELECT url, COUNT(*) FROM items GROUP BY url")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var u string
		var n int
		if err := rows.Scan(&u, &n); err != nil {
			t.Fatal(err)
		}
		stored[u] = n
	}
	rows.Close()
	for f := range chaosFeedCount {
		for i := range perFeed {
			if n := stored[chaosLink(f, i)]; n != 1 {
				t.Errorf("item %s stored %d times, want once", chaosLink(f, i), n)
			}
		}
	}
	// Every matching item has its three hits, once each.
	var dupHits, hitsOnNonMatching int
	raw.QueryRow(`SELECT COUNT(*) FROM (SELECT item_id, watch FROM hits GROUP BY item_id, watch HAVING COUNT(*) > 1)`).Scan(&dupHits)
	raw.QueryRow(`SELECT COUNT(*) FROM hits h JOIN items i ON i.id = h.item_id WHERE i.title LIKE 'Weather%'`).Scan(&hitsOnNonMatching)
	if dupHits != 0 || hitsOnNonMatching != 0 || c.hits != 3*matching {
		t.Errorf("hits: %d, %d duplicated, %d on items that do not match; want %d", c.hits, dupHits, hitsOnNonMatching, 3*matching)
	}
	// Every hit in exactly one digest.
	var undigested, multi int
	raw.QueryRow(`SELECT COUNT(*) FROM hits h WHERE NOT EXISTS (SELECT 1 FROM digest_hits d WHERE d.hit_id = h.id)`).Scan(&undigested)
	raw.QueryRow(`SELECT COUNT(*) FROM (SELECT hit_id FROM digest_hits GROUP BY hit_id HAVING COUNT(*) > 1)`).Scan(&multi)
	if undigested != 0 || multi != 0 {
		t.Errorf("%d hits in no digest, %d in more than one", undigested, multi)
	}
	// Every digest reached the receiver, by key, and nothing else did.
	posts, byKey := hook.snapshot()
	drows, err := raw.Query("SELECT digest_id || '-' || notifier FROM deliveries")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for drows.Next() {
		var k string
		drows.Scan(&k)
		want[k] = true
	}
	drows.Close()
	var missing, unknown []string
	for k := range want {
		if byKey[k] == 0 {
			missing = append(missing, k)
		}
	}
	duplicatePosts := 0
	for k, n := range byKey {
		if !want[k] {
			unknown = append(unknown, k)
		}
		duplicatePosts += n - 1
	}
	sort.Strings(missing)
	sort.Strings(unknown)
	if len(missing) > 0 || len(unknown) > 0 || c.digests != c.deliveries {
		t.Errorf("receiver keys: missing %v, unknown %v; %d digests, %d deliveries", missing, unknown, c.digests, c.deliveries)
	}
	summary := fmt.Sprintf("chaos: %d kills in %s (seed %d); %d items (%d published), %d hits, %d digests, %d deliveries sent, %d received by key, %d POSTs (%d duplicate)",
		kills, killed.Round(time.Millisecond), seed, c.items, chaosFeedCount*perFeed, c.hits, c.digests, c.sent, len(byKey), posts, duplicatePosts)
	t.Log(summary)
	fmt.Println(summary)
	if duplicatePosts > 0 {
		t.Logf("%d deliveries were cut by a kill after the receiver had them, and sent again under the same key", duplicatePosts)
	}
}

// A second `storywatch run` on the database of a running one refuses to
// start, naming the lock; `hits` and `feeds` still read the database.
func TestSecondRunProcessRefusesWhileReadsWork(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts the daemon as a child process")
	}
	feeds := newChaosFeeds(t, time.Hour)
	hook := &chaosHook{t: t, byKey: map[string]int{}}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "sw.db")
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	writeByRename(t, cfgPath, daemonConfigText(dbPath, hookSrv.URL, []string{feeds.URL + "/feed0.xml"}, ""))
	cmd, logs := startDaemon(t, cfgPath)
	eventually(t, 15*time.Second, "the first daemon's first cycle", func() bool { return len(logs.records("poll cycle")) >= 1 })

	// The second daemon is a process of its own, as it would be.
	second, secondLogs := startDaemon(t, cfgPath)
	waited := make(chan error, 1)
	go func() { waited <- second.Wait() }()
	select {
	case err := <-waited:
		if err == nil || !strings.Contains(secondLogs.String(), "already using the database") {
			t.Errorf("second run: %v, want a non-zero exit naming the lock:\n%s", err, secondLogs)
		}
	case <-time.After(15 * time.Second):
		second.Process.Kill()
		t.Fatalf("the second run did not refuse to start:\n%s", secondLogs)
	}
	for _, args := range [][]string{{"hits", "-json"}, {"feeds"}} {
		code, out, errOut := runCmd(t, append([]string{"-config", cfgPath}, args...)...)
		if code != 0 || !strings.Contains(out, "call-leak") && args[0] == "hits" || !strings.Contains(out, feeds.URL) && args[0] == "feeds" {
			t.Errorf("%s while the daemon runs: exit %d\n%s%s", args[0], code, out, errOut)
		}
	}
	stopDaemon(t, cmd, logs)
}

// chaosWatchlist is the watchlist of the tests that run whole processes
// (the chaos, replica and hostile-feed tests): two actors and the storyline
// that needs both.
const chaosWatchlist = `actors:
  - id: witkoff
    name: Steve Witkoff
    aliases: [Witkoff]
  - id: ushakov
    name: Yuri Ushakov
    aliases: [Ushakov]
storylines:
  - id: call-leak
    title: Witkoff–Ushakov call
    query: '@witkoff AND @ushakov AND (call OR recording)'
`
