package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bt "github.com/storywatch/storywatch/web/browsertest"
)

// screenshots, when set, is the folder TestDemoServeInBrowser writes the
// pages' screenshots into (docs/page.md shows them):
//
//	go test ./cmd/storywatch -run TestDemoServeInBrowser -screenshots ../../docs/page
var screenshots = flag.String("screenshots", "", "write screenshots of the demo's pages into this folder")

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var pagesAddress = regexp.MustCompile(`the desk's pages: (http://127\.0\.0\.1:\d+)/`)

// startDemoServe runs `demo -serve` until the test ends and returns the
// address it prints.
func startDemoServe(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "-serve"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo -serve after an interrupt: %v\n%s", err, errOut.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("demo -serve did not stop after an interrupt")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := pagesAddress.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("demo -serve ended before serving: %v\n%s%s", err, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("demo -serve printed no address:\n%s%s", out.String(), errOut.String())
	return ""
}

// TestDemoServeInBrowser opens the pages `storywatch demo -serve` serves,
// as a desk would: the demo's stories, a story's copies and a query tried
// on /try.
func TestDemoServeInBrowser(t *testing.T) {
	t.Parallel()
	browser := bt.New(t)
	base := startDemoServe(t)
	tab := bt.Tab(t, browser)
	guard := bt.NewGuard(t, tab)

	bt.Go(t, tab, base+"/")
	cards := bt.Texts(t, tab, "section.card h3")
	if len(cards) != 6 || !strings.HasPrefix(cards[0], "Witkoff–Ushakov call recording") {
		t.Errorf("the overview's watches = %q, want the demo's 3 storylines, then its 3 tracked actors", cards)
	}
	if n := bt.Eval[int](t, tab, `[...document.querySelectorAll('section.card')].slice(0, 3).filter(c => c.querySelector('.headline')).length`); n != 3 {
		t.Errorf("%d of the 3 storylines show stories, want all", n)
	}

	// Which item leads a story of the demo's coverage depends on the order
	// in which its feeds commit; the story with the AP report (also in the
	// Google News search feed) is the one naming AP.
	bt.Go(t, tab, base+"/watch/witkoff")
	if n := len(bt.Texts(t, tab, "li.story")); n < 5 {
		t.Errorf("the witkoff watch lists %d stories, want the demo's (at least 5)", n)
	}
	story := bt.Eval[string](t, tab, `[...document.querySelectorAll('li.story')].find(li => /\bAP\b/.test(li.querySelector('.meta').innerText)).querySelector('a[href^="/story/"]').href`)
	bt.Go(t, tab, story)
	if outlets := bt.Texts(t, tab, "li.copy .outlet"); !slices.Contains(outlets, "AP") || !slices.Contains(outlets, "Google News search") {
		t.Errorf("the AP story's timeline shows outlets %q, want AP and Google News search", outlets)
	}

	try := base + "/try?q=%40witkoff+AND+(leak*+OR+transcript)&since=720h&watch=call-leak"
	bt.Go(t, tab, try)
	if summary := bt.Texts(t, tab, "p.summary"); len(summary) != 1 || !strings.Contains(summary[0], "to add") {
		t.Errorf("/try shows %q, want what the edit would add and drop", summary)
	}
	if marks := bt.Texts(t, tab, "ol.stories mark"); !slices.Contains(marks, "leaked") || !slices.Contains(marks, "transcript") {
		t.Errorf("/try marks %q, want leaked and transcript among them", marks)
	}
	guard.Check(t, tab)

	if *screenshots != "" {
		writeScreenshots(t, tab, *screenshots, map[string]string{"index": base + "/", "story": story, "try": try})
	}
}

func writeScreenshots(t *testing.T, tab context.Context, dir string, pages map[string]string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, url := range pages {
		// A phone's screen, and a laptop's.
		for _, size := range [][2]int64{{390, 844}, {1200, 860}} {
			png := bt.Screenshot(t, tab, url, size[0], size[1])
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, size[0]))
			if err := os.WriteFile(path, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d KB)", path, len(png)/1024)
		}
	}
}

// TestDemoServeServesThePages checks the same without a browser, so that a
// machine without Chromium still runs `demo -serve` end to end.
func TestDemoServeServesThePages(t *testing.T) {
	t.Parallel()
	base := startDemoServe(t)
	for path, want := range map[string]string{
		"/":                           "Witkoff–Ushakov call recording",
		"/watch/call-leak":            "Ушаков",
		"/try?q=%40ushakov+AND+leak*": "<mark>",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d, want 200 with %q:\n%s", path, resp.StatusCode, want, body)
		}
	}
}
