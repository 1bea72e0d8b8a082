package store_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/store/storetest"
)

// faultItems is the size of the fetch written under a fault: big enough
// (a few MB with its hits) to cross any small limit.
const faultItems = 3000

// faultFeed renders a feed of n items on host that each make three hits.
func faultFeed(host string, n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Fault</title>`)
	pub := time.Now().Add(-time.Hour).UTC().Format(time.RFC1123Z)
	pad := strings.Repeat("Padding text about the recording of the call. ", 8)
	for i := range n {
		fmt.Fprintf(&b, `<item><guid>fault-%d</guid><title>Witkoff and Ushakov call recording, part %d</title>`+
			`<link>https://%s.example/%d</link><description>%s</description><pubDate>%s</pubDate></item>`, i, i, host, i, pad, pub)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func faultMatcher() (*match.Matcher, error) {
	return match.Compile(match.Watchlist{
		Actors: []match.Actor{
			{ID: "witkoff", Name: "Steve Witkoff", Aliases: []string{"Witkoff"}, Track: true},
			{ID: "ushakov", Name: "Yuri Ushakov", Aliases: []string{"Ushakov"}, Track: true},
		},
		Storylines: []match.Storyline{{ID: "call-leak", Title: "Call", Query: "@witkoff AND @ushakov AND (call OR recording)"}},
	})
}

// faultStep is one line the helper process reports.
type faultStep struct {
	Step    string `json:"step"`
	Result  string `json:"result"`
	Error   string `json:"error"`
	Items   int    `json:"items"`
	Hits    int    `json:"hits"`
	Sources int    `json:"sources"`
	Took    string `json:"took"`
}

// counts reads the rows a fetch writes, straight from the file.
func counts(ctx context.Context, path string) (items, hits, sources int, err error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, 0, 0, err
	}
	defer db.Close()
	for _, q := range []struct {
		sql string
		n   *int
	}{{"SELECT COUNT(*) FROM items", &items}, {"SELECT COUNT(*) FROM hits", &hits}, {"SELECT COUNT(*) FROM item_sources", &sources}} {
		if err := db.QueryRowContext(ctx, q.sql).Scan(q.n); err != nil {
			return 0, 0, 0, err
		}
	}
	return items, hits, sources, nil
}

// TestFaultHelper is not a test: the fault tests run the test binary again
// with it, to put a storywatch process under a file-size limit or in a
// mount namespace of its own. It polls one feed three times: before the
// fault, under it, and after it clears, reporting each step on stdout.
func TestFaultHelper(t *testing.T) {
	t.Parallel()
	fault := os.Getenv("STORYWATCH_FAULT")
	if fault == "" {
		t.Skip("helper process for the database fault tests")
	}
	ctx := context.Background()
	path, feedURL := os.Getenv("STORYWATCH_FAULT_DB"), os.Getenv("STORYWATCH_FAULT_FEED")
	out := json.NewEncoder(os.Stdout)
	start := time.Now()
	report := func(step string, c monitor.Cycle, err error) {
		s := faultStep{Step: step}
		if err != nil {
			s.Error = err.Error()
		}
		if len(c.Feeds) > 0 {
			s.Result = string(c.Feeds[0].Result)
			if c.Feeds[0].Err != nil {
				s.Error = c.Feeds[0].Err.Error()
			}
		}
		s.Items, s.Hits, s.Sources, _ = counts(ctx, path)
		s.Took = time.Since(start).String()
		out.Encode(s)
	}
	integrity := func(path string) {
		raw, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var check string
		if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil {
			check = err.Error()
		}
		out.Encode(faultStep{Step: "integrity", Error: check})
	}
	m, err := faultMatcher()
	if err != nil {
		t.Fatal(err)
	}
	poll := func(db *store.DB) (monitor.Cycle, error) {
		p := monitor.NewPoller(db, m, []monitor.FeedConfig{{URL: feedURL, Interval: time.Minute}},
			monitor.Options{Fetch: feed.Fetcher{Timeout: 10 * time.Second}})
		return p.PollAll(ctx)
	}

	switch fault {
	case "fsize":
		// A disk that fills up: writes past a size fail with EFBIG, as
		// they fail with ENOSPC on a full disk.
		signal.Ignore(syscall.SIGXFSZ)
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		var largest int64
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			if fi, err := os.Stat(f); err == nil {
				largest = max(largest, fi.Size())
			}
		}
		full := lim
		full.Cur = uint64(largest + 64<<10)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
			t.Fatal(err)
		}
		c, err := poll(db)
		report("fault", c, err)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatal(err)
		}
		c, err = poll(db)
		report("cleared", c, err)
		db.Close()
	case "tmpfs":
		// A disk that is truly full: the database's folder becomes a small
		// tmpfs (in this process's own mount namespace) holding the
		// database, with room for a little more; writes fail with ENOSPC.
		dir := filepath.Dir(path)
		saved := map[string][]byte{}
		var total int64
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			if b, err := os.ReadFile(f); err == nil {
				saved[f] = b
				total += int64(len(b))
			}
		}
		size := total + 256<<10
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
			t.Fatal(err)
		}
		for f, b := range saved {
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := poll(db)
		report("fault", c, err)
		if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size=256m"); err != nil {
			t.Fatal(err)
		}
		c, err = poll(db)
		report("cleared", c, err)
		db.Close()
		integrity(path)
	case "wal-full":
		// A tiny disk, and writes that rewrite the same pages: the
		// write-ahead log grows until the disk is full long before its
		// automatic checkpoint, while the database itself stays small.
		dir := filepath.Dir(path)
		saved := map[string][]byte{}
		var total int64
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			if b, err := os.ReadFile(f); err == nil {
				saved[f] = b
				total += int64(len(b))
			}
		}
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", total+4<<20)); err != nil {
			t.Fatal(err)
		}
		for f, b := range saved {
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		save := func(i int) error {
			st := monitor.FeedState{URL: feedURL, LastError: fmt.Sprintf("%d %s", i, strings.Repeat("e", 32<<10))}
			_, err := db.SaveFetch(ctx, monitor.FeedFetch{State: st})
			return err
		}
		// 2000 writes of 32 KiB: 64 MB through the log, on a disk with 4 MB
		// to spare.
		var errs []error
		for i := range 2000 {
			if err := save(i); err != nil {
				errs = append(errs, err)
			}
		}
		out.Encode(faultStep{Step: "writes", Error: fmt.Sprint(errors.Join(errs...)), Items: 2000 - len(errs)})
		wal, _ := os.Stat(path + "-wal")
		out.Encode(faultStep{Step: "wal", Items: int(wal.Size())})
		db.Close()
		integrity(path)
	case "readonly-live":
		// The folder turns read-only under a running store and back: the
		// connections opened in between are read-only ones.
		dir := filepath.Dir(path)
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
			t.Fatal(err)
		}
		store.ResetPool(db)
		c, err := poll(db)
		report("fault", c, err)
		out.Encode(faultStep{Step: "ready under the fault", Error: fmt.Sprint(db.Ready(ctx))})
		// Detached: the connections opened through the read-only mount
		// keep it, as they keep their read-only files.
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Fatal(err)
		}
		c, err = poll(db)
		report("cleared", c, err)
		out.Encode(faultStep{Step: "ready after it", Error: fmt.Sprint(db.Ready(ctx))})
		db.Close()
	case "readonly-mount", "readonly-chmod":
		// The database's folder turns read-only between two runs.
		dir := filepath.Dir(path)
		var setRO, setRW func() error
		if fault == "readonly-mount" {
			setRO = func() error {
				if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
					return err
				}
				return syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, "")
			}
			setRW = func() error { return syscall.Unmount(dir, 0) }
		} else {
			setRO = func() error {
				return errors.Join(os.Chmod(path, 0o400), os.Chmod(dir, 0o500))
			}
			setRW = func() error {
				return errors.Join(os.Chmod(dir, 0o700), os.Chmod(path, 0o600))
			}
		}
		if err := setRO(); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, path)
		if err == nil {
			c, perr := poll(db)
			db.Close()
			report("fault", c, perr)
		} else {
			report("fault", monitor.Cycle{}, err)
		}
		if err := setRW(); err != nil {
			t.Fatal(err)
		}
		db, err = store.Open(ctx, path)
		if err != nil {
			report("cleared", monitor.Cycle{}, err)
			return
		}
		c, err := poll(db)
		db.Close()
		report("cleared", c, err)
	}
}

// runFault prepares a database holding one earlier fetch, runs the helper
// with the fault and returns its steps.
func runFault(t *testing.T, fault string, attr *syscall.SysProcAttr) (before faultStep, steps map[string]faultStep) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	ctx := context.Background()
	body := faultFeed("fault", faultItems)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	early := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, faultFeed("early", 2))
	}))
	t.Cleanup(early.Close)

	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sw.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := faultMatcher()
	if err != nil {
		t.Fatal(err)
	}
	// An earlier feed's fetch, which the fault must leave alone.
	if _, err := monitor.NewPoller(db, m, []monitor.FeedConfig{{URL: early.URL + "/early.xml"}}, monitor.Options{}).PollAll(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before.Items, before.Hits, before.Sources, err = counts(ctx, path)
	if err != nil || before.Items != 2 || before.Hits != 6 {
		t.Fatalf("before the fault: %+v, %v; want 2 items and 6 hits", before, err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "STORYWATCH_FAULT="+fault, "STORYWATCH_FAULT_DB="+path, "STORYWATCH_FAULT_FEED="+srv.URL+"/feed.xml")
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	steps = map[string]faultStep{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var s faultStep
		if json.Unmarshal(sc.Bytes(), &s) == nil && s.Step != "" {
			steps[s.Step] = s
			t.Logf("%s: %+v", s.Step, s)
		}
	}
	if in, ok := steps["integrity"]; ok {
		// The helper's own check, of a file only it could see.
		if in.Error != "ok" {
			t.Errorf("integrity_check in the helper = %q", in.Error)
		}
		delete(steps, "integrity")
	}
	if len(steps) < 2 {
		t.Fatalf("helper reported %d steps, want at least 2:\n%s", len(steps), out)
	}
	// Whatever the fault, the file is whole afterwards.
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var check string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	return before, steps
}

// checkFaultSteps asserts the shared promise: under the fault the cycle
// fails with errHas and writes nothing; once the fault clears, the next
// cycle stores the whole fetch.
func checkFaultSteps(t *testing.T, before faultStep, steps map[string]faultStep, errHas ...string) {
	t.Helper()
	f := steps["fault"]
	if f.Error == "" || f.Result == string(monitor.ResultOK) {
		t.Errorf("under the fault the cycle did not fail: %+v", f)
	}
	var found bool
	for _, e := range errHas {
		found = found || strings.Contains(f.Error, e)
	}
	if !found {
		t.Errorf("error under the fault = %q, want one of %q", f.Error, errHas)
	}
	if f.Items != before.Items || f.Hits != before.Hits || f.Sources != before.Sources {
		t.Errorf("half-written under the fault: %d items, %d hits, %d sources; want %d, %d, %d as before",
			f.Items, f.Hits, f.Sources, before.Items, before.Hits, before.Sources)
	}
	c := steps["cleared"]
	if c.Error != "" || c.Result != string(monitor.ResultOK) {
		t.Errorf("after the fault cleared: %+v, want a good cycle", c)
	}
	if c.Items != before.Items+faultItems || c.Hits != before.Hits+3*faultItems {
		t.Errorf("after the fault cleared: %d items, %d hits; want %d and %d", c.Items, c.Hits,
			before.Items+faultItems, before.Hits+3*faultItems)
	}
}

// A disk that fills up mid-transaction (a file-size limit: writes fail with
// EFBIG as they would with ENOSPC): the feed fails with SQLite's error,
// none of its items or hits are stored, and the next cycle stores them all.
func TestDiskFullFailsTheFetchWholeAndRecovers(t *testing.T) {
	storetest.SQLiteOnly(t, "a SQLite file under a file-size limit")
	t.Parallel()
	before, steps := runFault(t, "fsize", nil)
	checkFaultSteps(t, before, steps, "disk I/O error", "database or disk is full", "file too large")
}

// A disk that is really full (a small tmpfs, where this process may make
// one: root with mount namespaces): the feed fails with SQLite's "database
// or disk is full", nothing of it is stored, and once there is room again
// the next cycle stores it all.
func TestFullTmpfsFailsTheFetchWholeAndRecovers(t *testing.T) {
	storetest.SQLiteOnly(t, "a SQLite file on a full disk")
	t.Parallel()
	skipWithoutMountNamespace(t)
	before, steps := runFault(t, "tmpfs", &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS})
	checkFaultSteps(t, before, steps, "database or disk is full", "disk I/O error")
}

// skipWithoutMountNamespace skips unless a child can get a mount namespace
// of its own and mount in it.
func skipWithoutMountNamespace(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs or a read-only bind needs root")
	}
	if _, err := os.Stat("/proc/self/ns/mnt"); err != nil {
		t.Skip("no mount namespaces here")
	}
	probe := exec.Command("true")
	probe.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	if err := probe.Run(); err != nil {
		t.Skipf("cannot unshare a mount namespace: %v", err)
	}
}

// A database whose folder turned read-only: the run fails at once with a
// clear error, writes nothing, and works again once it is writable.
func TestReadOnlyDatabaseFailsClearlyAndRecovers(t *testing.T) {
	storetest.SQLiteOnly(t, "a SQLite file's folder turned read-only")
	t.Parallel()
	if os.Geteuid() != 0 {
		// chmod binds a non-root process.
		before, steps := runFault(t, "readonly-chmod", nil)
		checkFaultSteps(t, before, steps, "permission denied", "readonly database")
		return
	}
	// Root ignores file modes: a read-only bind mount of the folder, in a
	// mount namespace of the helper's own, stands in for a read-only disk.
	skipWithoutMountNamespace(t)
	before, steps := runFault(t, "readonly-mount", &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS})
	checkFaultSteps(t, before, steps, "read-only file system", "readonly database")
}

// A disk too small for the write-ahead log's automatic checkpoint (40 MB)
// and writes that rewrite the same pages: the log is checkpointed and
// truncated while there is room, so it never fills the disk and every
// write succeeds.
func TestWALNeverFillsASmallDisk(t *testing.T) {
	storetest.SQLiteOnly(t, "SQLite's write-ahead log")
	skipWithoutMountNamespace(t)
	_, steps := runFault(t, "wal-full", &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS})
	if w := steps["writes"]; w.Items != 2000 {
		t.Errorf("%d of 2000 writes succeeded on the small disk: %s", w.Items, w.Error)
	}
	if wal := steps["wal"].Items; wal > 2<<20 {
		t.Errorf("the write-ahead log ended at %d bytes on a disk with 4 MiB to spare", wal)
	}
}

// A folder that turns read-only under a running store and writable again:
// the cycle under the fault fails and writes nothing, and the same store,
// not a new one, stores the next fetch whole: connections opened while
// the folder was read-only do not keep failing with "attempt to write a
// readonly database".
func TestReadOnlyPeriodEndsWithoutARestart(t *testing.T) {
	storetest.SQLiteOnly(t, "a SQLite file's folder turned read-only")
	skipWithoutMountNamespace(t)
	before, steps := runFault(t, "readonly-live", &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS})
	checkFaultSteps(t, before, steps, "readonly database", "read-only file system")
	// Readiness follows: not ready while writes fail, ready again after.
	if e := steps["ready under the fault"].Error; !strings.Contains(e, "readonly database") {
		t.Errorf("Ready under the fault = %q, want the read-only error", e)
	}
	if e := steps["ready after it"].Error; e != "<nil>" {
		t.Errorf("Ready after the fault = %q, want nil", e)
	}
}

// The database and the files SQLite makes beside it are private to the
// user whatever the umask: feed history and the outbox are nobody else's.
func TestDatabaseFilesArePrivate(t *testing.T) {
	storetest.SQLiteOnly(t, "the modes of SQLite's files")
	t.Parallel()
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sw.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := faultMatcher()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, faultFeed("private", 3))
	}))
	defer srv.Close()
	if _, err := monitor.NewPoller(db, m, []monitor.FeedConfig{{URL: srv.URL}}, monitor.Options{}).PollAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
}
