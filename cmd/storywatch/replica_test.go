package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/store/storetest"
)

// The replica chaos test (TestReplicasKilledAtRandomFetchStoreAndSendOnce)
// runs `storywatch run` three times over one PostgreSQL database, given by
// STORYWATCH_TEST_POSTGRES (docs/scale-out.md says how to start one).

// replicaLease is how long a replica leases a feed.
var replicaLease = monitor.LeaseFor(replicaTimeout)

const (
	replicaCount     = 3
	replicaFeedCount = 5
	// replicaEvery is how often every feed publishes an item.
	replicaEvery = 300 * time.Millisecond
	// replicaTimeout is poll.timeout and the webhook's timeout: a
	// delivery's claim lasts that long plus a margin.
	replicaTimeout = time.Second
	// replicaKills SIGKILLs happen within replicaKillWindow of the start,
	// so that the leases they leave behind run out while the stopped
	// replica is still stopped (a replica restarted on the same host
	// takes them back at once anyway).
	replicaKills      = 12
	replicaKillWindow = 10 * time.Second
)

// replicaEntry is item i of feed f. Every third slot is one report that
// every feed carries under its own link (one story of many items), the
// next one report that every feed carries under one shared link (one item
// with a source in each feed), the next a report of each feed's own. Every
// report names Witkoff and Ushakov on a call, so each item makes three
// hits. Feed f dates its copy 5-f seconds before the slot, so that the
// copy of the lowest feed leads a story by its date, whichever replica
// saw which copy first.
func replicaEntry(f, i int, published time.Time) string {
	published = published.Add(-time.Duration(replicaFeedCount-f) * time.Second)
	var guid, link, title string
	report := int64(i)
	switch i % 3 {
	case 0:
		guid, link = fmt.Sprintf("wire-%d", i), fmt.Sprintf("https://outlet%d.example/wire/%d", f, i)
		title = fmt.Sprintf("Envoy call %d: Witkoff and Ushakov, the wire report", i)
	case 1:
		guid, link = fmt.Sprintf("shared-%d", i), fmt.Sprintf("https://wire.example/shared/%d", i)
		title = fmt.Sprintf("Recording %d of the Witkoff call with Ushakov, shared", i)
	default:
		report = int64(1000*(f+1) + i)
		guid, link = fmt.Sprintf("own-%d-%d", f, i), fmt.Sprintf("https://outlet%d.example/own/%d", f, i)
		title = fmt.Sprintf("Outlet %d on call %d between Witkoff and Ushakov", f, i)
	}
	body := strings.Join(synBody(rand.New(rand.NewPCG(uint64(report), 99)), 90), " ")
	return fmt.Sprintf(`<item><guid isPermaLink="false">%s</guid><title>%s</title><link>%s</link><description>%s</description><pubDate>%s</pubDate></item>`,
		guid, html.EscapeString(title), link, html.EscapeString(body), published.UTC().Format(time.RFC1123Z))
}

// replicaExpected is how many items and stories n slots of every feed make.
func replicaExpected(n int) (items, stories int) {
	for i := range n {
		switch i % 3 {
		case 0:
			items, stories = items+replicaFeedCount, stories+1
		case 1:
			items, stories = items+1, stories+1
		default:
			items, stories = items+replicaFeedCount, stories+replicaFeedCount
		}
	}
	return items, stories
}

// replicaConfigText is the replicas' config on database db, with the
// fetch and send timeout given: an instant digest and a scheduled one,
// both to the webhook at hook.
func replicaConfigText(db, feeds, hook string, timeout time.Duration) string {
	var b strings.Builder
	// Every feed is on one loopback host: per_host lets all of them be
	// fetched at once, so that a lease a kill left behind holds back only
	// its own feed.
	fmt.Fprintf(&b, "database: %q\nlisten: \"\"\npoll:\n  schedule: \"@every 1s\"\n  timeout: %s\n  backfill: 24h\n  concurrency: %d\n  per_host: %d\nfeeds:\n",
		db, timeout, replicaFeedCount, replicaFeedCount)
	for f := range replicaFeedCount {
		fmt.Fprintf(&b, "  - url: %s/feed%d.xml\n", feeds, f)
	}
	fmt.Fprintf(&b, `actors:
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
digests:
  - id: breaking
    instant: true
    max_stories: 10000
    to: [hook]
  - id: roundup
    schedule: "@every 2s"
    max_stories: 10000
    to: [hook]
notifiers:
  - id: hook
    webhook:
      url: %s
      timeout: %s
delivery:
  retry_after: 1s
  retry_max: 2s
  give_up: 1h
`, hook, timeout)
	return b.String()
}

// testPostgresDatabase returns the URL of a fresh database on the
// PostgreSQL server of STORYWATCH_TEST_POSTGRES (storetest), and a
// connection to it; without the variable the test skips.
func testPostgresDatabase(t *testing.T) (string, *sql.DB) {
	t.Helper()
	dsn := storetest.PostgresDatabase(t)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	// Before the database is dropped: the drop closes what is connected.
	t.Cleanup(func() { raw.Close() })
	return dsn, raw
}

// replica is one `storywatch run` process of the test, restarted after
// each kill.
type replica struct {
	cmd  *exec.Cmd
	logs *logBuffer
	// all holds the logs of every process this replica has been.
	all []*logBuffer
	up  bool
}

func (r *replica) start(t *testing.T, cfgPath string) {
	r.cmd, r.logs = startDaemon(t, cfgPath)
	r.all = append(r.all, r.logs)
	r.up = true
}

func (r *replica) kill(t *testing.T) {
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill replica: %v", err)
	}
	r.cmd.Wait()
	r.up = false
}

// disruption is a moment a replica was killed, or stopped and continued:
// the only moments after which a delivery may be sent again.
type disruption struct {
	what     string
	from, to time.Time
}

// Three `storywatch run` replicas share one PostgreSQL database while five
// feeds keep publishing (one report under five links, one report under one
// link in five feeds, reports of each feed's own); replicas are SIGKILLed
// and restarted on a seeded schedule, and one is SIGSTOPped for longer
// than a feed's lease. Afterwards: no feed was fetched by two replicas at
// once, every published item is stored once, the stories are those of one
// process polling the same items on SQLite, the digests of each name list
// every story once per watch and the scheduled digest records one digest
// per tick, and every delivery reached the webhook, a key twice only after
// a kill or the stop cut its send.
func TestReplicasKilledAtRandomFetchStoreAndSendOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs three daemons and kills them many times")
	}
	dsn, raw := testPostgresDatabase(t)
	seed := uint64(20261201)
	if s := os.Getenv("STORYWATCH_CHAOS_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (STORYWATCH_CHAOS_SEED=%d to repeat)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	feeds := newChaosFeedsWith(t, replicaEvery, replicaEntry, 40*time.Millisecond)
	feeds.staleAfter = replicaLease
	hook := &chaosHook{t: t, byKey: map[string]int{}, latency: 150 * time.Millisecond}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	writeByRename(t, cfgPath, replicaConfigText(dsn, feeds.URL, hookSrv.URL, replicaTimeout))

	replicas := make([]*replica, replicaCount)
	for i := range replicas {
		replicas[i] = &replica{}
		replicas[i].start(t, cfgPath)
	}
	// The first replica to start migrates; the others wait on its lock.
	eventually(t, 20*time.Second, "every replica started", func() bool {
		for _, r := range replicas {
			if len(r.logs.records("storywatch started")) == 0 {
				return false
			}
		}
		return true
	})

	disruptions, kills := replicaChaos(t, raw, rng, replicas, cfgPath, feeds)
	perFeed := feeds.freeze()
	for _, r := range replicas {
		if !r.up {
			r.start(t, cfgPath)
		}
	}
	wantItems, wantStories := replicaExpected(perFeed)
	replicaDrain(t, raw, hook, replicas, wantItems)
	for _, r := range replicas {
		stopDaemon(t, r.cmd, r.logs)
	}
	c := readChaosCounts(t, raw)
	for i, r := range replicas {
		for _, l := range r.all {
			if strings.Contains(l.String(), "panic") {
				t.Errorf("replica %d panicked:\n%s", i, l)
			}
		}
	}

	fetched := feeds.counts()
	if fetched.overlaps != 0 {
		t.Errorf("%d requests for a feed arrived while another replica was fetching it (fetches per feed %v)", fetched.overlaps, fetched.byFeed)
	}
	checkReplicaItems(t, raw, perFeed)
	checkReplicaStories(t, dsn, feeds, perFeed, wantStories)
	checkReplicaDigests(t, raw, c)
	posts, duplicates := checkReplicaDeliveries(t, raw, hook, disruptions)

	summary := fmt.Sprintf("replicas: %d replicas, %d kills and 1 stop (seed %d); %d items stored (%d published in %d feeds × %d slots), %d fetches, %d overlapping (%d beside a stopped reader's); %d hits, %d digests, %d deliveries, %d POSTs (%d duplicate)",
		replicaCount, kills, seed, c.items, wantItems, replicaFeedCount, perFeed, fetched.fetches, fetched.overlaps, fetched.stale,
		c.hits, c.digests, c.deliveries, posts, duplicates)
	t.Log(summary)
	fmt.Println(summary)
}

// replicaChaos stops one replica (SIGSTOP) early, if it can while that
// replica holds a feed's lease, for longer than a lease, while it SIGKILLs
// the others at seeded random moments, restarting them
// at once or at their next turn; once the stopped replica's leases have
// run out and the others have fetched every feed since, it continues it
// (SIGCONT). It returns the disruptions and the kills.
func replicaChaos(t *testing.T, raw *sql.DB, rng *rand.Rand, replicas []*replica, cfgPath string, feeds *chaosFeeds) ([]disruption, int) {
	t.Helper()
	start := time.Now()
	stopped := replicas[rng.IntN(len(replicas))]
	stopAt := time.Duration(300+rng.IntN(1500)) * time.Millisecond
	killAt := make([]time.Duration, replicaKills)
	for k := range killAt {
		killAt[k] = time.Duration(rng.Int64N(int64(replicaKillWindow)))
	}
	slices.Sort(killAt)
	var others []*replica
	for _, r := range replicas {
		if r != stopped {
			others = append(others, r)
		}
	}
	var out []disruption
	var stop disruption
	stopNow := func() {
		time.Sleep(time.Until(start.Add(stopAt))) // the moment of the stop is the point, not a wait for something
		// Stop it holding a lease, mid-fetch, when it takes one within 5 s.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			if n, _ := leasesOf(t, raw, stopped.cmd.Process.Pid); n > 0 {
				break
			}
			time.Sleep(5 * time.Millisecond) // polling with a deadline
		}
		stop = disruption{"stop", time.Now(), time.Time{}}
		if err := stopped.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatalf("stop replica: %v", err)
		}
	}
	kills := 0
	for _, at := range killAt {
		if stop.from.IsZero() && at >= stopAt {
			stopNow()
		}
		time.Sleep(time.Until(start.Add(at))) // the moment of the kill is the point, not a wait for something
		r := others[rng.IntN(len(others))]
		if !r.up {
			r.start(t, cfgPath)
			continue
		}
		now := time.Now()
		r.kill(t)
		kills++
		out = append(out, disruption{"kill", now, now})
		// Mostly back at once; sometimes down until its next turn.
		if rng.IntN(3) > 0 {
			r.start(t, cfgPath)
		}
	}
	for _, r := range others {
		if !r.up {
			r.start(t, cfgPath)
		}
	}
	if stop.from.IsZero() {
		stopNow()
	}
	// Everything the stopped replica held has run out a lease after the
	// stop, and once the leases it holds by the database have; from then
	// on the others fetch every feed.
	held, until := leasesOf(t, raw, stopped.cmd.Process.Pid)
	leased := stop.from.Add(replicaLease)
	if until.After(leased) {
		leased = until
	}
	eventually(t, time.Until(leased)+time.Second, "the end of the stopped replica's leases", func() bool { return time.Now().After(leased) })
	before := feeds.counts().byFeed
	for deadline := time.Now().Add(15 * time.Second); ; {
		now := feeds.counts().byFeed
		var unfetched []int
		for f := range replicaFeedCount {
			if now[f] <= before[f] {
				unfetched = append(unfetched, f)
			}
		}
		if len(unfetched) == 0 {
			break
		}
		if time.Now().After(deadline) {
			// Most likely the stopped replica holds locks in a
			// transaction it cannot finish: say which.
			t.Errorf("feeds %v not fetched by the other replicas within 15s of the stopped replica's leases ending; sessions in a transaction:\n%s",
				unfetched, idleInTransaction(t, raw))
			break
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
	if err := stopped.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("continue replica: %v", err)
	}
	stop.to = time.Now()
	t.Logf("a replica was stopped for %s holding %d leases, a lease being %s", stop.to.Sub(stop.from).Round(time.Millisecond), held, replicaLease)
	return append(out, stop), kills
}

// leasesOf returns how many unexpired feed leases the process pid holds
// (its lease owner name is host:pid:suffix) and when the last ends.
func leasesOf(t *testing.T, raw *sql.DB, pid int) (int, time.Time) {
	t.Helper()
	var n int
	var until int64
	scanRow(t, raw, `SELECT COUNT(*), COALESCE(MAX(lease_until), 0) FROM feeds WHERE lease_owner LIKE $1 AND lease_until > $2`,
		[]any{fmt.Sprintf("%%:%d:%%", pid), time.Now().UnixMilli()}, &n, &until)
	return n, time.UnixMilli(until)
}

// idleInTransaction lists the sessions of the database that are in a
// transaction, with the locks they hold and their last statement.
func idleInTransaction(t *testing.T, raw *sql.DB) string {
	t.Helper()
	rows, err := raw.Query(`SELECT a.pid, a.state, COALESCE(string_agg(l.locktype || ':' || l.mode, ' '), ''), LEFT(a.query, 200)
FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND l.granted
WHERE a.datname = current_database() AND a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()
GROUP BY a.pid, a.state, a.query`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var pid int
		var state, locks, query string
		if err := rows.Scan(&pid, &state, &locks, &query); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "  pid %d %s, holding %s: %s\n", pid, state, locks, query)
	}
	return b.String()
}

// replicaDrain waits until the replicas have stored every item and its
// hits, sent every story in a digest of each name and delivered every
// digest.
func replicaDrain(t *testing.T, raw *sql.DB, hook *chaosHook, replicas []*replica, wantItems int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := readChaosCounts(t, raw)
		_, byKey := hook.snapshot()
		if c.items == wantItems && c.hits == 3*wantItems && c.sent == c.deliveries && len(byKey) == c.deliveries &&
			unsentStories(t, raw, "breaking") == 0 && unsentStories(t, raw, "roundup") == 0 {
			return
		}
		if time.Now().After(deadline) {
			var logs strings.Builder
			for i, r := range replicas {
				fmt.Fprintf(&logs, "--- replica %d\n%s", i, r.logs)
			}
			t.Fatalf("not drained within 30s: %+v, %d keys received, stories in no digest: %d breaking, %d roundup; want %d items, %d hits\n%s",
				c, len(byKey), unsentStories(t, raw, "breaking"), unsentStories(t, raw, "roundup"), wantItems, 3*wantItems, logs.String())
		}
		time.Sleep(100 * time.Millisecond) // polling with a deadline
	}
}

// unsentStories counts the stories with hits none of which a digest of
// name has included. (A hit of a later copy of a story already sent is
// included only with the next digest that has news: it may stay pending.)
func unsentStories(t *testing.T, raw *sql.DB, name string) int {
	t.Helper()
	var n int
	scanRow(t, raw, `SELECT COUNT(DISTINCT i.story_id) FROM hits h JOIN items i ON i.id = h.item_id
WHERE NOT EXISTS (SELECT 1 FROM digest_hits dh JOIN hits h2 ON h2.id = dh.hit_id JOIN items i2 ON i2.id = h2.item_id
	WHERE i2.story_id = i.story_id AND dh.name = $1)`, []any{name}, &n)
	return n
}

// checkReplicaItems checks that every published item is stored once,
// under its link, with a source in each feed that carries it.
func checkReplicaItems(t *testing.T, raw *sql.DB, perFeed int) {
	t.Helper()
	stored := map[string]int{}
	rows, err := raw.Query("SELECT url, COUNT(*) FROM items GROUP BY url")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u string
		var n int
		if err := rows.Scan(&u, &n); err != nil {
			t.Fatal(err)
		}
		stored[u] = n
	}
	rows.Close()
	var sources int
	scanRow(t, raw, "SELECT COUNT(*) FROM item_sources", nil, &sources)
	var want []string
	for i := range perFeed {
		if i%3 == 1 {
			want = append(want, fmt.Sprintf("https://wire.example/shared/%d", i))
			continue
		}
		for f := range replicaFeedCount {
			if i%3 == 0 {
				want = append(want, fmt.Sprintf("https://outlet%d.example/wire/%d", f, i))
			} else {
				want = append(want, fmt.Sprintf("https://outlet%d.example/own/%d", f, i))
			}
		}
	}
	for _, u := range want {
		if stored[u] != 1 {
			t.Errorf("item %s stored %d times, want once", u, stored[u])
		}
	}
	if len(stored) != len(want) || sources != replicaFeedCount*perFeed {
		t.Errorf("%d items, %d sources; want %d items, %d sources", len(stored), sources, len(want), replicaFeedCount*perFeed)
	}
}

// checkReplicaStories checks that the replicas grouped the items into the
// stories one `storywatch once` makes of the same feeds on SQLite, with the
// same leads. The reference is the embedded engine, one process: what the
// replicas must agree with whatever order and process each copy came in.
func checkReplicaStories(t *testing.T, dsn string, feeds *chaosFeeds, perFeed, wantStories int) {
	t.Helper()
	ctx := context.Background()
	pg, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	got, gotLeads, _ := storyPartition(t, pg, feeds.URL)
	pg.Close()

	dir := t.TempDir()
	refHook := httptest.NewServer(&chaosHook{t: t, byKey: map[string]int{}})
	defer refHook.Close()
	refCfg := filepath.Join(dir, "single.yaml")
	// The reference's fetches are not under test: a timeout no loaded
	// machine reaches, so that it fetches every item in its one cycle.
	writeByRename(t, refCfg, replicaConfigText(filepath.Join(dir, "single.db"), feeds.URL, refHook.URL, time.Minute))
	code, out, errOut := runCmd(t, "-config", refCfg, "once")
	if code != 0 {
		t.Fatalf("once on SQLite: exit %d\n%s%s", code, out, errOut)
	}
	lite, err := store.Open(ctx, filepath.Join(dir, "single.db"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := lite.InWindow(ctx, time.Now()); err != nil || n != int64(replicaFeedCount*perFeed) {
		t.Fatalf("one process on SQLite stored %d copies (%v), want %d:\n%s%s", n, err, replicaFeedCount*perFeed, out, errOut)
	}
	want, wantLeads, _ := storyPartition(t, lite, feeds.URL)
	lite.Close()

	if len(want) != wantStories {
		t.Errorf("one process on SQLite made %d stories of the feeds, want %d", len(want), wantStories)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the replicas' stories differ from one process's: %d stories, want %d\n--- replicas\n%s\n--- one process\n%s",
			len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range got {
		if gotLeads[i] != wantLeads[i] {
			t.Errorf("story %s led by %s, one process leads it by %s", got[i], gotLeads[i], wantLeads[i])
		}
	}
}

// checkReplicaDigests checks that no hit is in two digests of one name,
// that every digest of each name lists each story once for each of its
// three watches, all digests of the name together, and that no tick of
// the scheduled digest recorded two.
func checkReplicaDigests(t *testing.T, raw *sql.DB, c chaosCounts) {
	t.Helper()
	var stories int
	scanRow(t, raw, `SELECT COUNT(DISTINCT i.story_id) FROM hits h JOIN items i ON i.id = h.item_id`, nil, &stories)
	for _, name := range []string{"breaking", "roundup"} {
		var multi int
		scanRow(t, raw, `SELECT COUNT(*) FROM (SELECT hit_id FROM digest_hits WHERE name = $1 GROUP BY hit_id HAVING COUNT(*) > 1) m`, []any{name}, &multi)
		if multi != 0 {
			t.Errorf("%s: %d hits in more than one digest", name, multi)
		}
		listed := listedStories(t, raw, name)
		twice := 0
		for _, n := range listed {
			if n != 1 {
				twice++
			}
		}
		if len(listed) != 3*stories || twice != 0 {
			t.Errorf("%s digests list %d (story, watch) pairs, %d of them more than once; want each of %d stories once for each of 3 watches",
				name, len(listed), twice, stories)
		}
	}
	var ticks, recorded, twice, roundups, offGrid int
	scanRow(t, raw, `SELECT COUNT(*), COUNT(digest_id) FROM digest_runs WHERE name = 'roundup'`, nil, &ticks, &recorded)
	scanRow(t, raw, `SELECT COUNT(*) FROM (SELECT digest_id FROM digest_runs WHERE digest_id IS NOT NULL GROUP BY digest_id HAVING COUNT(*) > 1) m`, nil, &twice)
	scanRow(t, raw, `SELECT COUNT(*) FROM digests WHERE name = 'roundup'`, nil, &roundups)
	// Every replica counts the @every 2s ticks from one stored run, so no
	// two of them run a tick of their own a moment apart.
	scanRow(t, raw, `SELECT COUNT(*) FROM digest_runs r, (SELECT MIN(due_at) AS first FROM digest_runs WHERE name = 'roundup') f
WHERE r.name = 'roundup' AND (r.due_at - f.first) % 2000 <> 0`, nil, &offGrid)
	if ticks == 0 || roundups != recorded || twice != 0 || offGrid != 0 {
		t.Errorf("roundup: %d ticks ran, %d of them recorded a digest, %d digests recorded, %d digests claimed by two ticks, %d ticks off the 2s grid",
			ticks, recorded, roundups, twice, offGrid)
	}
	t.Logf("%d stories; roundup: %d ticks, %d digests; breaking: %d digests", stories, ticks, roundups, c.digests-roundups)
}

// listedStories counts how often the digests of name list each story for
// each watch, under the watch or in its "also".
func listedStories(t *testing.T, raw *sql.DB, name string) map[string]int {
	t.Helper()
	rows, err := raw.Query(`SELECT payload FROM digests WHERE name = $1`, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var d notify.Digest
		if err := json.Unmarshal([]byte(payload), &d); err != nil {
			t.Fatalf("a %s digest's payload: %v", name, err)
		}
		for _, sec := range d.Watches {
			if sec.More > 0 {
				t.Errorf("digest %s left out %d stories of %s", d.ID, sec.More, sec.ID)
			}
			for _, st := range sec.Stories {
				out[st.ID+" "+sec.ID]++
				for _, w := range st.Also {
					out[st.ID+" "+w]++
				}
			}
		}
	}
	return out
}

// checkReplicaDeliveries checks that every delivery reached the webhook
// and that a key came twice only after a disruption that came after its
// first arrival (less a send's timeout) and before the repeat. It returns
// the POSTs and the repeated ones.
func checkReplicaDeliveries(t *testing.T, raw *sql.DB, hook *chaosHook, disruptions []disruption) (posts, duplicates int) {
	t.Helper()
	want := map[string]bool{}
	rows, err := raw.Query("SELECT digest_id || '-' || notifier FROM deliveries")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		want[k] = true
	}
	rows.Close()
	hook.mu.Lock()
	arrivals := slices.Clone(hook.arrivals)
	hook.mu.Unlock()
	first := map[string]time.Time{}
	for _, a := range arrivals {
		if !want[a.key] {
			t.Errorf("the webhook got key %s, which no delivery has", a.key)
		}
		at, seen := first[a.key]
		if !seen {
			first[a.key] = a.at
			continue
		}
		duplicates++
		cut := slices.ContainsFunc(disruptions, func(d disruption) bool {
			return !d.to.Before(at.Add(-replicaTimeout)) && !d.from.After(a.at)
		})
		if !cut {
			t.Errorf("key %s arrived at %s and again at %s with no kill or stop between", a.key, at.Format(time.StampMilli), a.at.Format(time.StampMilli))
		}
	}
	for k := range want {
		if _, ok := first[k]; !ok {
			t.Errorf("delivery %s never reached the webhook", k)
		}
	}
	return len(arrivals), duplicates
}

// scanRow reads the one row of query into dest, failing the test when the
// query does.
func scanRow(t *testing.T, raw *sql.DB, query string, args []any, dest ...any) {
	t.Helper()
	if err := raw.QueryRow(query, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
