package config

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Search providers storywatch knows by name (docs/config.md, "Search
// feeds"); any other provider is a URL template.
var providers = []string{"google-news", "bing-news"}

var (
	languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)
)

// search reads the search keys of a feed entry: nil when it has none.
// Search feeds are keyed like URLs in seen, so that one search listed
// twice is reported.
func (d *decoder) search(fs fields, n *yaml.Node, path string, seen map[string]string) *Search {
	sf, ok := fs["search"]
	if !ok {
		for _, k := range []string{"provider", "hl", "gl"} {
			if f, ok := fs[k]; ok {
				d.errorf(f.key, f.path, "%s is only for search feeds (search: WATCH-ID)", k)
			}
		}
		return nil
	}
	if uf, ok := fs["url"]; ok {
		d.errorf(uf.key, uf.path, "a feed has a url or a search, not both")
	}
	s := &Search{Watch: d.required(fs, "search", n, path), Provider: DefaultProvider, Path: sf.path}
	if v := valueNode(sf); v != nil {
		s.Line, s.Col = v.Line, v.Column
	}
	if s.Watch != "" {
		d.searches = append(d.searches, item{node: valueNode(sf), path: sf.path, value: s.Watch})
	}
	if pf, ok := fs["provider"]; ok {
		s.Provider, _ = d.scalar(pf)
		if err := checkProvider(s.Provider); err != nil {
			d.errorf(valueNode(pf), pf.path, "%v", err)
		}
	}
	s.HL = d.tag(fs, "hl", languageTag, "a language tag such as en-US, ru or uk")
	s.GL = strings.ToUpper(d.tag(fs, "gl", countryCode, "a two-letter country code such as US or UA"))
	key := fmt.Sprintf("search %s %s %s %s", s.Watch, s.Provider, s.HL, s.GL)
	if first, dup := seen[key]; dup {
		d.errorf(valueNode(sf), sf.path, "the same search is already listed at %s", first)
	} else {
		seen[key] = sf.path
	}
	return s
}

func (d *decoder) tag(fs fields, name string, re *regexp.Regexp, want string) string {
	f, ok := fs[name]
	if !ok {
		return ""
	}
	v, ok := d.typed(f)
	if ok && !re.MatchString(strings.TrimSpace(v)) {
		d.errorf(valueNode(f), f.path, "%q is not %s", v, want)
	}
	return strings.TrimSpace(v)
}

// checkProvider accepts a known provider or an http(s) URL template with
// {query}.
func checkProvider(p string) error {
	for _, known := range providers {
		if p == known {
			return nil
		}
	}
	if !strings.Contains(p, "{query}") {
		return fmt.Errorf("unknown provider %q: want %s, or an http(s) URL template with {query}", redactURL(p), strings.Join(providers, " or "))
	}
	sample := strings.NewReplacer("{query}", "q", "{hl}", "en", "{gl}", "US").Replace(p)
	if err := checkURL(sample, "http", "https"); err != nil {
		return fmt.Errorf("provider template: %v", err)
	}
	return nil
}

// checkSearchWatches checks that every search feed names an actor or a
// storyline.
func (d *decoder) checkSearchWatches(w *watches) {
	for _, it := range d.searches {
		if _, ok := w.ids[it.value]; ok {
			continue
		}
		known := make([]string, 0, len(w.ids))
		for id := range w.ids {
			known = append(known, id)
		}
		sort.Strings(known)
		d.errorf(it.node, it.path, "unknown watch %q: not an actor or storyline id%s", it.value, didYouMean(it.value, known))
	}
}

// publicURL reads public_url: an http(s) URL without query or fragment,
// kept without its trailing slash.
func (d *decoder) publicURL(fs fields) string {
	f, ok := fs["public_url"]
	if !ok {
		return ""
	}
	s, ok := d.scalar(f)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return ""
	}
	if err := checkURL(s, "http", "https"); err != nil {
		d.errorf(valueNode(f), f.path, "%v", err)
		return ""
	}
	if u, _ := url.Parse(s); u.RawQuery != "" || u.Fragment != "" {
		d.errorf(valueNode(f), f.path, "public_url is a base URL: no ?query or #fragment")
		return ""
	}
	return strings.TrimRight(s, "/")
}

// pollSchedule is schedule for poll schedules, which may also be
// "adaptive".
func (d *decoder) pollSchedule(fs fields, name string, loc *time.Location) *Schedule {
	if f, ok := fs[name]; ok {
		if v, ok := d.typed(f); ok && strings.TrimSpace(v) == "adaptive" {
			return &Schedule{Spec: "adaptive", Adaptive: true, Location: loc}
		}
	}
	return d.schedule(fs, name, loc)
}
