package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/bench"
)

func runBenchCommand(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"bench", "-feeds", "3", "-items", "5", "-actors", "5", "-storylines", "2"}, args...),
		func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\nstderr: %s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr is not a terminal, yet the bench wrote to it: %q", stderr.String())
	}
	return stdout.String()
}

func TestBenchPrintsEveryFigure(t *testing.T) {
	t.Parallel()
	out := runBenchCommand(t, "-reload-actors", "20")
	for _, want := range []string{
		"reload:            27 actors, 10 storylines: peak RSS",
		"3 feeds × 5 items = 15 items", "full cycle:", "items/s", "feeds/s", "(15 new items,", "304 cycle:",
		"peak RSS:", "fetch alone", "gofeed alone, 1 goroutine", "gofeed alone,  8 goroutines", "feed.Parse",
		"match alone", "own overhead = (cycle CPU - gofeed CPU", "peak RSS ≤ 250 MB", "304 cycle ≤",
		"feed server:       a child process, not in the CPU above", "with the feed server's CPU counted",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchJSONCountsWhatTheCycleDid(t *testing.T) {
	t.Parallel()
	var rep bench.Report
	out := runBenchCommand(t, "-json", "-cycles", "2", "-concurrency", "2")
	if lines := strings.Count(strings.TrimSpace(out), "\n"); lines != 0 {
		t.Errorf("bench -json printed %d lines, want one object on one line", lines+1)
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Items != 15 || rep.ItemsNew != 15 || rep.FeedsFailed != 0 || rep.Concurrency != 2 || len(rep.AllCycleWallS) != 2 {
		t.Errorf("report = %+v, want 15 items, all new, none failed, concurrency 2, 2 cycles", rep)
	}
	if rep.HitsNew == 0 {
		t.Error("no hits: the generated items do not name the example watchlist's people")
	}
	if rep.Engine != "sqlite" || rep.DBServerCPU != "" || rep.Cycle.DBServerCPUS != 0 {
		t.Errorf("engine %q, database server CPU %q %v; want sqlite, in the process", rep.Engine, rep.DBServerCPU, rep.Cycle.DBServerCPUS)
	}
	if rep.Actors != 7+5 || rep.Storylines != 5+2 {
		t.Errorf("watchlist = %d actors, %d storylines; want the example's 7 and 5 plus 5 and 2 generated", rep.Actors, rep.Storylines)
	}
	if rep.FeedBytes < 15*1000 {
		t.Errorf("feed bytes = %d, want about 1 KB per item", rep.FeedBytes)
	}
	if runtime.GOOS == "linux" && (rep.PeakRSSMB <= 0 || rep.CycleIO.WriteCalls == 0) {
		t.Errorf("peak RSS %v MB, %d write calls: /proc was not read", rep.PeakRSSMB, rep.CycleIO.WriteCalls)
	}
	// On Linux gofeed alone runs before the cycles too, and own overhead
	// compares the cycles with the mean of both runs.
	if b := rep.GofeedBefore; runtime.GOOS == "linux" && (b == nil || b.CPUS <= 0 || rep.GofeedAfter.CPUS <= 0 ||
		math.Abs(rep.GofeedC.CPUS-(b.CPUS+rep.GofeedAfter.CPUS)/2) > 1e-9) {
		t.Errorf("gofeed alone: before %+v, after %+v, used %+v; want both runs and their mean", b, rep.GofeedAfter, rep.GofeedC)
	}
	if want := (rep.Cycle.CPUS - rep.GofeedC.CPUS) / rep.GofeedC.CPUS; math.Abs(rep.OwnOverhead-want) > 1e-9 {
		t.Errorf("own overhead %v, want (cycle - gofeed) / gofeed = %v", rep.OwnOverhead, want)
	}
}

func TestBenchWithoutBaselinesStillSaysHowLargeTheFeedsAre(t *testing.T) {
	t.Parallel()
	var rep bench.Report
	if err := json.Unmarshal([]byte(runBenchCommand(t, "-json", "-baselines=false")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.FeedBytes < 15*1000 {
		t.Errorf("feed bytes = %d without the baselines, want about 1 KB per item", rep.FeedBytes)
	}
	out := runBenchCommand(t, "-baselines=false")
	if strings.Contains(out, "0.0 MB of feeds") || !strings.Contains(out, " KB of feeds)") {
		t.Errorf("bench -baselines=false does not say how large the feeds are:\n%s", out)
	}
	if !strings.Contains(out, "not measured (-baselines=false)") || strings.Contains(out, "gofeed alone") || strings.Contains(out, "own overhead") {
		t.Errorf("bench -baselines=false prints baselines it did not measure:\n%s", out)
	}
}

func TestBenchServesInProcessWhenAsked(t *testing.T) {
	t.Parallel()
	var child, in bench.Report
	if err := json.Unmarshal([]byte(runBenchCommand(t, "-json")), &child); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(runBenchCommand(t, "-json", "-inprocess-server")), &in); err != nil {
		t.Fatal(err)
	}
	if child.Server != "child process" || in.Server != "in process" {
		t.Errorf("servers %q and %q, want a child process, then in process", child.Server, in.Server)
	}
	if in.Cycle.ServerCPUS != 0 || in.OwnOverheadWithServer != in.OwnOverhead {
		t.Errorf("in process: server CPU %v s apart, overhead %v with the server and %v without; want none apart, the same",
			in.Cycle.ServerCPUS, in.OwnOverheadWithServer, in.OwnOverhead)
	}
	if in.ItemsNew != 15 || child.ItemsNew != 15 {
		t.Errorf("%d and %d new items, want 15 each way", child.ItemsNew, in.ItemsNew)
	}
	out := runBenchCommand(t, "-inprocess-server")
	if !strings.Contains(out, "feed server:       in process (-inprocess-server)") || strings.Contains(out, "with the feed server's CPU counted") {
		t.Errorf("bench -inprocess-server does not say the server's CPU is the cycle's:\n%s", out)
	}
}

func TestBenchFailsWhenThePartitionDiffers(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "partition.txt")
	if out := runBenchCommand(t, "-baselines=false", "-partition", file); !strings.Contains(out, "in 12 stories") || !strings.Contains(out, "written to "+file) {
		t.Fatalf("first run does not say it wrote the partition:\n%s", out)
	}
	if out := runBenchCommand(t, "-baselines=false", "-partition", file); !strings.Contains(out, "the same as in "+file) {
		t.Errorf("second run does not find the partition the same:\n%s", out)
	}
	if err := os.WriteFile(file, []byte("# another build's stories\n0-0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "-feeds", "3", "-items", "5", "-actors", "5", "-storylines", "2", "-baselines=false", "-partition", file},
		func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if !errors.Is(err, bench.ErrPartitionDiffers) || exitCode(err, &stderr) != exitFailure || !strings.Contains(stdout.String(), "DIFFERENT from") {
		t.Errorf("against another partition: %v, stdout:\n%s\nwant the report, then exit 1", err, stdout.String())
	}
}

func TestBenchRejectsZeroFeeds(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "-feeds", "0"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if exitCode(err, &stderr) != exitUsage {
		t.Errorf("bench -feeds 0: %v, want a usage error", err)
	}
}

// On PostgreSQL every cycle writes into a fresh schema, dropped after it:
// the same report as SQLite's, with the engine and the server's CPU.
func TestBenchOnPostgreSQLWritesEachCycleIntoAFreshSchema(t *testing.T) {
	t.Parallel()
	dsn, raw := testPostgresDatabase(t)
	var rep bench.Report
	out := runBenchCommand(t, "-json", "-cycles", "2", "-baselines=false", "-db", dsn)
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Engine != "postgres" || rep.ItemsNew != 15 || rep.HitsNew == 0 || rep.FeedsFailed != 0 || len(rep.AllCycleWallS) != 2 {
		t.Errorf("report = %+v, want postgres, 15 new items with hits in each of 2 cycles", rep)
	}
	if rep.DBBytes == 0 {
		t.Error("the schema's size is not measured")
	}
	if runtime.GOOS == "linux" && (!strings.HasPrefix(rep.DBServerCPU, "/proc") || rep.Cycle.DBServerCPUS <= 0 || rep.DBServerCPUPerItemUS <= 0) {
		t.Errorf("database server CPU %q: %v s, %v µs per item; want it read in /proc", rep.DBServerCPU, rep.Cycle.DBServerCPUS, rep.DBServerCPUPerItemUS)
	}
	var left int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE 'storywatch_bench_%'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d bench schemas left behind (%v)", left, err)
	}
	text := runBenchCommand(t, "-baselines=false", "-db", dsn)
	if !strings.Contains(text, "database: postgres") || !strings.Contains(text, "of the database server's CPU per new item") {
		t.Errorf("the text report does not name the engine and the server's CPU:\n%s", text)
	}
}
