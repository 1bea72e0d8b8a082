package daemon

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/feed"
)

// Limits for fetching a match source when the config does not set them.
const (
	matchTimeout = 20 * time.Second
	matchMaxBody = 8 << 20
)

// MatchSource translates the config's poll settings (timeout, body cap,
// user agent) into the reader of `storywatch match` sources, reading "-"
// from stdin.
func MatchSource(c *config.Config, version string, stdin io.Reader) *feed.Source {
	s := &feed.Source{Client: &http.Client{Timeout: matchTimeout}, MaxBody: matchMaxBody,
		UserAgent: "storywatch/" + version, Stdin: stdin}
	if c.Poll.Timeout > 0 {
		s.Client.Timeout = c.Poll.Timeout
	}
	if c.Poll.MaxBody > 0 {
		s.MaxBody = c.Poll.MaxBody
	}
	if c.Poll.UserAgent != "" {
		s.UserAgent = strings.ReplaceAll(c.Poll.UserAgent, "VERSION", version)
	}
	return s
}

// Subscriptions translates the configured feeds into OPML subscriptions;
// an unnamed search feed is titled by its provider and watch.
func Subscriptions(c *config.Config) []feed.Subscription {
	subs := make([]feed.Subscription, len(c.Feeds))
	for i, f := range c.Feeds {
		subs[i] = feed.Subscription{Title: f.Name, URL: f.URL, Tags: f.Tags}
		if f.Search != nil && f.Name == "" {
			subs[i].Title = fmt.Sprintf("%s search for %s", f.Search.Provider, f.Search.Watch)
		}
	}
	return subs
}
