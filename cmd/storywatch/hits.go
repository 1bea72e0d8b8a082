package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/safe"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// cmdHits lists stored hits, newest first.
func cmdHits(a *app, args []string) error {
	fs := a.flags("hits")
	since := fs.String("since", "", "only hits found within this long (e.g. 6h, 7d)")
	watch := fs.String("watch", "", "only hits of this watch id")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	limit := fs.Int("limit", 0, "at most this many hits (0: all)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	filter := store.HitFilter{Watch: *watch, Limit: *limit}
	if *since != "" {
		d, err := parseSince(*since)
		if err != nil {
			return usagef("-since: %v", err)
		}
		filter.Since = time.Now().Add(-d)
	}
	c, db, err := a.openExistingStore()
	if err != nil {
		return err
	}
	defer db.Close()
	hits, err := db.Hits(a.ctx, filter)
	if err != nil {
		return err
	}
	if len(hits) == 0 {
		if err := unknownWatch(c, *watch); err != nil {
			return err
		}
	}
	if *asJSON {
		out := make([]web.HitJSON, len(hits))
		for i, h := range hits {
			out[i] = daemon.WebHit(h).JSON()
		}
		return writeJSONLines(a.stdout, out)
	}
	if len(hits) == 0 {
		fmt.Fprintln(a.stdout, "no hits")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FOUND\tWATCH\tSCORE\tFEED\tTITLE\tURL")
	for _, h := range hits {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", h.FoundAt.UTC().Format("2006-01-02 15:04Z"), h.Watch, h.Score,
			oneLine(h.Feed, 30), oneLine(h.Title, 80), safe.Link(h.ItemURL))
	}
	return tw.Flush()
}

// parseSince reads a -since flag: a duration as the config writes it
// (90m, 6h, 7d, 1d12h).
func parseSince(s string) (time.Duration, error) {
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// oneLine flattens s to one line of at most n runes, without the control
// characters that would drive the terminal (safe.Text).
func oneLine(s string, n int) string {
	s = safe.Text(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
