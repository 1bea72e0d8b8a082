package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	neturl "net/url"
	"strconv"
	"strings"
	"time"
)

// MaxRedirects is how many redirects one fetch follows.
const MaxRedirects = 5

// MaxRetryAfter caps how long a server may ask us to wait.
const MaxRetryAfter = 24 * time.Hour

// ErrTooLarge is returned when a response body, once decoded, is larger than
// the fetcher's MaxBody.
var ErrTooLarge = errors.New("body larger than max_body")

// HTTPError is a response that was not a success. RetryAfter is the wait a
// 429 or 503 asked for (capped at MaxRetryAfter; 0 if none).
type HTTPError struct {
	Status     int
	RetryAfter time.Duration
}

// Error describes the status and the requested wait.
func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// Fetcher performs conditional GETs of feeds with bounded time and size.
type Fetcher struct {
	// Client makes the requests; NewHTTPClient builds a suitable one. Its
	// CheckRedirect is not used: Fetch applies its own redirect policy.
	Client *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// MaxBody is the most bytes accepted from one decoded response body.
	MaxBody int64
	// Timeout bounds the whole request, body included.
	Timeout time.Duration
	// Now reads the clock, for Retry-After dates.
	Now func() time.Time
	// AllowPrivate lets redirects lead into loopback, private and
	// link-local networks from a feed that is not on one
	// (poll.allow_private_networks).
	AllowPrivate bool
	// Private classifies addresses for that rule (IsPrivate if nil), and
	// Resolver looks up the names of redirect targets
	// (net.DefaultResolver if nil); tests replace them.
	Private  func(netip.Addr) bool
	Resolver Resolver
}

// Response is a successful fetch.
type Response struct {
	// Status is the final HTTP status: 200 (or another 2xx) or 304.
	Status int
	// NotModified is true for a 304: Body is empty and the feed unchanged.
	NotModified bool
	Body        []byte
	ContentType string
	// ETag and LastModified are the validators sent with the response.
	ETag         string
	LastModified string
	// URL is where the body came from, after redirects.
	URL string
	// MovedTo is set when every redirect followed was permanent (301 or
	// 308): the feed's new fetch URL.
	MovedTo string
	// Hint is what the caching headers ask for (HTTPHint).
	Hint Hint
	// Hub and Self are the WebSub hub and topic named by Link headers.
	Hub, Self string
}

// NewHTTPClient returns a client with timeouts on every stage of a request.
// Compression is left to the transport, which asks for gzip and decodes it
// transparently; Fetch caps the decoded size.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   4,
	}
	return &http.Client{Transport: t}
}

type redirectKey struct{}

// redirects records the redirects of one fetch.
type redirects struct {
	allPermanent bool
	last         string
}

// checkRedirect limits redirects and notes whether they were all permanent.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("more than %d redirects", MaxRedirects)
	}
	if r, ok := req.Context().Value(redirectKey{}).(*redirects); ok && req.Response != nil {
		switch req.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect:
			r.last = req.URL.String()
		default:
			r.allPermanent = false
		}
	}
	return nil
}

// Fetch GETs url, sending etag and lastModified as validators when set.
// Statuses other than 2xx and 304 give an *HTTPError; a body over MaxBody
// gives an error wrapping ErrTooLarge.
func (f *Fetcher) Fetch(ctx context.Context, url, etag, lastModified string) (*Response, error) {
	parent := ctx
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	red := &redirects{allPermanent: true}
	ctx = context.WithValue(ctx, redirectKey{}, red)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), unwrapURLError(err))
	}
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		req.Header.Set("If-Modified-Since", lastModified)
	}

	client := *f.client()
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkRedirect(req, via); err != nil {
			return err
		}
		return f.checkPrivate(req, via[0].URL.Hostname())
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), f.timeoutError(parent, unwrapURLError(err)))
	}
	defer resp.Body.Close()

	out := &Response{
		Status:       resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		URL:          resp.Request.URL.String(),
	}
	if red.allPermanent && red.last != "" {
		out.MovedTo = red.last
	}
	out.Hint = HTTPHint(resp.Header, f.now())
	out.Hub, out.Self = linkHeaders(resp.Header, resp.Request.URL)
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		return out, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	default:
		he := &HTTPError{Status: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			he.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), f.now())
		}
		// Drain a little so the connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), he)
	}

	body, err := readCapped(resp.Body, f.MaxBody, resp.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", RedactURL(url), f.timeoutError(parent, err))
	}
	out.Body = body
	return out, nil
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// readCapped reads r to the end, failing once more than limit bytes arrive
// (limit <= 0 means no limit). The transport has already undone gzip, so the
// limit applies to the decoded bytes and a compression bomb fails early.
// size is the announced length (-1 if unknown): a body within the limit is
// read into one buffer of that size instead of one grown by copying.
func readCapped(r io.Reader, limit, size int64) ([]byte, error) {
	if limit <= 0 {
		b, err := readAll(r, size)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return b, nil
	}
	if size > limit {
		size = -1 // fails below once past the limit, without the buffer
	}
	b, err := readAll(io.LimitReader(r, limit+1), size)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// A Content-Length (or chunk) longer than what was sent.
		return nil, fmt.Errorf("read body: the server closed the connection after %d bytes, before the end it announced: %w", len(b), err)
	}
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read body: %w (%d bytes)", ErrTooLarge, limit)
	}
	return b, nil
}

// readAll is io.ReadAll starting with room for size bytes (and one more,
// to see the end) when size is known.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, size+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// parseRetryAfter reads a Retry-After value, either delay seconds or an HTTP
// date, as a wait from now capped at MaxRetryAfter.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// Delay seconds too many for an int64 are still a (huge) wait:
		// ParseInt returns the largest int64 for them.
		if secs <= 0 {
			return 0
		}
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, MaxRetryAfter))
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// method and URL that our own wrapping already names.
func unwrapURLError(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// timeoutError says how long we waited when the fetch's own deadline, not
// the caller's, ended it.
func (f *Fetcher) timeoutError(parent context.Context, err error) error {
	if f.Timeout > 0 && parent.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s: %w", f.Timeout, err)
	}
	return err
}
