package feed

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver looks up a host's addresses; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// IsPrivate reports the addresses that a feed on the internet must not
// redirect storywatch to: loopback, private (RFC 1918, RFC 4193),
// link-local and unspecified ones, where the operator's own services
// listen.
func IsPrivate(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsUnspecified()
}

// ErrPrivateRedirect is returned for a redirect into a private network
// from a feed that is not on one.
var ErrPrivateRedirect = errors.New("redirect into a private network refused (poll.allow_private_networks)")

// checkPrivate refuses a redirect to a loopback, private or link-local
// address unless the fetcher allows them or the configured URL (origin)
// is itself on such a network. A name counts as private when any of its
// addresses is; a name that does not resolve is left to the connection
// to fail.
func (f *Fetcher) checkPrivate(req *http.Request, origin string) error {
	if f.AllowPrivate {
		return nil
	}
	if !f.hostPrivate(req.Context(), req.URL.Hostname()) || f.hostPrivate(req.Context(), origin) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrPrivateRedirect, RedactURL(req.URL.String()))
}

func (f *Fetcher) hostPrivate(ctx context.Context, host string) bool {
	private := f.Private
	if private == nil {
		private = IsPrivate
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return private(ip)
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	var r Resolver = net.DefaultResolver
	if f.Resolver != nil {
		r = f.Resolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return false
	}
	for _, ip := range ips {
		if private(ip) {
			return true
		}
	}
	return false
}
