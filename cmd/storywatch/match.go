package main

import (
	"fmt"

	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

// cmdMatch runs the watchlist over feed files, URLs or stdin without a
// database. A source that cannot be read or parsed is reported on stderr
// and skipped; the command then fails at the end.
func cmdMatch(a *app, args []string) error {
	fs := a.flags("match")
	all := fs.Bool("all", false, "print every item, not only those that match")
	asJSON := fs.Bool("json", false, "print one JSON object per item")
	asText := fs.Bool("text", false, "treat each source as one plain-text document")
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: storywatch match [-all] [-json] [-text] SOURCE…  (files, http(s) URLs or - for stdin)")
		fs.PrintDefaults()
	}
	sources, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		return usagef("match: no source given (feed files, http(s) URLs or - for stdin)")
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	m, err := match.Compile(daemon.Watchlist(cfg))
	if err != nil {
		return fmt.Errorf("match: compile watchlist: %w", err)
	}
	r := daemon.MatchSource(cfg, version, a.stdin)

	failed := 0
	for _, src := range sources {
		if err := a.ctx.Err(); err != nil {
			return fmt.Errorf("match: %w", err)
		}
		if err := matchSource(a, r, m, src, *all, *asJSON, *asText); err != nil {
			fmt.Fprintln(a.stderr, "storywatch: match:", match.OneLine(err.Error()))
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("match: %d of %d sources failed", failed, len(sources))
	}
	return nil
}

// matchSource reads, parses, matches and prints one source.
func matchSource(a *app, r *feed.Source, m *match.Matcher, src string, all, asJSON, asText bool) error {
	items, err := r.Match(a.ctx, src, m, asText, all)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := it.Write(a.stdout, asJSON); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}
