package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/feed"
)

// instantDigests counts the config's instant digests.
func instantDigests(c *config.Config) int { return c.InstantDigests() }

// feedNames maps each configured feed's URL to its name ("" when none).
func feedNames(c *config.Config) map[string]string { return c.FeedNames() }

// feedLabel names a feed for a summary line (feed.Label).
func feedLabel(name, raw string) string { return feed.Label(name, raw) }

// printDigests says which digests a run of once recorded and how each
// delivery it attempted went.
func printDigests(w io.Writer, r daemon.Report, instant int) { r.WriteDigests(w, instant) }

// withoutFeedRecords drops the records once's summary repeats
// (daemon.Unsummarized).
type withoutFeedRecords struct{ slog.Handler }

func (h withoutFeedRecords) Handle(ctx context.Context, r slog.Record) error {
	return daemon.Unsummarized(h.Handler).Handle(ctx, r)
}

func (h withoutFeedRecords) WithAttrs(attrs []slog.Attr) slog.Handler {
	return daemon.Unsummarized(h.Handler.WithAttrs(attrs))
}

func (h withoutFeedRecords) WithGroup(name string) slog.Handler {
	return daemon.Unsummarized(h.Handler.WithGroup(name))
}
