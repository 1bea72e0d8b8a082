package daemon

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/store"
)

// reloadDebounce collapses the burst of events of one editor save.
const reloadDebounce = 300 * time.Millisecond

// Run runs the daemon until ctx is done: the scheduled polls and digests
// (every feed is polled at once on start), the delivery loop, the HTTP
// endpoints on the config's listen address, and reloads when the config
// file changes or Hangup receives. Then it shuts down within the grace
// period: nothing new starts, the work in flight finishes or is cancelled
// (see the package comment), HTTP stops. Run returns nil after a clean
// stop, or the error that stopped it (the listener, the HTTP server). A
// daemon runs once.
func (d *Daemon) Run(ctx context.Context) error {
	g := d.gen.Load()
	var ln net.Listener
	if listen := g.cfg.Listen; listen != "" {
		var err error
		ln, err = net.Listen("tcp", listen)
		if err != nil {
			return fmt.Errorf("listen %s: %w", listen, err)
		}
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	// The parts that end with ctx and touch no stored state but through
	// the drain: the scheduler, HTTP and the config watcher.
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Go(func() { d.sched.Run(ctx) })
	if ln != nil {
		wg.Go(func() {
			if err := d.server.Serve(ctx, ln); err != nil {
				errc <- err
			}
		})
	}
	reload := make(chan string, 1)
	if d.opts.ConfigPath != "" {
		wg.Go(func() {
			err := config.Watch(ctx, d.opts.ConfigPath, reloadDebounce, func() {
				select {
				case reload <- "file changed":
				default:
				}
			})
			if err != nil {
				d.log.Error("watch config; reload with SIGHUP instead", "error", err)
			}
		})
	}
	leader := d.store.Leader()
	d.leader.Store(leader)
	d.drain.spawn(d.deliverLoop)
	d.drain.spawn(d.listenOutbox)
	d.drain.spawn(func(ctx context.Context) { d.reloadLoop(ctx, reload) })
	d.drain.spawn(d.startBacktest)

	d.started(g, ln)
	var err error
	select {
	case <-ctx.Done():
		d.log.Info("shutting down: finishing fetches and sends in flight", "grace_ms", d.opts.Grace.Milliseconds())
	case err = <-errc:
		d.log.Error("http server stopped; shutting down", "error", err)
		stop()
	}
	d.drain.close(d.opts.Grace, d.log)
	wg.Wait()
	if err := leader.Close(); err != nil {
		d.log.Warn("give up the leadership", "error", err)
	}
	d.log.Info("storywatch stopped")
	return err
}

// Serve serves the HTTP endpoints and the desk's pages of the running
// config on ln until ctx is done, and runs nothing else: `demo -serve`
// shows the pages over the database that Once filled.
func (d *Daemon) Serve(ctx context.Context, ln net.Listener) error {
	return d.server.Serve(ctx, ln)
}

// started logs the start and polls every feed now rather than one
// interval later.
func (d *Daemon) started(g *generation, ln net.Listener) {
	attrs := []any{"config", d.opts.ConfigPath, "database", store.Redact(g.cfg.Database), "feeds", len(g.cfg.Feeds),
		"watches", len(g.matcher.Watches()), "digests", len(g.cfg.Digests), "version", d.opts.Version,
		"replica", d.replica}
	if ln != nil {
		attrs = append(attrs, "listen", ln.Addr().String())
	}
	d.log.Info("storywatch started", attrs...)
	for _, name := range pollJobNames(g) {
		d.sched.Trigger(name)
	}
	d.scheduleDigests(g, true)
	if len(g.feeds) == 0 {
		// With no feeds there is no cycle to wait for.
		d.server.CycleDone(d.now())
	}
}

// startBacktest backtests what the watchlist owes at start: the watches
// edited while the daemon was stopped, and a backtest a kill cut short. A
// reload waits for it, and then owes only what it changes itself.
func (d *Daemon) startBacktest(ctx context.Context) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.backtestOwed(ctx, d.gen.Load())
}

// reloadLoop reloads the config file on each request (a change of the
// file) and each value of Hangup, until the shutdown begins.
func (d *Daemon) reloadLoop(ctx context.Context, reload <-chan string) {
	for {
		select {
		case <-d.drain.stopped():
			return
		case <-d.opts.Hangup:
			d.reloadFile(ctx, "SIGHUP")
		case why := <-reload:
			d.reloadFile(ctx, why)
		}
	}
}
