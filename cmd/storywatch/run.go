package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// Daemon timings.
const (
	// shutdownGrace is how long in-flight fetches and sends get after
	// SIGINT or SIGTERM before they are cancelled (README.md, "Running the daemon").
	shutdownGrace = 10 * time.Second
	// reloadDebounce collapses the burst of events of one editor save.
	reloadDebounce = 300 * time.Millisecond
	// outboxEvery is how often the delivery worker looks for due
	// deliveries when nothing wakes it earlier.
	outboxEvery = 5 * time.Second
	// backtestWindow is how far back a reload backtests new watches.
	backtestWindow = 48 * time.Hour
)

// cmdRun is the daemon: it polls and sends digests on schedule, sends the
// outbox, serves HTTP and reloads its config on change or SIGHUP, until
// SIGINT or SIGTERM (a.ctx) ends it.
func cmdRun(a *app, args []string) error {
	fs := a.flags("run")
	logFormat := fs.String("log-format", "auto", "log format: json, text, or auto (text on a terminal, JSON otherwise)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("run takes no arguments, got %q", rest)
	}
	log, err := newLogger(a.stdout, *logFormat, *logLevel)
	if err != nil {
		return &usageError{err}
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	lock, err := lockDatabase(cfg.Database)
	if err != nil {
		return err
	}
	defer lock.release()
	db, err := openStore(a.ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	gen, err := newGeneration(cfg, db, log)
	if err != nil {
		return &usageError{err}
	}

	d := &daemon{
		log:    log,
		db:     db,
		path:   a.resolveConfigPath(),
		getenv: a.getenv,
		kick:   make(chan struct{}, 1),
	}
	d.metrics = web.NewMetrics(d.outboxDepth)
	d.server = web.New(web.Options{Store: webStore{db}, Pages: db, Metrics: d.metrics, Log: log})
	d.sched = monitor.NewScheduler(log)
	d.install(gen)
	return d.run(a.ctx, cfg.Listen)
}

// newLogger returns the daemon's logger writing to w: JSON for machines
// (the default when w is not a terminal, as in a container), text for
// people.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "auto", "":
		if isTerminal(w) {
			return slog.New(slog.NewTextHandler(w, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want json, text or auto", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// daemon is a running `storywatch run`.
type daemon struct {
	log     *slog.Logger
	db      *store.DB
	path    string
	getenv  func(string) string
	metrics *web.Metrics
	server  *web.Server
	sched   *monitor.Scheduler
	// kick wakes the delivery worker after a digest was recorded.
	kick chan struct{}

	gen atomic.Pointer[generation]
	// cycleMu keeps the instant digests of two poll jobs from racing.
	cycleMu sync.Mutex
	// instantChecked is set once every instant digest succeeded after a
	// cycle of this process: hits stored by a run killed before its
	// digest, or kept back by a failed digest, must not wait for the next
	// new hit.
	instantChecked atomic.Bool
	// digestStore, when set, replaces db for recording digests (tests).
	digestStore notify.DigestStore
}

// generation is everything built from one config: it is swapped in whole
// on a reload.
type generation struct {
	cfg     *config.Config
	matcher *match.Matcher
	// feeds groups the feeds by schedule spec; groups[spec] is polled by
	// the job "poll <spec>".
	groups    map[string][]monitor.FeedConfig
	schedules map[string]cron.Schedule
	poller    *monitor.Poller
	digests   []notify.Spec
	senders   map[string]notify.Sender
	// polls is held for reading by each poll of this generation; a reload
	// takes it for writing once the next generation is installed, so that
	// its backtest sees every item this generation's matcher saw.
	polls sync.RWMutex
}

// newGeneration translates a config into the parts the daemon runs.
func newGeneration(cfg *config.Config, db *store.DB, log *slog.Logger) (*generation, error) {
	m, err := match.Compile(watchlist(cfg))
	if err != nil {
		return nil, fmt.Errorf("compile watchlist: %w", err)
	}
	g := &generation{cfg: cfg, matcher: m, groups: map[string][]monitor.FeedConfig{}, schedules: map[string]cron.Schedule{}}
	feeds := feedConfigs(cfg, time.Now())
	for i, f := range cfg.Feeds {
		s := cfg.Poll.Schedule
		if f.Schedule != nil {
			s = *f.Schedule
		}
		g.groups[s.Spec] = append(g.groups[s.Spec], feeds[i])
		g.schedules[s.Spec] = s.Schedule
	}
	g.poller = newPoller(cfg, db, m, log, nil)
	for _, dg := range cfg.Digests {
		g.digests = append(g.digests, digestSpec(cfg, dg))
	}
	g.senders, err = senders(cfg, db.Now)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// install makes g the running generation: the scheduler gets g's jobs and
// the HTTP server g's settings.
func (d *daemon) install(g *generation) {
	d.gen.Store(g)
	var jobs []monitor.Job
	for spec, feeds := range g.groups {
		jobs = append(jobs, monitor.Job{Name: "poll " + spec, Schedule: g.schedules[spec], Run: d.pollJob(g, feeds)})
	}
	for i, dg := range g.cfg.Digests {
		if dg.Instant || dg.Schedule == nil {
			continue
		}
		spec := g.digests[i]
		jobs = append(jobs, monitor.Job{Name: "digest " + dg.ID, Schedule: dg.Schedule.Schedule, Run: d.digestJob(spec)})
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
		Watchlist: watchlist(g.cfg), Location: g.cfg.Timezone})
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

// run runs every part until ctx is done, then shuts down in order: stop
// scheduling, let work in flight finish (shutdownGrace), stop HTTP.
func (d *daemon) run(ctx context.Context, listen string) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	// SIGHUP is ours from here on: a reload, not the end of the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var ln net.Listener
	if listen != "" {
		var err error
		ln, err = net.Listen("tcp", listen)
		if err != nil {
			return fmt.Errorf("listen %s: %w", listen, err)
		}
	}

	// work is the context of sends (and reload backtests): it outlives
	// ctx by most of the grace period, so that in-flight work can finish,
	// and is cancelled when the scheduler cancels its jobs, so that the
	// whole shutdown takes at most shutdownGrace.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	cancelAfter, _ := monitor.ShutdownSplit(shutdownGrace)
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(cancelAfter, cancelWork) })
	defer stopGrace()

	var wg sync.WaitGroup
	errc := make(chan error, 1)
	spawn := func(fn func()) {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	spawn(func() { d.sched.Run(ctx, shutdownGrace) })
	spawn(func() { d.deliver(ctx, work) })
	if ln != nil {
		spawn(func() {
			if err := d.server.Serve(ctx, ln); err != nil {
				select {
				case errc <- err:
				default:
				}
			}
		})
	}
	reload := make(chan string, 1)
	request := func(why string) {
		select {
		case reload <- why:
		default:
		}
	}
	spawn(func() {
		if err := config.Watch(ctx, d.path, reloadDebounce, func() { request("file changed") }); err != nil {
			d.log.Error("watch config; reload with SIGHUP instead", "error", err)
		}
	})
	spawn(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				request("SIGHUP")
			case why := <-reload:
				d.reload(work, why)
			}
		}
	})

	g := d.gen.Load()
	attrs := []any{"config", d.path, "database", g.cfg.Database, "feeds", len(g.cfg.Feeds),
		"watches", len(g.matcher.Watches()), "digests", len(g.cfg.Digests), "version", version}
	if ln != nil {
		attrs = append(attrs, "listen", ln.Addr().String())
	}
	d.log.Info("storywatch started", attrs...)
	// Poll at start rather than one interval later.
	for _, name := range pollJobNames(g) {
		d.sched.Trigger(name)
	}
	if len(g.groups) == 0 {
		// With no feeds there is no cycle to wait for.
		d.server.CycleDone(time.Now())
	}

	var err error
	select {
	case <-ctx.Done():
		d.log.Info("shutting down: finishing fetches and sends in flight", "grace_ms", shutdownGrace.Milliseconds())
	case err = <-errc:
		d.log.Error("http server stopped; shutting down", "error", err)
		stop()
	}
	wg.Wait()
	d.log.Info("storywatch stopped")
	return err
}

// pollJob polls feeds with g's poller, then runs g's instant digests when
// the cycle found hits.
func (d *daemon) pollJob(g *generation, feeds []monitor.FeedConfig) func(context.Context) {
	return func(ctx context.Context) {
		g.polls.RLock()
		defer g.polls.RUnlock()
		if d.gen.Load() != g {
			// A reload replaced g after this run was started: the new
			// generation's jobs poll with its matcher, and the reload's
			// backtest has already read the items.
			return
		}
		c, err := g.poller.Poll(ctx, feeds)
		d.recordCycle(c)
		if err != nil {
			if ctx.Err() != nil {
				// A shutdown cut the cycle short: not a failure.
				d.log.Info("poll cycle cut short by shutdown")
			} else {
				d.log.Error("poll cycle", "error", err)
			}
			return
		}
		end := c.Started.Add(c.Duration)
		d.metrics.Cycle(c.Duration, end)
		d.server.CycleDone(end)
		if r := g.cfg.Retention; r > 0 {
			if _, err := d.db.Prune(ctx, time.Now().Add(-r)); err != nil {
				d.log.Warn("prune item text", "error", err)
			}
		}
		d.instantDigests(ctx, c.HitsNew)
	}
}

// instantDigests runs the instant digests after a cycle that stored
// hitsNew new hits. With no new hits they run only until they have all
// succeeded once in this process: hits stored by a run killed before its
// digest, or left by a digest that failed, must not wait for the next new
// hit.
func (d *daemon) instantDigests(ctx context.Context, hitsNew int) {
	if hitsNew == 0 && d.instantChecked.Load() {
		return
	}
	d.cycleMu.Lock()
	defer d.cycleMu.Unlock()
	// The digests of the generation running now: a reload may have come
	// during the cycle.
	recorded, failed := false, false
	for _, spec := range d.gen.Load().digests {
		if !spec.Instant {
			continue
		}
		ok, err := d.runDigest(ctx, spec)
		if err != nil {
			failed = true
		}
		if ok {
			recorded = true
		}
	}
	d.instantChecked.Store(!failed)
	if recorded {
		d.wakeOutbox()
	}
}

// recordCycle counts a cycle's fetches, items, hits and stories.
func (d *daemon) recordCycle(c monitor.Cycle) {
	for _, f := range c.Feeds {
		switch f.Result {
		case monitor.ResultOK:
			d.metrics.Fetch(web.FetchOK)
		case monitor.ResultNotModified:
			d.metrics.Fetch(web.FetchNotModified)
		case monitor.ResultFailed:
			d.metrics.Fetch(web.FetchError)
		}
	}
	d.metrics.Items(c.ItemsNew)
	// StoriesNew counts the new items that joined no story of the window.
	d.metrics.Stories(c.StoriesNew)
	for w, n := range c.HitsByWatch {
		d.metrics.Hits(w, n)
	}
}

// digestJob records a scheduled digest and wakes the delivery worker.
func (d *daemon) digestJob(spec notify.Spec) func(context.Context) {
	return func(ctx context.Context) {
		if ok, _ := d.runDigest(ctx, spec); ok {
			d.wakeOutbox()
		}
	}
}

// runDigest records the digest of spec that is due now; it reports whether
// one was recorded, and logs and returns the error of a run that failed.
func (d *daemon) runDigest(ctx context.Context, spec notify.Spec) (bool, error) {
	var st notify.DigestStore = d.db
	if d.digestStore != nil {
		st = d.digestStore
	}
	g := notify.Digester{Store: st, Log: d.log}
	dg, err := g.Run(ctx, spec)
	if err != nil {
		d.log.Error("digest", "digest", spec.Name, "error", err)
		return false, err
	}
	return dg != nil, nil
}

func (d *daemon) wakeOutbox() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// deliver runs the delivery outbox until ctx is done: every outboxEvery and
// whenever a digest was recorded. Sends use work, which outlives ctx by
// the shutdown grace period.
func (d *daemon) deliver(ctx, work context.Context) {
	t := time.NewTicker(outboxEvery)
	defer t.Stop()
	for {
		g := d.gen.Load()
		ob := notify.Outbox{
			Store:   d.db,
			Senders: g.senders,
			Backoff: notify.Backoff{RetryAfter: g.cfg.Delivery.RetryAfter, RetryMax: g.cfg.Delivery.RetryMax, GiveUp: g.cfg.Delivery.GiveUp},
			Now:     d.db.Now,
			Log:     d.log,
			// Once the shutdown begins no new send starts; the ones in
			// flight keep work.
			Stop: ctx.Done(),
			OnResult: func(dl notify.Delivery, status notify.Status, _ error) {
				result := string(status)
				if status == notify.StatusPending {
					result = "retry"
				}
				d.metrics.Delivery(dl.Notifier, result)
			},
		}
		if _, err := ob.RunDue(work); err != nil && work.Err() == nil {
			d.log.Error("delivery outbox", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.kick:
		}
	}
}

// outboxDepth reads the number of waiting deliveries for /metrics.
func (d *daemon) outboxDepth() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := d.db.OutboxDepth(ctx)
	if err != nil {
		d.log.Warn("outbox depth", "error", err)
		return 0
	}
	return float64(n)
}

// webStore adapts the store to what the HTTP endpoints read.
type webStore struct{ db *store.DB }

func (s webStore) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

func (s webStore) Hits(ctx context.Context, q web.HitQuery) ([]web.Hit, error) {
	hits, err := s.db.Hits(ctx, store.HitFilter{Since: q.Since, Watch: q.Watch, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]web.Hit, len(hits))
	for i, h := range hits {
		out[i] = webHit(h)
	}
	return out, nil
}

// webHit translates a stored hit for the web package, whose JSON shape
// `hits -json` shares.
func webHit(h store.Hit) web.Hit {
	return web.Hit{ItemID: h.ItemID, Watch: h.Watch, ItemURL: h.ItemURL, Title: h.Title, Feed: h.Feed,
		Published: h.Published, FoundAt: h.FoundAt, Score: h.Score, Story: h.Story, Outlets: h.Outlets, Matches: h.Matches}
}
