package daemon

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

// LoadConfig loads a config file as config.Load does and builds the URL of
// each of its search feeds, which config leaves to the code that knows
// search engines. A search that cannot be built (a query too long for its
// provider even with one alias per actor) is a problem of the file, at the
// feed's search key, in the config.Errors. Every command and a reload load
// the config this way.
func LoadConfig(path string, getenv func(string) string) (*config.Config, error) {
	return LoadConfigContext(context.Background(), path, getenv)
}

// LoadConfigContext is LoadConfig that gives up when ctx ends
// (config.LoadContext).
func LoadConfigContext(ctx context.Context, path string, getenv func(string) string) (*config.Config, error) {
	c, err := config.LoadContext(ctx, path, getenv)
	if err != nil {
		return nil, err
	}
	if errs := resolveSearchFeeds(c, path); len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// resolveSearchFeeds sets the URL of every search feed of c from its
// watch: a storyline's query, or an actor's aliases (feed.SearchURL).
func resolveSearchFeeds(c *config.Config, file string) config.Errors {
	queries := map[string]string{}
	for _, s := range c.Storylines {
		queries[s.ID] = s.Query
	}
	listed := map[string]string{}
	for i, f := range c.Feeds {
		if f.Search == nil {
			listed[f.URL] = fmt.Sprintf("feeds[%d].url", i)
		}
	}
	var errs config.Errors
	for i := range c.Feeds {
		s := c.Feeds[i].Search
		if s == nil {
			continue
		}
		fail := func(format string, args ...any) {
			errs = append(errs, &config.Error{File: file, Line: s.Line, Col: s.Col, Path: s.Path, Msg: fmt.Sprintf(format, args...)})
		}
		e := match.Expr{Op: match.OpActor, Text: s.Watch}
		if q, ok := queries[s.Watch]; ok {
			parsed, err := match.ParseQuery(q)
			if err != nil {
				continue // config.Load has reported it
			}
			e = parsed.Expr()
		}
		u, err := feed.SearchURL(feed.Search{Provider: s.Provider, HL: s.HL, GL: s.GL}, e, searchNames(c.Actors, s.HL))
		if err != nil {
			fail("%s: %v", s.Provider, err)
			continue
		}
		if first, dup := listed[u]; dup {
			fail("builds %s, which is already listed at %s", feed.RedactURL(u), first)
			continue
		}
		listed[u] = s.Path
		c.Feeds[i].URL = u
	}
	return errs
}

// searchNames returns the names a search looks for, by actor: the aliases
// as written (name variants are the matcher's: a search engine finds only
// what it is given), and for an actor of a region the region's name in
// English and in the search's language (hl), as a search engine knows it.
func searchNames(actors []config.Actor, hl string) map[string][]string {
	lang, err := language.Parse(hl)
	if err != nil || hl == "" {
		lang = language.AmericanEnglish
	}
	out := make(map[string][]string, len(actors))
	for _, a := range actors {
		names := slices.Clone(a.Aliases)
		if r, err := language.ParseRegion(a.Region); a.Region != "" && err == nil {
			for _, n := range []display.Namer{display.English.Regions(), display.Regions(lang)} {
				if n == nil {
					continue
				}
				if name := n.Name(r); name != "" && !slices.Contains(names, name) {
					names = append(names, name)
				}
			}
		}
		out[a.ID] = names
	}
	return out
}
