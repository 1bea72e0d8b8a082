package feed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestHubDiscovery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, hub, self string
	}{
		{"rss atom:link", `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
			<atom:link rel="hub" href="https://pubsubhubbub.appspot.com/"/><atom:link rel="self" type="application/rss+xml" href="https://example.org/feed"/>
			<item><guid>1</guid></item></channel></rss>`, "https://pubsubhubbub.appspot.com/", "https://example.org/feed"},
		{"atom links, relative self", `<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><link rel="hub" href="https://hub.example/"/>
			<link rel="self" href="/atom.xml"/><entry><id>1</id><title>x</title></entry></feed>`, "https://hub.example/", "https://example.org/atom.xml"},
		{"no hub", `<rss version="2.0"><channel><title>T</title><item><guid>1</guid></item></channel></rss>`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := Parse([]byte(tt.doc), "", "https://example.org/feed")
			if err != nil {
				t.Fatal(err)
			}
			if f.Hub != tt.hub || f.Self != tt.self {
				t.Errorf("hub, self = %q, %q; want %q, %q", f.Hub, f.Self, tt.hub, tt.self)
			}
		})
	}
}

func TestLinkHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Add("Link", `<https://hub.example/>; rel="hub", </feed.xml>; rel="self"`)
	base, _ := url.Parse("https://example.org/x/feed")
	hub, self := linkHeaders(h, base)
	if hub != "https://hub.example/" || self != "https://example.org/feed.xml" {
		t.Errorf("hub, self = %q, %q", hub, self)
	}
}

func TestCheckSignature(t *testing.T) {
	t.Parallel()
	body := []byte("<rss/>")
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(body)
	good := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if err := CheckSignature("s3cret", good, body); err != nil {
		t.Errorf("good signature refused: %v", err)
	}
	for name, tc := range map[string]struct{ secret, header string }{
		"wrong secret":   {"other", good},
		"missing header": {"s3cret", ""},
		"unknown method": {"s3cret", "md5=00"},
		"not hex":        {"s3cret", "sha256=zz"},
		"no secret":      {"", good},
	} {
		if err := CheckSignature(tc.secret, tc.header, body); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		}
	}
	if err := CheckSignature("s3cret", good, []byte("<rss>forged</rss>")); !errors.Is(err, ErrBadSignature) {
		t.Errorf("changed body accepted")
	}
}

func TestParseIntent(t *testing.T) {
	t.Parallel()
	in, err := ParseIntent(url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"https://example.org/feed"}, "hub.challenge": {"abc"}, "hub.lease_seconds": {"86400"}})
	if err != nil || in.Lease != 24*time.Hour || in.Challenge != "abc" {
		t.Errorf("subscribe intent = %+v, %v", in, err)
	}
	for name, q := range map[string]url.Values{
		"no lease":     {"hub.mode": {"subscribe"}, "hub.topic": {"t"}, "hub.challenge": {"c"}},
		"no challenge": {"hub.mode": {"unsubscribe"}, "hub.topic": {"t"}},
		"bad mode":     {"hub.mode": {"publish"}, "hub.topic": {"t"}, "hub.challenge": {"c"}},
	} {
		if _, err := ParseIntent(q); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if in, err := ParseIntent(url.Values{"hub.mode": {"denied"}, "hub.topic": {"t"}, "hub.reason": {"no"}}); err != nil || in.Reason != "no" {
		t.Errorf("denied = %+v, %v", in, err)
	}
}
