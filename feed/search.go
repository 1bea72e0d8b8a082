package feed

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/storywatch/storywatch/match"
)

// The news searches storywatch builds feed URLs for; any other is given as
// a URL template (docs/config.md, "Search feeds").
const (
	ProviderGoogleNews = "google-news"
	ProviderBingNews   = "bing-news"
)

// Search says which news search a search feed asks, and in which language
// and country.
type Search struct {
	// Provider is ProviderGoogleNews, ProviderBingNews, or an http(s) URL
	// template holding {query} (and optionally {hl} and {gl}).
	Provider string
	// HL is the interface language (en-US, ru, uk); GL the country (US,
	// UA). Empty takes the provider's default, en-US and US.
	HL, GL string
}

// Query-length limits. Google reads the first 32 words of a query and
// ignores the rest; for Bing and templates storywatch keeps queries under
// 1,000 characters, well inside what URLs and search forms accept.
const (
	googleMaxWords  = 32
	otherMaxChars   = 1000
	defaultHL       = "en-US"
	defaultGL       = "US"
	queryPlaceholer = "{query}"
)

// SearchURL builds the RSS search URL for a watch. e is the watch's
// expression: a storyline's query (match.Query.Expr), or an OpActor for an
// actor watch; aliases holds every actor's aliases by id. The query asks
// for at least what the watch matches (NEAR and field limits are dropped,
// prefixes searched as words); what comes back is matched by the watchlist
// as any feed is. A query too long for the provider is shortened by
// dropping NOT terms, then the later aliases of each actor; an error says
// when even one alias per actor is too long.
func SearchURL(s Search, e match.Expr, aliases map[string][]string) (string, error) {
	hl, gl := s.HL, s.GL
	if hl == "" {
		hl = defaultHL
	}
	if gl == "" {
		gl = defaultGL
	}
	most := 1
	for _, as := range aliases {
		most = max(most, len(as))
	}
	var q string
	for _, r := range append([]renderer{{keepNots: true, perActor: most}}, shrink(most)...) {
		q = r.render(e, aliases)
		if fits(s.Provider, q) {
			return searchURL(s.Provider, q, hl, gl)
		}
	}
	if s.Provider == ProviderGoogleNews {
		return "", fmt.Errorf("search query has %d words even with one alias per actor; Google reads at most %d: %s", len(strings.Fields(q)), googleMaxWords, q)
	}
	return "", fmt.Errorf("search query has %d characters even with one alias per actor; storywatch sends at most %d", len(q), otherMaxChars)
}

// shrink lists the ever shorter renderings tried after the full one.
func shrink(most int) []renderer {
	out := []renderer{{perActor: most}}
	for k := most - 1; k >= 1; k-- {
		out = append(out, renderer{perActor: k})
	}
	return out
}

func fits(provider, q string) bool {
	if q == "" {
		return false
	}
	if provider == ProviderGoogleNews {
		return len(strings.Fields(q)) <= googleMaxWords
	}
	return len(q) <= otherMaxChars
}

func searchURL(provider, q, hl, gl string) (string, error) {
	switch provider {
	case ProviderGoogleNews:
		lang, _, _ := strings.Cut(hl, "-")
		v := url.Values{"q": {q}, "hl": {hl}, "gl": {gl}, "ceid": {gl + ":" + lang}}
		return "https://news.google.com/rss/search?" + v.Encode(), nil
	case ProviderBingNews:
		v := url.Values{"q": {q}, "format": {"RSS"}, "setlang": {hl}, "cc": {gl}}
		return "https://www.bing.com/news/search?" + v.Encode(), nil
	}
	if !strings.Contains(provider, queryPlaceholer) {
		return "", fmt.Errorf("search provider %q is not google-news or bing-news, nor a URL template with {query}", RedactURL(provider))
	}
	r := strings.NewReplacer(queryPlaceholer, url.QueryEscape(q), "{hl}", url.QueryEscape(hl), "{gl}", url.QueryEscape(gl))
	return r.Replace(provider), nil
}

// renderer turns an expression into a search engine's query syntax
// (implicit AND, OR, "phrases", -exclusions, parentheses), which Google
// News, Bing News and most site searches share.
type renderer struct {
	keepNots bool
	perActor int
}

// render returns the query for e; "" when e asks for nothing (matches
// anything), which only a broken watch can.
func (r renderer) render(e match.Expr, aliases map[string][]string) string {
	s, _ := r.node(e, aliases, true)
	return s
}

// node renders e; any reports that e was dropped as "anything" (a NOT that
// cannot be written, or an OR holding one): its parent AND leaves it out,
// which only widens the search.
func (r renderer) node(e match.Expr, aliases map[string][]string, top bool) (s string, any bool) {
	switch e.Op {
	case match.OpTerm:
		return term(e.Text), false
	case match.OpActor:
		terms := r.actor(aliases[e.Text])
		if len(terms) == 0 {
			// An actor with no names to search for asks for anything.
			return "", true
		}
		return group(terms, top), false
	case match.OpField:
		return r.node(e.Kids[0], aliases, top)
	case match.OpNot:
		if !r.keepNots {
			return "", true
		}
		kid := e.Kids[0]
		for kid.Op == match.OpField {
			kid = kid.Kids[0]
		}
		if kid.Op == match.OpTerm {
			return "-" + term(kid.Text), false
		}
		return "", true
	case match.OpOr:
		var parts []string
		for _, k := range e.Kids {
			// Search engines bind OR tighter than the implicit AND, so an
			// AND inside an OR goes in parentheses; alternatives do not.
			flat := k.Op == match.OpOr || k.Op == match.OpActor || k.Op == match.OpTerm
			s, any := r.node(k, aliases, flat)
			if any || k.Op == match.OpNot {
				// "a OR NOT b" holds for nearly every page.
				return "", true
			}
			parts = append(parts, s)
		}
		return group(parts, top), false
	}
	// AND, and NEAR searched as AND.
	var parts []string
	var last match.Expr
	for _, k := range e.Kids {
		if s, any := r.node(k, aliases, false); !any && s != "" {
			parts, last = append(parts, s), k
		}
	}
	switch len(parts) {
	case 0:
		return "", true
	case 1:
		return r.node(last, aliases, top)
	}
	if !top {
		return "(" + strings.Join(parts, " ") + ")", false
	}
	return strings.Join(parts, " "), false
}

// actor returns the search terms of an actor's aliases: without aliases
// that contain another one (any page with "Steve Witkoff" has "Witkoff"),
// at most perActor of them: the first alias of each script (Latin,
// Cyrillic, …) before the others, so that a shortened query still finds
// coverage in every language the aliases cover, otherwise in the order
// written.
func (r renderer) actor(aliases []string) []string {
	type alias struct {
		text  string
		words []string
	}
	var all []alias
	for _, a := range aliases {
		text := strings.TrimSuffix(strings.TrimSpace(a), "*")
		if words := strings.Fields(strings.ToLower(text)); len(words) > 0 {
			all = append(all, alias{text, words})
		}
	}
	var kept []alias
	seen := map[string]bool{}
	for _, a := range all {
		key := strings.Join(a.words, " ")
		covered := false
		for _, other := range all {
			if len(other.words) < len(a.words) && containsRun(a.words, other.words) {
				covered = true
				break
			}
		}
		if !covered && !seen[key] {
			seen[key] = true
			kept = append(kept, a)
		}
	}
	var first, rest []string
	scripts := map[string]bool{}
	for _, a := range kept {
		if sc := script(a.text); !scripts[sc] {
			scripts[sc] = true
			first = append(first, term(a.text))
		} else {
			rest = append(rest, term(a.text))
		}
	}
	out := append(first, rest...)
	return out[:min(len(out), r.perActor)]
}

// scripts are the writing systems aliases are told apart by.
var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek},
	{"Arabic", unicode.Arabic}, {"Hebrew", unicode.Hebrew}, {"Han", unicode.Han},
	{"Hangul", unicode.Hangul}, {"Georgian", unicode.Georgian}, {"Armenian", unicode.Armenian},
	{"Devanagari", unicode.Devanagari},
}

// script names the writing system of the first letter of s.
func script(s string) string {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, sc := range scripts {
			if unicode.Is(sc.table, r) {
				return sc.name
			}
		}
		return "other"
	}
	return ""
}

// containsRun reports whether small occurs in words as consecutive words.
func containsRun(words, small []string) bool {
	for i := 0; i+len(small) <= len(words); i++ {
		same := true
		for j := range small {
			if words[i+j] != small[j] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// term writes a word as is and a phrase in quotes; quotes inside and a
// leading minus (an exclusion) are dropped.
func term(text string) string {
	text = strings.Join(strings.Fields(strings.ReplaceAll(text, `"`, " ")), " ")
	text = strings.TrimLeft(text, "-")
	if strings.Contains(text, " ") {
		return `"` + text + `"`
	}
	return text
}

// mayBeClickLink reports whether link can be a Bing click link, without
// parsing it: its path, once unescaped and case-folded, is
// /news/apiclick.aspx, which an ASCII link without escapes spells in
// some case.
func mayBeClickLink(link string) bool {
	for i := 0; i < len(link); i++ {
		if link[i] == '%' || link[i] >= utf8.RuneSelf {
			return true
		}
	}
	return strings.Contains(strings.ToLower(link), "apiclick")
}

// group joins alternatives with OR, in parentheses unless top or single.
func group(parts []string, top bool) string {
	s := strings.Join(parts, " OR ")
	if len(parts) > 1 && !top {
		return "(" + s + ")"
	}
	return s
}

// unwrapClick returns the article a search engine's click-tracking link
// leads to: Bing News links every item through
// www.bing.com/news/apiclick.aspx?…&url=ARTICLE. Other links are returned
// as they are.
func unwrapClick(link string) string {
	if !mayBeClickLink(link) {
		return link
	}
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Hostname(), "www.bing.com") || !strings.EqualFold(u.Path, "/news/apiclick.aspx") {
		return link
	}
	target := u.Query().Get("url")
	if t, err := url.Parse(target); err == nil && (t.Scheme == "http" || t.Scheme == "https") && t.Host != "" {
		return target
	}
	return link
}
