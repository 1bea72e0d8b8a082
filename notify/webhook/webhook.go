package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/internal/redact"
)

// Options configure a Sender.
type Options struct {
	// NotifierID names the notifier; it is part of the Idempotency-Key.
	NotifierID string
	URL        string
	// Secret, when set, signs each request (Storywatch-Signature).
	Secret string
	// Timeout bounds one request; 0 means 10 s.
	Timeout time.Duration
	// Client is the HTTP client; nil means a new one.
	Client *http.Client
	// Now is the clock of the signature's timestamp; nil means time.Now.
	Now func() time.Time
	// UserAgent is sent with each request.
	UserAgent string
}

// Sender POSTs the JSON rendering of a digest (docs/config.md describes
// the body, its signature and its headers).
type Sender struct {
	opts Options
}

var (
	_ notify.Sender    = (*Sender)(nil)
	_ notify.Timeouter = (*Sender)(nil)
)

// New returns a Sender.
func New(opts Options) (*Sender, error) {
	if opts.URL == "" {
		return nil, errors.New("webhook: no url")
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	// A redirect would turn the POST into a GET without the digest and
	// count its 200 as sent: never follow one (a copy, so that a shared
	// client keeps its own policy).
	client := *opts.Client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	opts.Client = &client
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "storywatch"
	}
	return &Sender{opts: opts}, nil
}

// Sign returns the Storywatch-Signature header value for body at time t:
// "t=<unix>,v1=<hex HMAC-SHA256 over "<unix>.<body>">".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// IdempotencyKey returns the key that identifies one delivery of a digest
// to a notifier; every retry of that delivery carries the same key.
func IdempotencyKey(digestID, notifierID string) string {
	return digestID + "-" + notifierID
}

// SendTimeout returns how long one send may take: the configured timeout.
func (w *Sender) SendTimeout() time.Duration { return w.opts.Timeout }

// Send posts r.JSON. Any 2xx is success; a redirect (3xx) is a permanent
// error, because the configured URL is wrong and following it would lose
// the body; 4xx other than 408 and 429 is a permanent error; everything
// else, timeouts included, is temporary.
func (w *Sender) Send(ctx context.Context, r *notify.Rendered) error {
	where := fmt.Sprintf("webhook %s (%s)", w.opts.NotifierID, redact.URL(w.opts.URL))
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.opts.URL, bytes.NewReader(r.JSON))
	if err != nil {
		// The error would quote the URL, which may hold a token.
		return notify.Permanent(fmt.Errorf("%s: invalid request", where))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.opts.UserAgent)
	req.Header.Set("Idempotency-Key", IdempotencyKey(r.DigestID, w.opts.NotifierID))
	if w.opts.Secret != "" {
		req.Header.Set("Storywatch-Signature", Sign(w.opts.Secret, w.opts.Now(), r.JSON))
	}
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: no answer within %s", where, w.opts.Timeout)
		}
		// *url.Error quotes the full URL; keep only what went wrong.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		return fmt.Errorf("%s: %s", where, redact.URLs(redact.Secrets(err.Error(), w.opts.URL, w.opts.Secret)))
	}
	defer resp.Body.Close()
	// Read a little of the answer to show in the error, and let the
	// connection be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		to := "nowhere"
		if loc := resp.Header.Get("Location"); loc != "" {
			to = "…"
			if u, err := req.URL.Parse(loc); err == nil {
				to = redact.URL(u.String())
			}
		}
		return notify.Permanent(fmt.Errorf("%s: HTTP %s: redirected to %s; update the webhook URL", where, resp.Status, to))
	}
	err = fmt.Errorf("%s: HTTP %s: %s", where, resp.Status,
		redact.URLs(redact.Secrets(strings.Join(strings.Fields(string(snippet)), " "), w.opts.URL, w.opts.Secret)))
	if resp.StatusCode >= 400 && resp.StatusCode < 500 &&
		resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return notify.Permanent(err)
	}
	return err
}
