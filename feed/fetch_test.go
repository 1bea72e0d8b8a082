package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const tinyFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://example.org/1</link><guid>1</guid></item></channel></rss>`

func testFetcher(srv *httptest.Server) *Fetcher {
	return &Fetcher{Client: srv.Client(), MaxBody: 1 << 20, Timeout: 5 * time.Second, UserAgent: "storywatch-test"}
}

func TestFetchConditionalGetAnswered304(t *testing.T) {
	t.Parallel()
	var sawINM, sawIMS, sawUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawINM, sawIMS, sawUA = r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since"), r.Header.Get("User-Agent")
		if sawINM == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Wed, 26 Nov 2025 10:00:00 GMT")
		fmt.Fprint(w, tinyFeed)
	}))
	defer srv.Close()
	f := testFetcher(srv)
	first, err := f.Fetch(context.Background(), srv.URL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || first.ETag != `"v1"` || !bytes.Contains(first.Body, []byte("<rss")) || sawUA != "storywatch-test" {
		t.Fatalf("first fetch = %+v (user agent %q)", first, sawUA)
	}
	second, err := f.Fetch(context.Background(), srv.URL, first.ETag, first.LastModified)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Status != 304 || len(second.Body) != 0 {
		t.Errorf("second fetch = %+v, want 304 not modified", second)
	}
	if sawINM != `"v1"` || sawIMS != "Wed, 26 Nov 2025 10:00:00 GMT" {
		t.Errorf("validators sent: If-None-Match %q, If-Modified-Since %q", sawINM, sawIMS)
	}
}

func TestFetchBodyLimits(t *testing.T) {
	t.Parallel()
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte{' '}, 16<<20)) // 16 MiB of spaces, ~16 KiB compressed
	zw.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr error
	}{
		{"plain body over max_body", func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("x"), 2<<20))
		}, ErrTooLarge},
		{"gzip bomb is capped after decoding", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		}, ErrTooLarge},
		{"gzip body under the cap is decoded", func(w http.ResponseWriter, r *http.Request) {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write([]byte(tinyFeed))
			zw.Close()
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(b.Bytes())
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			resp, err := testFetcher(srv).Fetch(context.Background(), srv.URL, "", "")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != tinyFeed {
				t.Errorf("body = %q", resp.Body)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tinyFeed) })
	mux.Handle("/moved", http.RedirectHandler("/moved2", http.StatusMovedPermanently))
	mux.Handle("/moved2", http.RedirectHandler("/feed", http.StatusPermanentRedirect))
	mux.Handle("/temp", http.RedirectHandler("/moved", http.StatusFound))
	mux.HandleFunc("/loop/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/loop/%d", &n)
		http.Redirect(w, r, fmt.Sprintf("/loop/%d", n+1), http.StatusMovedPermanently)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := testFetcher(srv)

	resp, err := f.Fetch(context.Background(), srv.URL+"/moved", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.MovedTo != srv.URL+"/feed" {
		t.Errorf("permanent redirects: MovedTo = %q, want %s/feed", resp.MovedTo, srv.URL)
	}
	resp, err = f.Fetch(context.Background(), srv.URL+"/temp", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.MovedTo != "" {
		t.Errorf("temporary redirect first: MovedTo = %q, want empty", resp.MovedTo)
	}
	if _, err := f.Fetch(context.Background(), srv.URL+"/loop/0", "", ""); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: err = %v, want too many redirects", err)
	}
	// Exactly MaxRedirects redirects are still followed.
	mux.HandleFunc("/five/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/five/%d", &n)
		if n == MaxRedirects {
			fmt.Fprint(w, tinyFeed)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/five/%d", n+1), http.StatusFound)
	})
	if _, err := f.Fetch(context.Background(), srv.URL+"/five/0", "", ""); err != nil {
		t.Errorf("%d redirects: %v", MaxRedirects, err)
	}
}

func TestFetchHTTPErrorCarriesRetryAfter(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	_, err := testFetcher(srv).Fetch(context.Background(), srv.URL, "", "")
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 429 || he.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want *HTTPError 429 retry after 1h", err)
	}
}

func TestFetchTimeoutBoundsAHangingServer(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.WriteHeader(200)
		w.Write([]byte("<rss>")) // then trickle nothing more
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	f := testFetcher(srv)
	f.Timeout = 100 * time.Millisecond
	start := time.Now()
	_, err := f.Fetch(context.Background(), srv.URL, "", "")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out after 100ms") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("fetch took %s despite a 100ms timeout", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"delay seconds", "120", 2 * time.Minute},
		{"http date", "Wed, 26 Nov 2025 13:30:00 GMT", 90 * time.Minute},
		{"date in the past", "Wed, 26 Nov 2025 11:00:00 GMT", 0},
		{"capped at a day", "999999", 24 * time.Hour},
		{"too many digits for a number, capped at a day", "99999999999999999999", 24 * time.Hour},
		{"a long run of zeros is no wait", "000000000000000000000", 0},
		{"date capped at a day", "Fri, 28 Nov 2025 12:00:00 GMT", 24 * time.Hour},
		{"garbage ignored", "soon", 0},
		{"absent", "", 0},
		{"negative", "-5", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.value, got, tt.want)
			}
		})
	}
}
