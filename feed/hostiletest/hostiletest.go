// Package hostiletest serves hostile feeds on loopback for fault-injection
// tests: servers that hang, trickle, never stop, bomb, loop, lie about
// lengths or send documents built to break parsers. Each case listens on a
// port of its own, so that a per-host limit never makes one case wait for
// another.
package hostiletest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The hostile cases, by name.
const (
	// Hang accepts connections and never reads or answers.
	Hang = "hang"
	// Trickle answers 200 and then sends one byte a second, forever.
	Trickle = "trickle"
	// Endless streams an RSS body that never ends, as fast as it can.
	Endless = "endless"
	// GzipBomb sends a few dozen KiB of gzip that inflate to 16 × MaxBody.
	GzipBomb = "gzip-bomb"
	// RedirectLoop redirects to itself.
	RedirectLoop = "redirect-loop"
	// RedirectChain redirects six times (one more than allowed) before a
	// good feed.
	RedirectChain = "redirect-chain"
	// RedirectFive redirects five times (the most allowed) before a good
	// feed with one matching item.
	RedirectFive = "redirect-five"
	// ContentLengthLong declares a Content-Length longer than the body it
	// sends, then closes the connection.
	ContentLengthLong = "content-length-long"
	// ContentLengthShort declares a Content-Length shorter than the body: a
	// client that believes it reads a cut document.
	ContentLengthShort = "content-length-short"
	// InvalidUTF8 declares UTF-8 and sends titles with invalid bytes.
	InvalidUTF8 = "invalid-utf8"
	// BillionLaughs is an XML document whose entities would expand to
	// gigabytes.
	BillionLaughs = "billion-laughs"
	// ManyItems is one feed of ManyItemsCount items.
	ManyItems = "10000-items"
	// HugeTitle is an item whose title is HugeTitleSize bytes.
	HugeTitle = "huge-title"
	// Anonymous has items without title, link or GUID.
	Anonymous = "no-title-link-guid"
	// DuplicateGUIDs has two items with one GUID and different content.
	DuplicateGUIDs = "duplicate-guids"
	// ExtremeDates has items dated in year 0 and year 9999.
	ExtremeDates = "extreme-dates"
	// JSONArray is a JSON document that is a bare array, not a JSON Feed.
	JSONArray = "json-array"
)

// ManyItemsCount is the number of items the ManyItems feed holds.
const ManyItemsCount = 10000

// HugeTitleSize is the size in bytes of the HugeTitle item's title.
const HugeTitleSize = 1 << 20

// Names lists every case in a fixed order.
var Names = []string{
	Hang, Trickle, Endless, GzipBomb, RedirectLoop, RedirectChain, RedirectFive,
	ContentLengthLong, ContentLengthShort, InvalidUTF8, BillionLaughs, ManyItems,
	HugeTitle, Anonymous, DuplicateGUIDs, ExtremeDates, JSONArray,
}

// MatchingTitle is a title that the tests' usual watchlist (actors
// witkoff and ushakov, storyline call-leak) matches; cases that carry items
// use it, so that a test can see whether their hits land.
const MatchingTitle = "Witkoff coached Ushakov on the call, recording shows"

// Options configures Start.
type Options struct {
	// MaxBody is the body cap of the client under test; the gzip bomb and
	// the endless body are sized against it (default 4 MiB).
	MaxBody int64
}

// Server is a set of hostile feed servers on 127.0.0.1.
type Server struct {
	urls    map[string]string
	written sync.Map // case name → *atomic.Int64 of body bytes written
	// BombCompressed is the size of the gzip bomb on the wire.
	BombCompressed int
	// BombInflated is the size the gzip bomb inflates to.
	BombInflated int64
}

// Start starts every case; they stop when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.MaxBody <= 0 {
		opts.MaxBody = 4 << 20
	}
	s := &Server{urls: map[string]string{}}
	s.startHang(t)
	bomb := gzipBomb(16 * opts.MaxBody)
	s.BombCompressed, s.BombInflated = len(bomb), 16*opts.MaxBody

	handlers := s.transferHandlers(bomb)
	maps.Copy(handlers, documentHandlers())
	for name, h := range handlers {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		t.Cleanup(srv.CloseClientConnections)
		s.urls[name] = srv.URL + "/" + name + ".xml"
	}

	s.startRedirects(t)
	return s
}

// transferHandlers serve the cases that attack the transfer: a body that
// trickles or never ends, a gzip bomb, lengths that lie.
func (s *Server) transferHandlers(bomb []byte) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		Trickle: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.WriteHeader(http.StatusOK)
			body := `<?xml version="1.0"?><rss version="2.0"><channel><title>`
			for i := 0; ; i++ {
				if _, err := w.Write([]byte{body[i%len(body)]}); err != nil {
					return
				}
				s.count(Trickle, 1)
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		},
		Endless: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			head := `<?xml version="1.0"?><rss version="2.0"><channel><title>Endless</title>`
			if _, err := w.Write([]byte(head)); err != nil {
				return
			}
			chunk := []byte(strings.Repeat("<item><title>more</title></item>", 1024))
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				s.count(Endless, int64(n))
				if err != nil {
					return
				}
			}
		},
		GzipBomb: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		},
		ContentLengthLong: func(w http.ResponseWriter, r *http.Request) {
			body := Feed("Long", Item{GUID: "cl-long", Title: MatchingTitle, Link: "https://cl.example/long"})
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Header().Set("Content-Length", fmt.Sprint(len(body)*4))
			// The server closes the connection once the handler returns
			// short of the declared length.
			w.Write([]byte(body))
		},
		ContentLengthShort: func(w http.ResponseWriter, r *http.Request) {
			body := Feed("Short", Item{GUID: "cl-short", Title: MatchingTitle, Link: "https://cl.example/short"})
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Header().Set("Content-Length", fmt.Sprint(len(body)/2))
			// The server sends the declared length and refuses the rest.
			w.Write([]byte(body[:len(body)/2]))
			w.Write([]byte(body[len(body)/2:]))
		},
	}
}

// documentHandlers serve the cases that attack the parser or the store:
// broken bytes, entity expansion, huge or many items, missing or repeated
// identities, extreme dates, JSON that is not a feed. The large documents
// are built once, here: a server building them anew for each request would
// spend the client's timeout, and not the client's doing.
func documentHandlers() map[string]http.HandlerFunc {
	many, huge := []byte(manyItemsFeed()), []byte(hugeTitleFeed())
	return map[string]http.HandlerFunc{
		InvalidUTF8: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			w.Write([]byte(Feed("Bad \xff\xfe bytes",
				Item{GUID: "utf8-1", Title: "Witkoff \xc3\x28 Ushakov call \xff recording", Link: "https://utf8.example/1"},
				Item{GUID: "utf8-2", Title: "Truncated \xe2\x82", Link: "https://utf8.example/2", Description: "\xed\xa0\x80 surrogate"})))
		},
		BillionLaughs: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(billionLaughs))
		},
		ManyItems: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(many)
		},
		HugeTitle: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(huge)
		},
		Anonymous: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>Anonymous</title>` +
				`<item><description>Witkoff and Ushakov discussed the call, a recording shows.</description></item>` +
				`<item><description>Another report without a title.</description></item>` +
				`<item></item>` +
				`</channel></rss>`))
		},
		DuplicateGUIDs: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(Feed("Duplicates",
				Item{GUID: "same", Title: MatchingTitle, Link: "https://dup.example/1"},
				Item{GUID: "same", Title: "A different story under the same GUID", Link: "https://dup.example/2"})))
		},
		ExtremeDates: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/atom+xml")
			w.Write([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Dates</title>` +
				`<entry><id>urn:year0</id><title>` + MatchingTitle + ` (year 0)</title><link href="https://dates.example/0"/>` +
				`<updated>0000-01-01T00:00:00Z</updated><published>0000-01-01T00:00:00Z</published></entry>` +
				`<entry><id>urn:year9999</id><title>` + MatchingTitle + ` (year 9999)</title><link href="https://dates.example/9999"/>` +
				`<updated>9999-12-31T23:59:59Z</updated><published>9999-12-31T23:59:59Z</published></entry>` +
				`</feed>`))
		},
		JSONArray: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/feed+json")
			w.Write([]byte(`[{"id":"1","title":"` + MatchingTitle + `","url":"https://json.example/1"}]`))
		},
	}
}

// startRedirects starts a redirect loop, a chain one hop too long and one
// just short enough.
func (s *Server) startRedirects(t testing.TB) {
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(loop.Close)
	s.urls[RedirectLoop] = loop.URL + "/loop.xml"
	for _, c := range []struct {
		name string
		hops int
	}{{RedirectChain, 6}, {RedirectFive, 5}} {
		name, hops := c.name, c.hops
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var n int
			fmt.Sscanf(r.URL.Path, "/hop/%d", &n)
			if n < hops {
				http.Redirect(w, r, fmt.Sprintf("/hop/%d", n+1), http.StatusFound)
				return
			}
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(Feed(name, Item{GUID: name, Title: MatchingTitle, Link: "https://redirect.example/" + name})))
		}))
		t.Cleanup(srv.Close)
		s.urls[name] = srv.URL + "/hop/0"
	}
}

// startHang listens and accepts, and never reads or writes.
func (s *Server) startHang(t testing.TB) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	s.urls[Hang] = "http://" + ln.Addr().String() + "/hang.xml"
}

func (s *Server) count(name string, n int64) {
	v, _ := s.written.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(n)
}

// URL returns the feed URL of a case.
func (s *Server) URL(name string) string {
	u, ok := s.urls[name]
	if !ok {
		panic("hostiletest: no case " + name)
	}
	return u
}

// Written returns how many body bytes a streaming case (Trickle,
// Endless) has written so far.
func (s *Server) Written(name string) int64 {
	v, ok := s.written.Load(name)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

// Item is one RSS item of Feed.
type Item struct {
	GUID, Title, Link, Description string
	// Published is the item's date; zero means an hour ago.
	Published time.Time
}

// Feed renders an RSS 2.0 document. Text is written as given, escaped
// for XML but not otherwise cleaned, so invalid bytes stay invalid.
func Feed(title string, items ...Item) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title>`, escape(title))
	for _, it := range items {
		pub := it.Published
		if pub.IsZero() {
			pub = time.Now().Add(-time.Hour)
		}
		b.WriteString("<item>")
		if it.GUID != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, escape(it.GUID))
		}
		fmt.Fprintf(&b, "<title>%s</title><link>%s</link>", escape(it.Title), escape(it.Link))
		if it.Description != "" {
			fmt.Fprintf(&b, "<description>%s</description>", escape(it.Description))
		}
		fmt.Fprintf(&b, "<pubDate>%s</pubDate></item>", pub.UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func escape(s string) string { return xmlEscaper.Replace(s) }

// gzipBomb compresses size bytes of one repeated byte inside an RSS
// title: the ratio is about a thousand to one.
func gzipBomb(size int64) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`))
	block := bytes.Repeat([]byte("a"), 64<<10)
	for written := int64(0); written < size; written += int64(len(block)) {
		zw.Write(block)
	}
	zw.Write([]byte(`</title></channel></rss>`))
	zw.Close()
	return buf.Bytes()
}

// billionLaughs nests ten entities ten deep: 10⁹ "lol"s if expanded.
const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs</title>
<item><guid>laugh-1</guid><title>&lol9;</title><link>https://laughs.example/1</link></item>
</channel></rss>`

// manyItemsFeed is the ManyItems document: one template with a number
// changing, near-identical texts, the worst case for story clustering.
func manyItemsFeed() string {
	items := make([]Item, ManyItemsCount)
	for i := range items {
		items[i] = Item{GUID: fmt.Sprintf("many-%d", i), Title: fmt.Sprintf("Bulletin %d", i),
			Link:        fmt.Sprintf("https://many.example/%d", i),
			Description: fmt.Sprintf("Bulletin number %d of the wire service, with the usual words about the wire service and its bulletins.", i)}
	}
	items[ManyItemsCount-1].Title = MatchingTitle
	return Feed("Many", items...)
}

// hugeTitleFeed is the HugeTitle document.
func hugeTitleFeed() string {
	title := MatchingTitle + " " + strings.Repeat("x", HugeTitleSize-len(MatchingTitle)-1)
	return Feed("Huge", Item{GUID: "huge-1", Title: title, Link: "https://huge.example/1"})
}
