package monitor_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/feed/hostiletest"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// The budget of every hostile test: a short timeout and a 4 MiB body cap.
const (
	hostileTimeout = hostiletest.Timeout
	hostileMaxBody = 4 << 20
	// hostileBound is the wall time a hostile cycle must stay under. Its
	// fetches end within hostileTimeout, side by side; the bound sits far
	// above that, so that only a fetch escaping its timeout (a hang, a
	// trickle of minutes) fails the test, never a slow or busy machine.
	hostileBound = 15 * hostileTimeout
)

// countingTransport counts the response body bytes the client reads, after
// the transport has undone gzip: what the fetcher holds in memory.
type countingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	read map[string]*atomic.Int64 // by request host
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	n, ok := c.read[req.URL.Host]
	if !ok {
		n = new(atomic.Int64)
		c.read[req.URL.Host] = n
	}
	c.mu.Unlock()
	resp.Body = &countingBody{ReadCloser: resp.Body, n: n}
	return resp, nil
}

// maxRead returns the most body bytes read from any one host.
func (c *countingTransport) maxRead() (host string, most int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, n := range c.read {
		if v := n.Load(); v > most {
			host, most = h, v
		}
	}
	return host, most
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// goodFeeds serves n well-behaved feeds, each on its own host, with one
// item that makes three hits (witkoff, ushakov, call-leak).
func goodFeeds(t *testing.T, n int) []string {
	var urls []string
	for i := range n {
		link := fmt.Sprintf("https://good.example/%d", i)
		body := hostiletest.Feed(fmt.Sprintf("Good %d", i),
			hostiletest.Item{GUID: fmt.Sprintf("good-%d", i), Title: hostiletest.MatchingTitle, Link: link})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL+"/good.xml")
	}
	return urls
}

// hostileSetup opens a fresh database and a poller over the feeds with the
// hostile budget and a counting client.
func hostileSetup(t *testing.T, urls []string) (*monitor.Poller, *store.DB, *countingTransport) {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "sw.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ct := &countingTransport{base: feed.NewHTTPClient(hostileTimeout).Transport, read: map[string]*atomic.Int64{}}
	feeds := make([]monitor.FeedConfig, len(urls))
	for i, u := range urls {
		feeds[i] = monitor.FeedConfig{URL: u, Interval: 10 * time.Minute}
	}
	p := monitor.NewPoller(db, testMatcher(t), feeds, monitor.Options{
		Fetch:       feed.Fetcher{Client: &http.Client{Transport: ct}, Timeout: hostileTimeout, MaxBody: hostileMaxBody},
		Concurrency: 32, PerHost: 2,
	})
	return p, db, ct
}

// hitsByURL counts the stored hits per item URL.
func hitsByURL(t *testing.T, db *store.DB) map[string][]store.Hit {
	t.Helper()
	hits, err := db.Hits(context.Background(), store.HitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]store.Hit{}
	for _, h := range hits {
		out[h.ItemURL] = append(out[h.ItemURL], h)
	}
	return out
}

// hostileOutcome is what storywatch does with one hostile feed.
type hostileOutcome struct {
	// errHas is in the feed's LastError ("" for a feed that is read).
	errHas string
	// items is the number of items stored from the feed (when no error).
	items int
	// boundAlloc asks for the cycle's total allocation to stay within a
	// few max_body: set for the cases that send more than max_body.
	boundAlloc bool
	// check looks at the stored hits of the feed's items.
	check func(t *testing.T, hits map[string][]store.Hit)
}

var hostileOutcomes = map[string]hostileOutcome{
	hostiletest.Hang:              {errHas: "timed out after " + hostileTimeout.String()},
	hostiletest.Trickle:           {errHas: "timed out after " + hostileTimeout.String()},
	hostiletest.Endless:           {errHas: "body larger than max_body", boundAlloc: true},
	hostiletest.GzipBomb:          {errHas: "body larger than max_body", boundAlloc: true},
	hostiletest.RedirectLoop:      {errHas: "more than 5 redirects"},
	hostiletest.RedirectChain:     {errHas: "more than 5 redirects"},
	hostiletest.RedirectFive:      {items: 1, check: wantHits("https://redirect.example/redirect-five", 3)},
	hostiletest.ContentLengthLong: {errHas: "closed the connection"},
	// The client believes the header and reads a cut document.
	hostiletest.ContentLengthShort: {errHas: "XML syntax error on line 1: unexpected EOF"},
	hostiletest.InvalidUTF8: {items: 2, check: func(t *testing.T, hits map[string][]store.Hit) {
		hs := hits["https://utf8.example/1"]
		if len(hs) != 3 {
			t.Fatalf("hits of the item with invalid bytes = %d, want 3", len(hs))
		}
		if !utf8.ValidString(hs[0].Title) || !strings.Contains(hs[0].Title, "\uFFFD") {
			t.Errorf("stored title %q: want valid UTF-8 with U+FFFD for the bad bytes", hs[0].Title)
		}
	}},
	hostiletest.BillionLaughs: {items: 1, check: func(t *testing.T, hits map[string][]store.Hit) {
		// Entities are not expanded: the item is stored, its title is
		// not a gigabyte of laughter, and nothing matches.
		if len(hits) != 0 {
			t.Errorf("billion laughs made hits: %v", hits)
		}
	}},
	hostiletest.ManyItems: {items: hostiletest.ManyItemsCount, check: wantHits(fmt.Sprintf("https://many.example/%d", hostiletest.ManyItemsCount-1), 3)},
	hostiletest.HugeTitle: {items: 1, check: func(t *testing.T, hits map[string][]store.Hit) {
		// The title is kept up to the cap on a field's text: the words
		// that match are at its start.
		hs := hits["https://huge.example/1"]
		if len(hs) != 3 || len(hs[0].Title) != feed.MaxTitle {
			t.Errorf("huge title: %d hits, title of %d bytes; want 3 hits and the title cut to %d bytes", len(hs), len(hs[0].Title), feed.MaxTitle)
		}
	}},
	// The item with a description and no title, link or GUID is keyed by a
	// hash and matched on its description; the empty one is kept too.
	hostiletest.Anonymous: {items: 3, check: func(t *testing.T, hits map[string][]store.Hit) {
		if n := len(hits[""]); n != 3 {
			t.Errorf("hits of items without a link = %d, want 3 (the one describing the call)", n)
		}
	}},
	// A GUID that is not unique in the fetch is not the key: both items
	// are stored, each with its own content.
	hostiletest.DuplicateGUIDs: {items: 2, check: func(t *testing.T, hits map[string][]store.Hit) {
		if len(hits["https://dup.example/1"]) != 3 || len(hits["https://dup.example/2"]) != 0 {
			t.Errorf("duplicate GUIDs: hits %v, want 3 on the first item and none on the second", hits)
		}
	}},
	// Year 0 is no date (unknown); year 9999 is kept as given.
	hostiletest.ExtremeDates: {items: 2, check: func(t *testing.T, hits map[string][]store.Hit) {
		y0, y9999 := hits["https://dates.example/0"], hits["https://dates.example/9999"]
		if len(y0) != 3 || len(y9999) != 3 {
			t.Fatalf("hits: year 0 %d, year 9999 %d; want 3 each", len(y0), len(y9999))
		}
		if !y0[0].Published.IsZero() || y9999[0].Published.Year() != 9999 {
			t.Errorf("published: year 0 item %v, year 9999 item %v", y0[0].Published, y9999[0].Published)
		}
	}},
	hostiletest.JSONArray: {errHas: "JSON array"},
}

func wantHits(url string, n int) func(*testing.T, map[string][]store.Hit) {
	return func(t *testing.T, hits map[string][]store.Hit) {
		if got := len(hits[url]); got != n {
			t.Errorf("hits of %s = %d, want %d", url, got, n)
		}
	}
}

// Each hostile feed, polled in one cycle beside a good feed: the fetch ends
// within the timeout, the client never holds more than max_body of it, the
// feed's error says what happened, and the good feed's hits land.
//
// It does not run in parallel: it bounds the cycle's allocations, which
// runtime.MemStats counts for the whole process.
func TestHostileFeedCostsAtMostTimeoutAndMaxBody(t *testing.T) {
	hs := hostiletest.Start(t, hostiletest.Options{MaxBody: hostileMaxBody})
	t.Logf("gzip bomb: %d bytes inflating to %d", hs.BombCompressed, hs.BombInflated)
	for _, name := range hostiletest.Names {
		want, ok := hostileOutcomes[name]
		if !ok {
			t.Fatalf("no expected outcome for case %s", name)
		}
		t.Run(name, func(t *testing.T) {
			good := goodFeeds(t, 1)
			url := hs.URL(name)
			p, db, ct := hostileSetup(t, []string{url, good[0]})

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			c, err := p.PollAll(context.Background())
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			host, read := ct.maxRead()
			t.Logf("cycle %s, %d MiB allocated, at most %d body bytes read (from %s)", took, alloc>>20, read, host)

			// The measured time is logged above (about the timeout at
			// most on an idle machine). The bound only catches a fetch that
			// escapes its timeout — a hang or a trickle runs for minutes —
			// and is far enough that a loaded machine never reaches it.
			if took > hostileBound {
				t.Errorf("cycle took %s: a fetch escaped the %s timeout", took, hostileTimeout)
			}
			if read > hostileMaxBody+1 {
				t.Errorf("read %d body bytes from one response, max_body is %d", read, hostileMaxBody)
			}
			// Every allocation of the cycle, not only the body's: a
			// generous bound that an uncapped read of the endless body or
			// the bomb (16 × max_body) would still break.
			if want.boundAlloc && alloc > 8*hostileMaxBody {
				t.Errorf("the cycle allocated %d MiB, want under %d MiB", alloc>>20, 8*hostileMaxBody>>20)
			}

			f, err := db.Feed(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			hits := hitsByURL(t, db)
			if len(hits["https://good.example/0"]) != 3 {
				t.Errorf("the good feed's hits = %d, want 3 in the same cycle", len(hits["https://good.example/0"]))
			}
			delete(hits, "https://good.example/0")
			if want.errHas != "" {
				if !strings.Contains(f.LastError, want.errHas) || !strings.Contains(f.LastError, url) {
					t.Errorf("feed error = %q, want it to name the URL and say %q", f.LastError, want.errHas)
				}
				if f.ConsecutiveErrors != 1 || f.NextAttempt.IsZero() {
					t.Errorf("failed feed: %d errors, next attempt %v; want 1 and a backoff", f.ConsecutiveErrors, f.NextAttempt)
				}
				if f.ItemCount != 0 || len(hits) != 0 {
					t.Errorf("failed feed stored %d items and hits %v", f.ItemCount, hits)
				}
				if c.Failed != 1 || c.OK != 1 {
					t.Errorf("cycle: %d failed, %d ok; want 1 and 1", c.Failed, c.OK)
				}
				return
			}
			if f.LastError != "" || f.ItemCount != want.items {
				t.Errorf("feed: error %q, %d items; want no error and %d items", f.LastError, f.ItemCount, want.items)
			}
			if want.check != nil {
				want.check(t, hits)
			}
		})
	}
}

// One cycle with every hostile feed and two good ones ends within the
// timeout plus a margin, and the good feeds' hits are stored. It does not
// run in parallel: the feeds' timeouts run on the wall clock, and a large
// feed must be read within one while other tests load the machine.
func TestCycleOfAllHostileFeedsEndsWithinTimeout(t *testing.T) {
	hs := hostiletest.Start(t, hostiletest.Options{MaxBody: hostileMaxBody})
	good := goodFeeds(t, 2)
	urls := append([]string(nil), good...)
	for _, name := range hostiletest.Names {
		urls = append(urls, hs.URL(name))
	}
	p, db, ct := hostileSetup(t, urls)

	start := time.Now()
	c, err := p.PollAll(context.Background())
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	_, read := ct.maxRead()
	t.Logf("%d feeds in %s (timeout %s): %d ok, %d failed, %d new items, %d new hits; at most %d body bytes from one feed",
		len(urls), took, hostileTimeout, c.OK, c.Failed, c.ItemsNew, c.HitsNew, read)
	for _, f := range c.Feeds {
		t.Logf("%s: %s in %s %v", f.URL, f.Result, f.Duration.Round(time.Millisecond), f.Err)
	}
	// Feeds run at once, so the cycle takes about one timeout (logged
	// above: 2.0 s on an idle machine). The bound only catches a fetch
	// that escapes its timeout; see hostileBound.
	if took > hostileBound {
		t.Errorf("cycle took %s: a fetch escaped the %s timeout", took, hostileTimeout)
	}
	if read > hostileMaxBody+1 {
		t.Errorf("read %d body bytes from one response, max_body is %d", read, hostileMaxBody)
	}
	hits := hitsByURL(t, db)
	for i := range good {
		if n := len(hits[fmt.Sprintf("https://good.example/%d", i)]); n != 3 {
			t.Errorf("good feed %d: %d hits, want 3", i, n)
		}
	}
	var failed int
	for _, w := range hostileOutcomes {
		if w.errHas != "" {
			failed++
		}
	}
	if c.Failed != failed || c.OK != len(urls)-failed {
		t.Errorf("cycle: %d ok, %d failed; want %d and %d", c.OK, c.Failed, len(urls)-failed, failed)
	}
}
