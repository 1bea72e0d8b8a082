package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/feed"
)

// cmdFeedsImport prints the feeds of an OPML file (a feed reader's
// export) as the feeds: entries of a config, to paste into one.
func cmdFeedsImport(a *app, args []string) error {
	fs := a.flags("feeds import")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("usage: storywatch feeds import FILE.opml (or - for stdin)")
	}
	var data []byte
	if rest[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(a.stdin, config.DefaultMaxBody+1))
	} else {
		data, err = os.ReadFile(rest[0])
	}
	if err != nil {
		return fmt.Errorf("feeds import: %w", err)
	}
	subs, err := feed.ParseOPML(data)
	if err != nil {
		return fmt.Errorf("feeds import %s: %w", rest[0], err)
	}
	kept, skipped := feed.HTTPSubscriptions(subs)
	for _, u := range skipped {
		fmt.Fprintf(a.stderr, "storywatch: feeds import: skipped %q: not an http(s) URL\n", u)
	}
	header := fmt.Sprintf("%d feeds from %s; paste them into your config", len(kept), filepath.Base(rest[0]))
	return feed.WriteConfigEntries(a.stdout, header, kept)
}

// cmdFeedsExport writes the configured feeds as OPML, for a feed reader.
func cmdFeedsExport(a *app, args []string) error {
	fs := a.flags("feeds export")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("feeds export takes no arguments, got %q", rest)
	}
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	title := "storywatch feeds of " + filepath.Base(a.resolveConfigPath())
	return feed.WriteOPML(a.stdout, title, daemon.Subscriptions(c), time.Now())
}

// cmdFeedsDiscover fetches a web page and prints the feeds it announces
// (<link rel="alternate" type="application/rss+xml" …>) as feeds:
// entries. A URL that is itself a feed is printed as it is.
func cmdFeedsDiscover(a *app, args []string) error {
	fs := a.flags("feeds discover")
	timeout := fs.Duration("timeout", config.DefaultTimeout, "bound on the whole request")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("usage: storywatch feeds discover URL")
	}
	page, ok := feed.HTTPURL(rest[0])
	if !ok {
		return usagef("feeds discover: %q is not an http(s) URL", rest[0])
	}
	f := &feed.Fetcher{
		Client:    feed.NewHTTPClient(*timeout),
		UserAgent: strings.ReplaceAll(config.DefaultUserAgent, "VERSION", version),
		MaxBody:   config.DefaultMaxBody,
		Timeout:   *timeout,
	}
	comment, subs, err := feed.DiscoverURL(a.ctx, f, page)
	if err != nil {
		return fmt.Errorf("feeds discover: %w", err)
	}
	return feed.WriteConfigEntries(a.stdout, comment, subs)
}
