package feed

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
)

// The client side of WebSub (W3C Recommendation, 2018): discovering a
// feed's hub, asking it to push, checking its intent challenges and the
// signatures of what it pushes. docs/config.md ("WebSub") describes how
// storywatch uses it.

// ErrBadSignature is returned for a pushed body whose X-Hub-Signature is
// missing or does not match the subscription's secret.
var ErrBadSignature = errors.New("websub: missing or wrong X-Hub-Signature")

// hubLinks returns the hub and self links a feed document declares:
// Atom <link rel="hub">, and the same element inside RSS (atom:link).
func hubLinks(f *gofeed.Feed, base *url.URL) (hub, self string) {
	set := func(rel, href string) {
		href = resolveLink(base, href)
		for r := range strings.FieldsSeq(strings.ToLower(rel)) {
			switch {
			case r == "hub" && hub == "":
				hub = href
			case r == "self" && self == "":
				self = href
			}
		}
	}
	if orig, ok := f.OriginalFeed().(*atom.Feed); ok {
		for _, l := range orig.Links {
			if l != nil {
				set(l.Rel, l.Href)
			}
		}
	}
	for _, elems := range f.Extensions {
		for _, e := range elems["link"] {
			set(e.Attrs["rel"], e.Attrs["href"])
		}
	}
	return hub, self
}

// linkHeaders returns the hub and self links of HTTP Link headers
// (RFC 8288), the other place WebSub lets a publisher name its hub.
func linkHeaders(h http.Header, base *url.URL) (hub, self string) {
	for _, v := range h.Values("Link") {
		for link := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			href := resolveLink(base, target[1:len(target)-1])
			for p := range strings.SplitSeq(params, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for r := range strings.FieldsSeq(strings.ToLower(strings.Trim(strings.TrimSpace(value), `"`))) {
					switch {
					case r == "hub" && hub == "":
						hub = href
					case r == "self" && self == "":
						self = href
					}
				}
			}
		}
	}
	return hub, self
}

// resolveLink makes href absolute against base; it returns "" for anything
// that is not then an http(s) URL.
func resolveLink(base *url.URL, href string) string {
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	if base != nil {
		ref = base.ResolveReference(ref)
	}
	if (ref.Scheme != "http" && ref.Scheme != "https") || ref.Host == "" {
		return ""
	}
	return ref.String()
}

// NewSecret returns a fresh random secret for a subscription: 32 bytes,
// hex-encoded (WebSub allows up to 200 bytes).
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("websub secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// SubscribeRequest asks a hub to push a topic to a callback, or to stop.
type SubscribeRequest struct {
	Hub      string
	Topic    string
	Callback string
	// Secret signs what the hub pushes (hub.secret); required for
	// subscribing, since storywatch refuses unsigned pushes.
	Secret string
	// Lease is the lease asked for (hub.lease_seconds); the hub decides.
	Lease       time.Duration
	Unsubscribe bool
}

// Send posts the request to the hub. A hub answers 202 Accepted and
// verifies the intent later with a GET to the callback; any other
// answer but a 2xx is an error.
func (r SubscribeRequest) Send(ctx context.Context, client *http.Client, userAgent string) error {
	mode := "subscribe"
	if r.Unsubscribe {
		mode = "unsubscribe"
	}
	form := url.Values{"hub.mode": {mode}, "hub.topic": {r.Topic}, "hub.callback": {r.Callback}}
	if !r.Unsubscribe {
		if r.Secret == "" {
			return fmt.Errorf("websub %s %s: no secret", mode, RedactURL(r.Topic))
		}
		form.Set("hub.secret", r.Secret)
		if r.Lease > 0 {
			form.Set("hub.lease_seconds", strconv.FormatInt(int64(r.Lease/time.Second), 10))
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("websub %s at %s: %w", mode, RedactURL(r.Hub), unwrapURLError(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("websub %s at %s: %w", mode, RedactURL(r.Hub), unwrapURLError(err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("websub %s at %s: HTTP %d %s", mode, RedactURL(r.Hub), resp.StatusCode, oneLine(string(msg)))
	}
	return nil
}

// Intent is a hub's verification of intent: the GET it sends to the
// callback before a subscription (or its end) takes effect.
type Intent struct {
	// Mode is subscribe, unsubscribe or denied.
	Mode      string
	Topic     string
	Challenge string
	// Lease is the lease the hub granted (subscribe only).
	Lease time.Duration
	// Reason is why a hub denied a subscription, when it says.
	Reason string
}

// ParseIntent reads a verification request's query. A subscribe needs a
// challenge and a positive lease; an unsubscribe a challenge.
func ParseIntent(q url.Values) (Intent, error) {
	in := Intent{Mode: q.Get("hub.mode"), Topic: q.Get("hub.topic"), Challenge: q.Get("hub.challenge"), Reason: q.Get("hub.reason")}
	switch in.Mode {
	case "denied":
		return in, nil
	case "subscribe", "unsubscribe":
	default:
		return in, fmt.Errorf("websub intent: unknown hub.mode %q", in.Mode)
	}
	if in.Topic == "" || in.Challenge == "" {
		return in, errors.New("websub intent: hub.topic and hub.challenge are required")
	}
	if in.Mode == "subscribe" {
		secs, err := strconv.ParseInt(q.Get("hub.lease_seconds"), 10, 64)
		if err != nil || secs <= 0 {
			return in, fmt.Errorf("websub intent: hub.lease_seconds %q is not a positive number", q.Get("hub.lease_seconds"))
		}
		in.Lease = time.Duration(min(secs, int64(MaxHint/time.Second))) * time.Second
	}
	return in, nil
}

// CheckSignature checks a pushed body against its X-Hub-Signature header
// ("sha256=HEX"; sha1, sha384 and sha512 as the spec allows), in constant
// time.
func CheckSignature(secret, header string, body []byte) error {
	method, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || secret == "" {
		return ErrBadSignature
	}
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return ErrBadSignature
	}
	want, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return ErrBadSignature
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return ErrBadSignature
	}
	return nil
}

// ReadPush reads a pushed body, at most limit bytes (as a fetch reads a
// feed: a larger body is an error wrapping ErrTooLarge).
func ReadPush(r io.Reader, limit int64) ([]byte, error) {
	return readCapped(r, limit, -1)
}
