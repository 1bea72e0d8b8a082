package feed

import (
	"net/url"
	"strings"
)

// RedactURL returns a feed URL fit for logs and error texts: without user
// info, and with its query (where APIs take their keys, as in
// ?key=${API_KEY}) and fragment replaced by "…". The path stays: it tells
// feeds of one host apart.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		prefix, rest := "", raw
		if s := strings.Index(raw, "://"); s >= 0 {
			prefix, rest = raw[:s+3], raw[s+3:]
		}
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			rest = rest[:i] + "?…"
		}
		authority := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			authority = rest[:j]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			rest = rest[at+1:]
		}
		return prefix + rest
	}
	u.User = nil
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "", false
		u.Fragment, u.RawFragment = "", ""
		return u.String() + "?…"
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// Label names a feed for a line of a summary: its configured name, else
// its URL redacted, with the search query (q=) that tells searches of one
// service apart (five Google News searches are otherwise all
// "https://news.google.com/rss/search?…").
func Label(name, raw string) string {
	if name != "" {
		return name
	}
	label := RedactURL(raw)
	if u, err := url.Parse(raw); err == nil {
		if q := u.Query().Get("q"); q != "" {
			if r := []rune(strings.Join(strings.Fields(q), " ")); len(r) > 80 {
				q = string(r[:79]) + "…"
			} else {
				q = string(r)
			}
			label += " (q: " + q + ")"
		}
	}
	return label
}
