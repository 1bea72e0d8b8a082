package feed

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// HTTPURL returns a subscription's URL as an http(s) URL: feed:// and
// feed:https:// (how some readers write feeds) are taken apart. It
// reports false for anything that is not an http(s) URL with a host.
func HTTPURL(raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	if rest, ok := strings.CutPrefix(s, "feed:"); ok {
		s = strings.TrimPrefix(rest, "//")
		if !isHTTP(s) {
			s = "http://" + s
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "", false
	}
	return s, true
}

// HTTPSubscriptions returns the subscriptions whose URL is an http(s) URL
// (HTTPURL), with that URL, and the URLs of the others.
func HTTPSubscriptions(subs []Subscription) (kept []Subscription, skipped []string) {
	for _, s := range subs {
		u, ok := HTTPURL(s.URL)
		if !ok {
			skipped = append(skipped, s.URL)
			continue
		}
		s.URL = u
		kept = append(kept, s)
	}
	return kept, skipped
}

// configEntry is one feeds: entry of a config (docs/config.md).
type configEntry struct {
	URL  string   `yaml:"url"`
	Name string   `yaml:"name,omitempty"`
	Tags []string `yaml:"tags,flow,omitempty"`
}

// WriteConfigEntries writes subscriptions as a config's feeds: section,
// after a comment, to paste into a config. A literal ${ is written $${,
// since the config expands ${.
func WriteConfigEntries(w io.Writer, comment string, subs []Subscription) error {
	esc := strings.NewReplacer("${", "$${")
	entries := make([]configEntry, len(subs))
	for i, s := range subs {
		entries[i] = configEntry{URL: esc.Replace(s.URL), Name: esc.Replace(s.Title)}
		for _, t := range s.Tags {
			entries[i].Tags = append(entries[i].Tags, esc.Replace(t))
		}
	}
	if _, err := fmt.Fprintf(w, "# %s\n", comment); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(map[string][]configEntry{"feeds": entries}); err != nil {
		return fmt.Errorf("write feeds: %w", err)
	}
	return enc.Close()
}
