package feed

import (
	"net/url"
	"sort"
	"strings"
)

// Canonical returns the form of an article URL that identifies the same
// article across feeds (docs/architecture.md, "Item identity"): lower-case scheme and host, no
// default port, no user info, no fragment, tracking parameters removed and
// the remaining parameters sorted. It returns "" for input that is not an
// absolute http or https URL with a host. Canonical(Canonical(x)) equals
// Canonical(x) for every x.
func Canonical(rawURL string) string {
	c := canonical(rawURL)
	// canonical is written to be idempotent; this guard keeps the promise
	// for inputs that net/url re-encodes differently on a second pass.
	if c != "" && !plainCanonical(c) && canonical(c) != c {
		return ""
	}
	return c
}

// plainURL reports whether s is an absolute http(s) URL that net/url
// reads and writes back as it is, also when resolving it against a base,
// and that safe.Link keeps: a lower-case scheme, a host without a port,
// only letters, digits and "-._~/?=&" after the scheme, and no dot segment
// or empty segment in the path.
func plainURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(s, "http://")
	}
	if !ok || rest == "" || rest[0] == '/' || rest[0] == '?' {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if b := rest[i]; !isAlnum(b) && strings.IndexByte("-._~/?=&", b) < 0 {
			return false
		}
	}
	return !strings.Contains(rest, "/.") && !strings.Contains(rest, "//")
}

// plainCanonicalOf is canonical for a plainURL without a query whose host
// is in lower case and does not end in a dot: the URL itself, with "/" for
// an empty path.
func plainCanonicalOf(s string) (string, bool) {
	if !plainURL(s) || strings.IndexByte(s, '?') >= 0 {
		return "", false
	}
	_, rest, _ := strings.Cut(s, "://")
	host, path, _ := strings.Cut(rest, "/")
	for i := 0; i < len(host); i++ {
		if 'A' <= host[i] && host[i] <= 'Z' {
			return "", false
		}
	}
	if strings.HasSuffix(host, ".") {
		return "", false
	}
	if path == "" && !strings.HasSuffix(s, "/") {
		return s + "/", true
	}
	return s, true
}

// plainCanonical reports whether canonical(c) is c for sure, without a
// second pass: c, a result of canonical, has only letters, digits and
// "-._~:/?=&" (no escapes, IPv6 brackets, user info or "+", which the
// query reads as a space) and its host does not end in a dot.
func plainCanonical(c string) bool {
	for i := 0; i < len(c); i++ {
		if b := c[i]; !isAlnum(b) && strings.IndexByte("-._~:/?=&", b) < 0 {
			return false
		}
	}
	_, rest, _ := strings.Cut(c, "://")
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, ":")
	return !strings.HasSuffix(host, ".")
}

func canonical(rawURL string) string {
	if c, ok := plainCanonicalOf(rawURL); ok {
		return c
	}
	return parsedCanonical(rawURL)
}

// parsedCanonical is canonical through net/url.
func parsedCanonical(rawURL string) string {
	s := strings.TrimSpace(rawURL)
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimSuffix(host, ".")
	if host == "" || strings.ContainsAny(host, "%/\\@") {
		return ""
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	out := scheme + "://" + host + path
	if q := cleanQuery(u.RawQuery); q != "" {
		out += "?" + q
	}
	return out
}

// cleanQuery drops empty and tracking parameters and sorts the rest, keeping
// each parameter's own encoding so that the URL still points at the same
// resource.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" || p == "=" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if isTrackingParam(strings.ToLower(name)) {
			continue
		}
		kept = append(kept, p)
	}
	sort.Strings(kept)
	return strings.Join(kept, "&")
}

// trackingParams are query parameters that say how a reader arrived, not
// which article they read.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "mc_cid": true, "mc_eid": true, "ocid": true, "cmpid": true,
	"igshid": true, "_ga": true, "_gl": true, "yclid": true, "ref_src": true,
	"ref_url": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"mkt_tok": true, "_hsenc": true, "_hsmi": true, "hsctatracking": true,
	"oly_anon_id": true, "oly_enc_id": true, "vero_id": true, "wickedid": true,
	"s_cid": true, "sr_share": true, "smid": true, "xtor": true, "guccounter": true,
	"guce_referrer": true, "guce_referrer_sig": true, "at_medium": true,
	"at_campaign": true, "spm": true, "ncid": true,
	"__twitter_impression": true,
}

func isTrackingParam(name string) bool {
	return strings.HasPrefix(name, "utm_") || trackingParams[name]
}
