package main

import (
	"database/sql"
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
	b.WriteString(chaosWatchlist)
	fmt.Fprintf(&b, `digests:
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
	replicaDrain(t, raw, hook, replicas, wantItems, replicaFeedCount*perFeed)
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

	summary := fmt.Sprintf("replicas: %d replicas, %d kills and 1 stop (seed %d); %d items stored (%d published in %d feeds × %d slots), %d fetches, %d overlapping (%d beside a stopped or killed reader's); %d hits, %d digests, %d deliveries, %d POSTs (%d duplicate)",
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
		feeds.killing()
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

// replicaDrain waits until the replicas have stored every item, every
// feed's entry of it (an item shared by several feeds exists from the first
// entry on) and its hits, sent every story in a digest of each name and
// delivered every digest.
func replicaDrain(t *testing.T, raw *sql.DB, hook *chaosHook, replicas []*replica, wantItems, wantSources int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := readChaosCounts(t, raw)
		var sources int
		scanRow(t, raw, "SELECT COUNT(*) FROM item_sources", nil, &sources)
		_, byKey := hook.snapshot()
		if c.items == wantItems && sources == wantSources && c.hits == 3*wantItems && c.sent == c.deliveries && len(byKey) == c.deliveries &&
			unsentStories(t, raw, "breaking") == 0 && unsentStories(t, raw, "roundup") == 0 {
			return
		}
		if time.Now().After(deadline) {
			var logs strings.Builder
			for i, r := range replicas {
				fmt.Fprintf(&logs, "--- replica %d\n%s", i, r.logs)
			}
			t.Fatalf("not drained within 30s: %+v, %d sources, %d keys received, stories in no digest: %d breaking, %d roundup; want %d items, %d sources, %d hits\n%s",
				c, sources, len(byKey), unsentStories(t, raw, "breaking"), unsentStories(t, raw, "roundup"), wantItems, wantSources, 3*wantItems, logs.String())
		}
		time.Sleep(100 * time.Millisecond) // polling with a deadline
	}
}
