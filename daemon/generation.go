package daemon

import (
	"fmt"
	"sort"
	"sync"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/web"
)

// generation is everything built from one config: it is swapped in whole
// on a reload.
type generation struct {
	cfg     *config.Config
	matcher *match.Matcher
	// groups holds the feeds by schedule spec; groups[spec] is polled by
	// the job "poll <spec>".
	groups    map[string][]monitor.FeedConfig
	schedules map[string]cron.Schedule
	// feeds are every feed, in config order (Once polls them all).
	feeds   []monitor.FeedConfig
	poller  *monitor.Poller
	digests []notify.Spec
	senders map[string]notify.Sender
	// polls is held for reading by each poll of this generation; a reload
	// takes it for writing once the next generation is installed, so that
	// its backtest sees every item this generation's matcher saw.
	polls sync.RWMutex
}

// newGeneration translates a config into the parts the daemon runs.
func (d *Daemon) newGeneration(cfg *config.Config) (*generation, error) {
	m, err := match.Compile(Watchlist(cfg))
	if err != nil {
		return nil, fmt.Errorf("compile watchlist: %w", err)
	}
	g := &generation{cfg: cfg, matcher: m, groups: map[string][]monitor.FeedConfig{}, schedules: map[string]cron.Schedule{}}
	feeds := feedConfigs(cfg, d.now())
	g.feeds = feeds
	for i, f := range cfg.Feeds {
		s := feedSchedule(cfg, f)
		g.groups[s.Spec] = append(g.groups[s.Spec], feeds[i])
		g.schedules[s.Spec] = s.Schedule
	}
	opts := pollerOptions(cfg, d.opts.Version)
	opts.Logger, opts.Now, opts.Progress, opts.Stop = d.log, d.now, d.opts.Progress, d.drain.stopped()
	g.poller = monitor.NewPoller(d.store, m, feeds, opts)
	for _, dg := range cfg.Digests {
		g.digests = append(g.digests, digestSpec(cfg, dg))
	}
	g.senders, err = senders(cfg, d.now, d.opts.Version)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// install makes g the running generation: the scheduler gets g's jobs and
// the HTTP server g's settings.
func (d *Daemon) install(g *generation) {
	d.gen.Store(g)
	var jobs []monitor.Job
	for spec, feeds := range g.groups {
		jobs = append(jobs, monitor.Job{Name: "poll " + spec, Schedule: g.schedules[spec], Run: d.pollJob(g, feeds)})
	}
	for i, dg := range g.cfg.Digests {
		if dg.Instant || dg.Schedule == nil {
			continue
		}
		jobs = append(jobs, monitor.Job{Name: "digest " + dg.ID, Schedule: dg.Schedule.Schedule, Run: d.digestJob(g.digests[i])})
	}
	if err := d.sched.Set(jobs); err != nil {
		// Names come from distinct specs and ids; this is a bug.
		d.log.Error("schedule jobs", "error", err)
	}
	watches := map[string]string{}
	for _, w := range g.matcher.Watches() {
		watches[w.ID] = w.Title
	}
	var polls []web.Schedule
	for _, sc := range g.schedules {
		polls = append(polls, readiness(sc))
	}
	d.server.Configure(web.Settings{Token: g.cfg.HTTPToken, PollSchedules: polls, Watches: watches,
		Watchlist: Watchlist(g.cfg), Location: g.cfg.Timezone})
}

// readiness translates a poll schedule for /readyz: an @every schedule
// has no fixed ticks, only its interval.
func readiness(sc cron.Schedule) web.Schedule {
	if e, ok := sc.(cron.ConstantDelaySchedule); ok {
		return web.Every(e.Delay)
	}
	return sc
}

// pollJobNames returns the names of the poll jobs of g, sorted.
func pollJobNames(g *generation) []string {
	names := make([]string, 0, len(g.groups))
	for spec := range g.groups {
		names = append(names, "poll "+spec)
	}
	sort.Strings(names)
	return names
}
