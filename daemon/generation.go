package daemon

import (
	"fmt"
	"strings"
	"sync"
	"time"

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
	// feeds are every feed, in config order: the job "poll" polls each
	// when it is due, Once polls them all.
	feeds []monitor.FeedConfig
	// readiness holds the poll schedules /readyz judges by.
	readiness []web.Schedule
	poller    *monitor.Poller
	digests   []notify.Spec
	senders   map[string]notify.Sender
	// digestRuns are when the scheduled digests last ran, as stored when
	// the generation was built.
	digestRuns map[string]time.Time
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
	feeds := feedConfigs(cfg, d.now())
	g := &generation{cfg: cfg, matcher: m, feeds: feeds}
	specs := map[string]bool{}
	for _, f := range cfg.Feeds {
		if s := feedSchedule(cfg, f); !specs[s.Spec] {
			specs[s.Spec] = true
			g.readiness = append(g.readiness, readiness(s, cfg.Poll.MaxInterval))
		}
	}
	opts := pollerOptions(cfg, d.opts.Version)
	opts.Logger, opts.Now, opts.Progress, opts.Stop = d.log, d.now, d.opts.Progress, d.drain.stopped()
	opts.Secrets, opts.Replica = d.secrets, d.replica
	g.poller = monitor.NewPoller(d.store, m, feeds, opts)
	for _, dg := range cfg.Digests {
		g.digests = append(g.digests, digestSpec(cfg, dg))
	}
	g.senders, err = senders(cfg, d.now, d.opts.Version, d.log)
	if err != nil {
		return nil, err
	}
	g.digestRuns = d.digestRuns()
	return g, nil
}

// install makes g the running generation: the scheduler gets g's jobs and
// the HTTP server g's settings.
func (d *Daemon) install(g *generation) {
	d.gen.Store(g)
	var jobs []monitor.Job
	if len(g.feeds) > 0 {
		jobs = append(jobs, monitor.Job{Name: "poll", Schedule: cron.Every(pollTick), Run: d.pollJob(g), Quiet: true})
	}
	if g.cfg.PublicURL != "" {
		jobs = append(jobs, monitor.Job{Name: "websub", Schedule: cron.Every(websubSyncEvery), Run: d.websubJob(g)})
	}
	d.websub.settings.Store(&websubSettings{PublicURL: g.cfg.PublicURL, MaxBody: g.cfg.Poll.MaxBody,
		UserAgent: strings.ReplaceAll(g.cfg.Poll.UserAgent, "VERSION", d.opts.Version)})
	for i, dg := range g.cfg.Digests {
		if dg.Instant || dg.Schedule == nil {
			continue
		}
		jobs = append(jobs, monitor.Job{Name: "digest " + dg.ID, Schedule: digestSchedule(dg.Schedule.Schedule, g.digestRuns[dg.ID], d.now()),
			Run: d.digestJob(g.digests[i], dg.Schedule.Schedule)})
	}
	if err := d.sched.Set(jobs); err != nil {
		// Names come from distinct specs and ids; this is a bug.
		d.log.Error("schedule jobs", "error", err)
	}
	watches := map[string]string{}
	for _, w := range g.matcher.Watches() {
		watches[w.ID] = w.Title
	}
	d.server.Configure(web.Settings{Token: g.cfg.HTTPToken, PollSchedules: g.readiness, Watches: watches,
		Watchlist: Watchlist(g.cfg), Location: g.cfg.Timezone, Jobs: Jobs(g.cfg), PublicURL: g.cfg.PublicURL})
	notifiers := make([]string, len(g.cfg.Notifiers))
	for i, n := range g.cfg.Notifiers {
		notifiers[i] = n.ID
	}
	d.metrics.Known(g.cfg.TrackedWatches(), notifiers)
}

// pollTick is how often the poll job looks for feeds that are due; each
// feed has its own time (docs/config.md, "When feeds are polled").
const pollTick = time.Second

// readiness translates a schedule for /readyz and /api/status: an @every
// schedule has no fixed ticks, only its interval, and an adaptive one
// polls at least every max_interval.
func readiness(s config.Schedule, maxInterval time.Duration) web.Schedule {
	if s.Adaptive || s.Schedule == nil {
		return web.Every(maxInterval)
	}
	if e, ok := s.Schedule.(cron.ConstantDelaySchedule); ok {
		return web.Every(e.Delay)
	}
	return s.Schedule
}

// pollJobNames returns the names of the poll jobs of g.
func pollJobNames(g *generation) []string {
	if len(g.feeds) == 0 {
		return nil
	}
	return []string{"poll"}
}
