package daemon

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/store"
)

// Reload swaps in cfg whole: feeds, watchlist, schedules, digests and
// notifiers; a new database or listen address takes a restart and is
// logged and ignored. Watches that cfg adds or changes are then backtested
// over the last 48 h of stored items (backtest.go), so that an edit finds
// recent coverage at once; their hits are stored as backfilled (never sent
// as instant alerts). An error means cfg could not be built into a running
// generation, and the running config stays.
func (d *Daemon) Reload(cfg *config.Config) error {
	var err error
	if !d.drain.do(func(ctx context.Context) { err = d.apply(ctx, cfg, "requested") }) {
		return errStopping
	}
	return err
}

// errStopping is the error of work asked of a daemon that is shutting
// down.
var errStopping = errors.New("daemon is shutting down")

// reloadFile loads the config file again and applies it. An invalid file
// is logged, problem by problem with its FILE:LINE:COL, and the running
// config stays.
func (d *Daemon) reloadFile(ctx context.Context, why string) {
	cfg, err := LoadConfigContext(ctx, d.opts.ConfigPath, d.opts.Getenv)
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
	if err := d.apply(ctx, cfg, why); err != nil {
		d.log.Error("config not reloaded: keeping the running one", "reason", why, "error", err)
	}
}

// apply is Reload, logged with the reason for it; the backtest runs with
// ctx.
func (d *Daemon) apply(ctx context.Context, cfg *config.Config, why string) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	old := d.gen.Load()
	if cfg.Database != old.cfg.Database {
		d.log.Warn("a new database takes a restart; keeping the open one", "database", store.Redact(old.cfg.Database))
		cfg.Database = old.cfg.Database
	}
	if cfg.Listen != old.cfg.Listen {
		d.log.Warn("a new listen address takes a restart; keeping the current one", "listen", old.cfg.Listen)
	}
	g, err := d.newGeneration(cfg)
	if err != nil {
		d.metrics.Reload(false)
		return err
	}
	changed := changedWatches(old.cfg, cfg)
	d.secrets.Replace(cfg.Secrets...)
	d.install(g)
	d.scheduleDigests(g, false)
	d.metrics.Reload(true)
	d.log.Info("config reloaded", "reason", why, "feeds", len(cfg.Feeds), "watches", len(g.matcher.Watches()),
		"digests", len(cfg.Digests), "new_or_changed_watches", strings.Join(changed, ","))
	if len(changed) == 0 {
		// Nothing to wait for; a backtest a kill cut short is still owed.
		d.backtestOwed(ctx, g)
		return nil
	}
	// A poll of the old generation may still be running with the old
	// matcher: the items it commits after the backtest read them would
	// never be matched by the new watches. Wait for it; later runs of the
	// old generation see g installed and do nothing.
	old.polls.Lock()
	//lint:ignore SA2001 an empty critical section: only the wait matters
	old.polls.Unlock()
	d.backtestOwed(ctx, g)
	return nil
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
