package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/secret"
)

// cmdOnce runs one poll cycle over every feed now, ignoring schedules (feeds
// backing off after errors or a Retry-After are still left alone), prunes
// old item text, runs the instant digests and the outbox, and prints a
// summary. Feed failures are reported, not fatal: the command fails only
// when every feed it fetched failed.
func cmdOnce(a *app, args []string) error {
	fs := a.flags("once")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	log := a.logger()
	db, err := openStore(a.ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// The summary names every feed that failed, with its error: the poll
	// cycle's own warning about it would say the same again.
	opts := daemonOptions(c, db, slog.New(withoutFeedRecords{log.Handler()}))
	if isTerminal(a.stderr) {
		var mu sync.Mutex
		opts.Progress = func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(a.stderr, "\rpolled %d/%d feeds", done, total)
			if done == total {
				fmt.Fprintln(a.stderr)
			}
		}
	}
	d, err := newDaemon(opts)
	if err != nil {
		return err
	}
	// The cycle, then what follows every cycle of the daemon: pruning,
	// instant digests and the outbox until nothing is due.
	report, err := d.Once(a.ctx)
	printCycle(a.stdout, report.Cycle, feedNames(c), a.secrets)
	printDigests(a.stdout, report, instantDigests(c))
	if err != nil {
		return err
	}
	return cycleFailure(report.Cycle)
}

// logger returns the logger of one-shot commands: text on stderr, warnings
// and errors only, so that stdout stays the command's output.
func (a *app) logger() *slog.Logger {
	h := slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	return slog.New(secret.Handler(h, a.secrets))
}

// printCycle writes the cycle's summary and one line per failed feed,
// named as in the config (names maps feed URLs to their names), with
// secrets scrubbed from the feed URLs (errors come scrubbed).
func printCycle(w io.Writer, c monitor.Cycle, names map[string]string, secrets *secret.Set) {
	fmt.Fprintf(w, "polled %s in %s: %d ok, %d not modified, %d failed, %d backing off; %s, %s\n",
		plural(len(c.Feeds), "feed"), c.Duration.Round(time.Millisecond), c.OK, c.NotModified, c.Failed, c.Deferred,
		plural(c.ItemsNew, "new item"), plural(c.HitsNew, "new hit"))
	if len(c.HitsByWatch) > 0 {
		watches := make([]string, 0, len(c.HitsByWatch))
		for w := range c.HitsByWatch {
			watches = append(watches, w)
		}
		sort.Strings(watches)
		parts := make([]string, len(watches))
		for i, id := range watches {
			parts[i] = fmt.Sprintf("%s %d", id, c.HitsByWatch[id])
		}
		fmt.Fprintf(w, "new hits by watch: %s\n", strings.Join(parts, ", "))
	}
	for _, r := range c.Feeds {
		switch r.Result {
		case monitor.ResultFailed:
			fmt.Fprintf(w, "failed: %s: %v (next attempt %s)\n", secrets.Scrub(feedLabel(names[r.URL], r.URL)), r.Err, formatTime(r.NextAttempt))
		case monitor.ResultDeferred:
			fmt.Fprintf(w, "backing off: %s until %s\n", secrets.Scrub(feedLabel(names[r.URL], r.URL)), formatTime(r.NextAttempt))
		}
	}
}

// cycleFailure fails the command when feeds were fetched and all failed.
func cycleFailure(c monitor.Cycle) error {
	if c.Failed > 0 && c.OK+c.NotModified == 0 {
		return fmt.Errorf("every feed fetched failed (%d)", c.Failed)
	}
	return nil
}

// formatTime prints a time for humans in UTC, or "-" when unset.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// writeJSONLines writes one JSON object a line, as every -json flag does;
// feed text stays readable (no \u003c escapes).
func writeJSONLines[T any](w io.Writer, vs []T) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}
