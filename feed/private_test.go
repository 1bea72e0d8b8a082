package feed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestIsPrivate(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true,
		"169.254.169.254": true, "0.0.0.0": true, "::1": true, "fe80::1": true, "fc00::1": true, "::": true,
		"::ffff:10.0.0.1": true, "::ffff:127.0.0.1": true,
		"8.8.8.8": false, "93.184.216.34": false, "172.32.0.1": false, "2001:4860:4860::8888": false,
	} {
		if got := IsPrivate(netip.MustParseAddr(addr)); got != want {
			t.Errorf("IsPrivate(%s) = %v, want %v", addr, got, want)
		}
	}
}

// fakeResolver answers from a map, so that no test asks real DNS.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := r[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// serveOn starts h on addr (a loopback address other than 127.0.0.1 works
// on Linux, where all of 127.0.0.0/8 is loopback).
func serveOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// A feed on the internet that redirects into a private network is not
// followed there, whether the target is an address or a name that
// resolves to one; a feed configured on a private network may redirect
// within it, and poll.allow_private_networks allows every redirect. In the
// test, 127.0.0.1 stands for the internet and 127.0.0.2 for the private
// network, so that nothing leaves loopback.
func TestRedirectIntoAPrivateNetworkIsRefused(t *testing.T) {
	t.Parallel()
	var reached atomic.Int32
	private := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hop" {
			http.Redirect(w, r, "/feed", http.StatusFound)
			return
		}
		reached.Add(1)
		fmt.Fprint(w, tinyFeed)
	}))
	_, port, _ := net.SplitHostPort(private.Listener.Addr().String())
	public := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-address":
			http.Redirect(w, r, private.URL+"/feed", http.StatusFound)
		case "/to-name":
			http.Redirect(w, r, "http://intranet.test:"+port+"/feed", http.StatusMovedPermanently)
		case "/to-localhost":
			http.Redirect(w, r, "http://localhost:"+port+"/feed", http.StatusFound)
		case "/to-public":
			http.Redirect(w, r, "/feed", http.StatusFound)
		default:
			fmt.Fprint(w, tinyFeed)
		}
	}))
	fetcher := func(allow bool) *Fetcher {
		return &Fetcher{Client: &http.Client{}, MaxBody: 1 << 20, Timeout: 5 * time.Second, AllowPrivate: allow,
			Private:  func(ip netip.Addr) bool { return ip == netip.MustParseAddr("127.0.0.2") },
			Resolver: fakeResolver{"intranet.test": {netip.MustParseAddr("127.0.0.2")}}}
	}
	ctx := context.Background()
	for _, path := range []string{"/to-address", "/to-name", "/to-localhost"} {
		_, err := fetcher(false).Fetch(ctx, public.URL+path, "", "")
		if !errors.Is(err, ErrPrivateRedirect) || !strings.Contains(err.Error(), public.URL+path) {
			t.Errorf("%s: err = %v, want the redirect refused", path, err)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the private server was reached %d times", n)
	}
	for _, tt := range []struct {
		name  string
		url   string
		allow bool
	}{
		{"redirect within the internet", public.URL + "/to-public", false},
		{"feed configured on the private network", private.URL + "/hop", false},
		{"allow_private_networks", public.URL + "/to-address", true},
	} {
		resp, err := fetcher(tt.allow).Fetch(ctx, tt.url, "", "")
		if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), "<rss") {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if n := reached.Load(); n != 2 {
		t.Errorf("the private server served %d feeds, want 2", n)
	}
}
