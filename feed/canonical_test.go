package feed

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/safe"
)

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"already canonical", "https://apnews.com/article/x", "https://apnews.com/article/x"},
		{"scheme and host lower-cased", "HTTPS://APNews.COM/Article/X", "https://apnews.com/Article/X"},
		{"default https port dropped", "https://apnews.com:443/a", "https://apnews.com/a"},
		{"default http port dropped", "http://apnews.com:80/a", "http://apnews.com/a"},
		{"other port kept", "http://apnews.com:8080/a", "http://apnews.com:8080/a"},
		{"fragment dropped", "https://apnews.com/a#comments", "https://apnews.com/a"},
		{"empty path becomes slash", "https://apnews.com", "https://apnews.com/"},
		{"utm parameters removed", "https://apnews.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://apnews.com/a"},
		{"upper-case tracking names removed", "https://apnews.com/a?UTM_Source=rss&FBCLID=1", "https://apnews.com/a"},
		{"click ids removed", "https://x.org/a?fbclid=1&gclid=2&dclid=3&msclkid=4&yclid=5&igshid=6", "https://x.org/a"},
		{"mailchimp and site ids removed", "https://x.org/a?mc_cid=1&mc_eid=2&ocid=3&cmpid=4&_ga=5&ref_src=6", "https://x.org/a"},
		{"other parameters kept and sorted", "https://x.org/a?b=2&utm_source=x&a=1", "https://x.org/a?a=1&b=2"},
		{"repeated parameters sorted by value", "https://x.org/a?id=2&id=1", "https://x.org/a?id=1&id=2"},
		{"parameter encoding kept", "https://x.org/a?q=Witkoff%20Ushakov", "https://x.org/a?q=Witkoff%20Ushakov"},
		{"empty parameters dropped", "https://x.org/a?&&a=1&", "https://x.org/a?a=1"},
		{"only tracking leaves no question mark", "https://x.org/a?utm_source=x", "https://x.org/a"},
		{"user info dropped", "https://user:pw@x.org/a", "https://x.org/a"},
		{"trailing dot of host dropped", "https://x.org./a", "https://x.org/a"},
		{"surrounding space trimmed", "  https://x.org/a \n", "https://x.org/a"},
		{"ipv6 host kept", "http://[::1]:8080/a", "http://[::1]:8080/a"},
		{"escaped path kept", "https://x.org/%D0%A3%D1%88/a%2Fb", "https://x.org/%D0%A3%D1%88/a%2Fb"},
		{"empty input", "", ""},
		{"relative link", "/news/a", ""},
		{"scheme-relative link", "//x.org/a", ""},
		{"non-web scheme", "ftp://x.org/a", ""},
		{"mailto", "mailto:desk@x.org", ""},
		{"tag URI", "tag:example.com,2006:/blog/", ""},
		{"no host", "https:///a", ""},
		{"broken escape", "https://x.org/%zz", ""},
		{"space inside", "https://x.org/a b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Canonical(tt.in)
			if got != tt.want {
				t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Canonical(got); again != got {
				t.Errorf("Canonical(%q) = %q, not idempotent", got, again)
			}
		})
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"https://apnews.com/article/x?utm_source=rss&b=2&a=1#frag",
		"HTTP://Example.COM:80/a/../b?q=%41&q=b",
		"http://[::1]:443/x",
		"https://x.org/%D0%A3?a=%zz&&",
		"https://user@host:0/",
		"",
		"javascript:alert(1)",
		"https://x.org../a",
		"http://x.org:8080/a:b/c.d~e?f=g&h=i=j",
		"https://x.org/a?b+c=1&%2B=2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c := Canonical(in)
		if first := canonical(in); first != "" && canonical(first) != first && c != "" {
			t.Fatalf("Canonical(%q) = %q, though a second pass gives %q", in, c, canonical(first))
		}
		if again := Canonical(c); again != c {
			t.Fatalf("not idempotent: Canonical(%q) = %q, Canonical(that) = %q", in, c, again)
		}
		if c == "" {
			return
		}
		if !strings.HasPrefix(c, "http://") && !strings.HasPrefix(c, "https://") {
			t.Fatalf("Canonical(%q) = %q: not an http(s) URL", in, c)
		}
		if strings.Contains(c, "#") {
			t.Fatalf("Canonical(%q) = %q keeps a fragment", in, c)
		}
		u, err := url.Parse(c)
		if err != nil {
			t.Fatalf("Canonical(%q) = %q does not parse: %v", in, c, err)
		}
		for name := range u.Query() {
			if isTrackingParam(strings.ToLower(name)) {
				t.Fatalf("Canonical(%q) = %q keeps tracking parameter %q", in, c, name)
			}
		}
	})
}

// checkPlainURL checks the shortcuts for plain links against the steps
// they skip: resolving against a base, safe.Link and canonical's parse.
func checkPlainURL(t *testing.T, s string) {
	t.Helper()
	if !plainURL(s) {
		return
	}
	ref, err := url.Parse(s)
	if err != nil {
		t.Fatalf("plainURL(%q), but url.Parse: %v", s, err)
	}
	base, _ := url.Parse("https://feeds.example/news/rss")
	if got := base.ResolveReference(ref).String(); got != s {
		t.Fatalf("plainURL(%q), but resolved it is %q", s, got)
	}
	if got := safe.Link(s); got != s {
		t.Fatalf("plainURL(%q), but safe.Link gives %q", s, got)
	}
	if c, ok := plainCanonicalOf(s); ok && c != parsedCanonical(s) {
		t.Fatalf("plainCanonicalOf(%q) = %q, parsed %q", s, c, parsedCanonical(s))
	}
}

func TestPlainURLShortcuts(t *testing.T) {
	t.Parallel()
	pieces := []string{"x", "X", "7", ".", "..", "/", "//", "?", "=", "&", "-", "~", "_", ":", "%41", "org", "a.b"}
	r := rand.New(rand.NewPCG(3, 5))
	plain := 0
	for range 50000 {
		s := []string{"https://", "http://"}[r.IntN(2)]
		for range r.IntN(10) {
			s += pieces[r.IntN(len(pieces))]
		}
		if plainURL(s) {
			plain++
		}
		checkPlainURL(t, s)
	}
	if plain < 1000 {
		t.Fatalf("only %d of the generated links are plain", plain)
	}
}

func FuzzPlainURL(f *testing.F) {
	for _, s := range []string{
		"https://x.org", "https://x.org/", "http://x.org/a/b.html", "https://x.org/a?b=1&c", "https://X.org/a",
		"https://x.org./a", "https://x.org/a/./b", "https://x.org//a", "https://x.org/a?", "http://?a", "https://-/~",
		"HTTPS://x.org/a", "https://x.org:443/a", "https://a=b&c/d",
	} {
		f.Add(s)
	}
	f.Fuzz(checkPlainURL)
}
