package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
)

// What the replica chaos test (replica_test.go) reads back from the
// database and checks.

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
