package main

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/storywatch/storywatch/backtest"
	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/match"
)

// reload loads the config file again. A valid file is swapped in whole and
// its new or changed watches are backtested; an invalid one is logged,
// problem by problem with its FILE:LINE:COL, and the running config stays.
func (d *daemon) reload(ctx context.Context, why string) {
	cfg, err := config.Load(d.path, d.getenv)
	if err != nil {
		d.metrics.Reload(false)
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				d.log.Error("invalid config", "error", e.Error())
			}
			d.log.Error("config not reloaded: keeping the running one", "reason", why, "problems", len(errs))
			return
		}
		d.log.Error("config not reloaded: keeping the running one", "reason", why, "error", err)
		return
	}
	old := d.gen.Load()
	if cfg.Database != old.cfg.Database {
		d.log.Warn("a new database takes a restart; keeping the open one", "database", old.cfg.Database)
		cfg.Database = old.cfg.Database
	}
	if cfg.Listen != old.cfg.Listen {
		d.log.Warn("a new listen address takes a restart; keeping the current one", "listen", old.cfg.Listen)
	}
	g, err := newGeneration(cfg, d.db, d.log)
	if err != nil {
		d.metrics.Reload(false)
		d.log.Error("config not reloaded: keeping the running one", "reason", why, "error", err)
		return
	}
	changed := changedWatches(old.cfg, cfg)
	d.install(g)
	d.metrics.Reload(true)
	d.log.Info("config reloaded", "reason", why, "feeds", len(cfg.Feeds), "watches", len(g.matcher.Watches()),
		"digests", len(cfg.Digests), "new_or_changed_watches", strings.Join(changed, ","))
	if len(changed) > 0 {
		// A poll of the old generation may still be running with the old
		// matcher: the items it commits after the backtest read them
		// would never be matched by the new watches. Wait for it; later
		// runs of the old generation see g installed and do nothing.
		old.polls.Lock()
		//lint:ignore SA2001 an empty critical section: only the wait matters
		old.polls.Unlock()
		d.backtest(ctx, g.matcher, changed)
	}
}

// changedWatches returns the tracked watches of next that are new or whose
// definition differs from prev, sorted. A storyline also changes when an
// actor its query names changes.
func changedWatches(prev, next *config.Config) []string {
	before, after := watchDefinitions(prev), watchDefinitions(next)
	var changed []string
	for id, def := range after {
		if before[id] != def {
			changed = append(changed, id)
		}
	}
	sort.Strings(changed)
	return changed
}

// watchDefinitions maps each tracked watch id to a text that changes
// whenever what the watch matches does.
func watchDefinitions(c *config.Config) map[string]string {
	actors := map[string]string{}
	defs := map[string]string{}
	for _, a := range c.Actors {
		actors[a.ID] = strings.Join(a.Aliases, "\x00")
		if a.Track {
			defs[a.ID] = "actor\x00" + actors[a.ID]
		}
	}
	for _, s := range c.Storylines {
		def := "storyline\x00" + s.Query
		if q, err := match.ParseQuery(s.Query); err == nil {
			names := slices.Clone(q.Actors())
			sort.Strings(names)
			for _, a := range names {
				def += "\x00@" + a + "=" + strconv.Quote(actors[a])
			}
		}
		defs[s.ID] = def
	}
	return defs
}

// backtest matches the items of the last backtestWindow against the given
// watches and stores their hits as backfilled: visible in hits, the API
// and scheduled digests, never sent as instant alerts.
func (d *daemon) backtest(ctx context.Context, m *match.Matcher, watches []string) {
	start := time.Now()
	res, err := backtest.Run(ctx, d.db, m, backtest.Options{Since: start.Add(-backtestWindow), Watches: watches})
	if err != nil {
		d.log.Error("backtest", "error", err)
		return
	}
	added, err := res.Apply(ctx, d.db)
	if err != nil {
		d.log.Error("backtest", "error", err)
		return
	}
	total := 0
	for w, n := range added {
		d.metrics.Hits(w, n)
		total += n
	}
	d.log.Info("backtest of new and changed watches", "watches", strings.Join(watches, ","),
		"items", res.Items, "hits_new", total, "duration_ms", time.Since(start).Milliseconds())
}
