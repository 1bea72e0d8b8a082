package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// cmdOnce runs one poll cycle over every feed now, ignoring schedules (feeds
// backing off after errors or a Retry-After are still left alone), prunes
// old item text and prints a summary. Feed failures are reported, not
// fatal: the command fails only when every feed it fetched failed.
func cmdOnce(a *app, args []string) error {
	fs := a.flags("once")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	m, err := match.Compile(watchlist(c))
	if err != nil {
		return &usageError{fmt.Errorf("compile watchlist: %w", err)}
	}
	log := a.logger()
	db, err := openStore(a.ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()

	var progress func(done, total int)
	if isTerminal(a.stderr) {
		var mu sync.Mutex
		progress = func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(a.stderr, "\rpolled %d/%d feeds", done, total)
			if done == total {
				fmt.Fprintln(a.stderr)
			}
		}
	}
	cycle, err := pollOnce(a.ctx, c, db, m, log, progress)
	printCycle(a.stdout, cycle)
	if err != nil {
		return err
	}
	// Instant digests, then the delivery worker until nothing is due
	// (deliver.go).
	if err := afterCycle(a.ctx, c, db, log); err != nil {
		return err
	}
	return cycleFailure(cycle)
}

// logger returns the logger of one-shot commands: text on stderr, warnings
// and errors only, so that stdout stays the command's output.
func (a *app) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openStore opens the config's database.
func openStore(ctx context.Context, c *config.Config, log *slog.Logger) (*store.DB, error) {
	if strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://") {
		return nil, errors.New("database: PostgreSQL is not supported yet; use a SQLite file path")
	}
	return store.Open(ctx, c.Database, store.WithLogger(log))
}

// newPoller translates the config into a Poller. client may be nil.
func newPoller(c *config.Config, db *store.DB, m *match.Matcher, log *slog.Logger, client *http.Client) *monitor.Poller {
	return monitor.NewPoller(db, m, feedConfigs(c, time.Now()), pollerOptions(c, log, client))
}

// pollerOptions translates the poll section of the config.
func pollerOptions(c *config.Config, log *slog.Logger, client *http.Client) monitor.Options {
	return monitor.Options{
		Fetch: feed.Fetcher{
			Client:    client,
			UserAgent: strings.ReplaceAll(c.Poll.UserAgent, "VERSION", version),
			Timeout:   c.Poll.Timeout,
			MaxBody:   c.Poll.MaxBody,
		},
		Concurrency: c.Poll.Concurrency,
		PerHost:     c.Poll.PerHost,
		Backfill:    backfillOption(c.Poll.Backfill),
		Logger:      log,
	}
}

// backfillOption translates poll.backfill for monitor, where zero means
// its default: a configured 0 means no backfill, which monitor spells as a
// negative duration.
func backfillOption(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// feedConfigs lists the config's feeds with their poll interval, measured
// between the schedule's next two runs after now.
func feedConfigs(c *config.Config, now time.Time) []monitor.FeedConfig {
	out := make([]monitor.FeedConfig, len(c.Feeds))
	for i, f := range c.Feeds {
		sched := c.Poll.Schedule
		if f.Schedule != nil {
			sched = *f.Schedule
		}
		out[i] = monitor.FeedConfig{URL: f.URL, Name: f.Name, Interval: interval(sched, now),
			Aggregator: slices.Contains(f.Tags, "aggregator")}
	}
	return out
}

func interval(s config.Schedule, now time.Time) time.Duration {
	if s.Schedule == nil {
		return 0
	}
	next := s.Next(now)
	return s.Next(next).Sub(next)
}

// pollOnce runs one cycle over every feed, then prunes item text older than
// the retention period. progress may be nil.
func pollOnce(ctx context.Context, c *config.Config, db *store.DB, m *match.Matcher, log *slog.Logger, progress func(done, total int)) (monitor.Cycle, error) {
	opts := pollerOptions(c, log, nil)
	opts.Progress = progress
	p := monitor.NewPoller(db, m, feedConfigs(c, time.Now()), opts)
	cycle, err := p.PollAll(ctx)
	if err != nil {
		return cycle, fmt.Errorf("poll: %w", err)
	}
	if c.Retention > 0 {
		if _, err := db.Prune(ctx, time.Now().Add(-c.Retention)); err != nil {
			log.Warn("prune", "error", err)
		}
	}
	return cycle, nil
}

// printCycle writes the cycle's summary and one line per failed feed.
func printCycle(w io.Writer, c monitor.Cycle) {
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
			fmt.Fprintf(w, "failed: %s: %v (next attempt %s)\n", feed.RedactURL(r.URL), r.Err, formatTime(r.NextAttempt))
		case monitor.ResultDeferred:
			fmt.Fprintf(w, "backing off: %s until %s\n", feed.RedactURL(r.URL), formatTime(r.NextAttempt))
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

// openConfigStore loads the config and opens its database, for the commands
// that read or change what the daemon stored.
func (a *app) openConfigStore() (*config.Config, *store.DB, error) {
	c, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(a.ctx, c, a.logger())
	if err != nil {
		return nil, nil, err
	}
	return c, db, nil
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
