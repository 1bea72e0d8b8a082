package feed

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// feedTypes are the link types that announce a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
	"application/rdf+xml":   true,
}

// Discover returns the feeds an HTML page announces with
// <link rel="alternate" type="application/rss+xml" href="…"> (and the Atom,
// RDF and JSON Feed types), in page order, each once, with links made
// absolute against the page's URL (or its <base href>). Titles come from
// the link's title attribute.
func Discover(page []byte, contentType, pageURL string) []Subscription {
	base, _ := url.Parse(pageURL)
	z := html.NewTokenizer(bytes.NewReader(toUTF8(page, contentType)))
	var out []Subscription
	seen := map[string]bool{}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		attrs := map[string]string{}
		for {
			k, v, more := z.TagAttr()
			attrs[string(k)] = string(v)
			if !more {
				break
			}
		}
		switch atom.Lookup(name) {
		case atom.Base:
			if b, err := url.Parse(strings.TrimSpace(attrs["href"])); err == nil && base != nil {
				base = base.ResolveReference(b)
			}
		case atom.Link:
			if !hasRel(attrs["rel"], "alternate") || !feedTypes[strings.ToLower(strings.TrimSpace(attrs["type"]))] {
				continue
			}
			href := resolveLink(base, attrs["href"])
			if href == "" || seen[href] {
				continue
			}
			seen[href] = true
			out = append(out, Subscription{URL: href, Title: strings.Join(strings.Fields(attrs["title"]), " ")})
		}
	}
}

func hasRel(rel, want string) bool {
	for r := range strings.FieldsSeq(strings.ToLower(rel)) {
		if r == want {
			return true
		}
	}
	return false
}

// DiscoverURL fetches page with f and returns the feeds it announces
// (Discover), or the page itself when it is a feed, with a comment that
// says which for the entries printed from them. A page that announces no
// feed is an error.
func DiscoverURL(ctx context.Context, f *Fetcher, page string) (comment string, subs []Subscription, err error) {
	resp, err := f.Fetch(ctx, page, "", "")
	if err != nil {
		return "", nil, err
	}
	if parsed, err := Parse(resp.Body, resp.ContentType, resp.URL); err == nil {
		return RedactURL(resp.URL) + " is a feed itself", []Subscription{{URL: resp.URL, Title: parsed.Title}}, nil
	}
	subs = Discover(resp.Body, resp.ContentType, resp.URL)
	if len(subs) == 0 {
		return "", nil, fmt.Errorf("%s announces no feeds (no <link rel=\"alternate\" type=\"application/rss+xml\"> or the like)", RedactURL(resp.URL))
	}
	return fmt.Sprintf("%d feeds announced by %s", len(subs), RedactURL(resp.URL)), subs, nil
}
