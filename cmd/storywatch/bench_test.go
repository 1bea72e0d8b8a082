package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
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
	out := runBenchCommand(t)
	for _, want := range []string{
		"3 feeds × 5 items = 15 items", "full cycle:", "items/s", "feeds/s", "(15 new items,", "304 cycle:",
		"peak RSS:", "fetch alone", "gofeed alone, 1 goroutine", "gofeed alone,  8 goroutines", "feed.Parse",
		"match alone", "own overhead = (cycle CPU - gofeed CPU", "peak RSS ≤ 250 MB", "304 cycle ≤",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchJSONCountsWhatTheCycleDid(t *testing.T) {
	var rep benchReport
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
	if rep.Actors != 7+5 || rep.Storylines != 5+2 {
		t.Errorf("watchlist = %d actors, %d storylines; want the example's 7 and 5 plus 5 and 2 generated", rep.Actors, rep.Storylines)
	}
	if rep.FeedBytes < 15*1000 {
		t.Errorf("feed bytes = %d, want about 1 KB per item", rep.FeedBytes)
	}
	if runtime.GOOS == "linux" && (rep.PeakRSSMB <= 0 || rep.CycleIO.WriteCalls == 0) {
		t.Errorf("peak RSS %v MB, %d write calls: /proc was not read", rep.PeakRSSMB, rep.CycleIO.WriteCalls)
	}
}

func TestBenchRejectsZeroFeeds(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "-feeds", "0"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if exitCode(err, &stderr) != exitUsage {
		t.Errorf("bench -feeds 0: %v, want a usage error", err)
	}
}

func TestBenchFeedsAnswer304ToTheirValidators(t *testing.T) {
	g := newBenchFeeds(2, 3, nil, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name, header, value string
		want                int
	}{
		{"no validator", "", "", http.StatusOK},
		{"its ETag", "If-None-Match", g.etag(1), http.StatusNotModified},
		{"another feed's ETag", "If-None-Match", g.etag(0), http.StatusOK},
		{"its Last-Modified", "If-Modified-Since", g.lastModified(), http.StatusNotModified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/f1.xml", nil)
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
			}
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestBenchFeedsAreStableAndShareCopies(t *testing.T) {
	g := newBenchFeeds(2, 3, nil, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	var a, b bytes.Buffer
	g.write(&a, 1)
	g.write(&b, 1)
	if a.String() != b.String() {
		t.Error("feed 1 differs between two requests: its ETag would lie")
	}
	if n := strings.Count(a.String(), "<item>"); n != 3 {
		t.Errorf("feed has %d items, want 3", n)
	}
	// Item 0 of feed 1 is a copy of item 1 of feed 0: the same title and
	// text under another link.
	title0, text0 := g.item(0, 1)
	title1, text1 := g.item(1, 0)
	if title0 != title1 || text0 != text1 {
		t.Error("item 0 of feed 1 is not a copy of item 1 of feed 0")
	}
	if _, other := g.item(1, 1); other == text0 {
		t.Error("item 1 of feed 1 is a copy too")
	}
}
