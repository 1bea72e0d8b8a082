package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/web"
)

// pollJob is the scheduled job that polls the feeds of g that are due,
// through the drain.
func (d *Daemon) pollJob(g *generation) func() {
	return func() {
		d.drain.do(func(ctx context.Context) { d.runPoll(ctx, g) })
	}
}

// runPoll is one run of the poll job: a cycle over the feeds that are due,
// then what follows it, and the WebSub subscriptions of the feeds it
// polled.
func (d *Daemon) runPoll(ctx context.Context, g *generation) {
	c, err := d.poll(ctx, g, g.poller.PollDue)
	switch {
	case errors.Is(err, errReplaced):
		return
	case err != nil && ctx.Err() != nil:
		// A shutdown cut the cycle short: not a failure.
		d.log.Info("poll cycle cut short by shutdown")
		return
	case err != nil:
		d.log.Error("poll cycle", "error", err)
		return
	case len(c.Feeds) == 0:
		return
	}
	// Each digest logs its own failure; the delivery loop sends what they
	// recorded.
	_, _ = d.afterCycle(ctx, g, c)
	var polled []string
	for _, f := range c.Feeds {
		if f.Result == monitor.ResultOK || f.Result == monitor.ResultNotModified {
			polled = append(polled, f.URL)
		}
	}
	if err := d.websub.Sync(ctx, polled); err != nil {
		d.log.Warn("websub", "error", err)
	}
}

// errReplaced is poll's answer when a reload replaced the generation
// whose run was started.
var errReplaced = errors.New("generation replaced by a reload")

// poll runs one cycle of g (cycle is g's poller's PollDue or PollAll) and
// counts it. A cycle with nothing due still tells /readyz that the poller
// is alive.
func (d *Daemon) poll(ctx context.Context, g *generation, cycle func(context.Context) (monitor.Cycle, error)) (monitor.Cycle, error) {
	g.polls.RLock()
	defer g.polls.RUnlock()
	if d.gen.Load() != g {
		// A reload replaced g after this run was started: the new
		// generation's jobs poll with its matcher, and the reload's
		// backtest has already read the items.
		return monitor.Cycle{}, errReplaced
	}
	c, err := cycle(ctx)
	if err == nil && len(c.Feeds) == 0 {
		d.server.CycleDone(c.Started)
		return c, nil
	}
	d.recordCycle(c)
	if err != nil {
		return c, fmt.Errorf("poll: %w", err)
	}
	end := c.Started.Add(c.Duration)
	d.metrics.Cycle(c.Duration, end)
	d.server.CycleDone(end)
	return c, nil
}

// pruneEvery spaces the pruning of old item text, which would otherwise
// follow each of the many small cycles.
const pruneEvery = 10 * time.Minute

// afterCycle is what follows every poll cycle, in Run and Once alike:
// item text past the retention period is pruned (at most every
// pruneEvery, by the leader of the processes sharing the database), then
// the instant digests record what the cycle found (or what an earlier run
// left), and the delivery loop is woken when they recorded anything. It returns the digests recorded; its error is that
// of the digests, each of which is logged.
func (d *Daemon) afterCycle(ctx context.Context, g *generation, c monitor.Cycle) ([]*notify.Digest, error) {
	now := d.now()
	if r := g.cfg.Retention; r > 0 && now.Sub(time.Unix(0, d.lastPrune.Load())) >= pruneEvery {
		d.lastPrune.Store(now.UnixNano())
		if !d.leading(ctx) {
			d.log.Debug("prune left to the leader")
		} else if _, err := d.store.Prune(ctx, now.Add(-r)); err != nil {
			d.log.Warn("prune item text", "error", err)
		}
	}
	recorded, err := d.instantDigests(ctx, c.HitsNew)
	if len(recorded) > 0 {
		d.wakeOutbox()
	}
	return recorded, err
}

// recordCycle counts a cycle's fetches, items, hits and stories.
func (d *Daemon) recordCycle(c monitor.Cycle) {
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
	d.metrics.Stories(c.StoriesNew)
	for w, n := range c.HitsByWatch {
		d.metrics.Hits(w, n)
	}
}

// Once backtests what the watchlist owes (backtest.go), runs one poll cycle
// over every feed now, ignoring schedules (feeds backing off after errors
// or a Retry-After are still left alone), then
// what follows every cycle in Run: pruning and the instant digests; then
// it sends every delivery that is due, until none is. Its Report says what
// the cycle found, which digests it recorded and how each delivery went,
// also with an error. A cycle that could not run stops there; a digest
// that fails does not stop the others or the outbox, and their errors
// come back joined. Deliveries that fail stay in the outbox for their
// retry.
func (d *Daemon) Once(ctx context.Context) (Report, error) {
	g := d.gen.Load()
	// What a change of the watchlist since the last run owes, first, as
	// Run does at start.
	d.backtestOwed(ctx, g)
	c, err := d.poll(ctx, g, g.poller.PollAll)
	r := Report{Cycle: c}
	if err != nil {
		return r, err
	}
	var digestErr error
	r.Digests, digestErr = d.afterCycle(ctx, g, c)
	sendErr := d.sendDue(ctx, func(dl notify.Delivery, status notify.Status, err error) {
		r.Deliveries = append(r.Deliveries, DeliveryResult{Delivery: dl, Status: status, Err: err})
	})
	return r, errors.Join(digestErr, sendErr)
}
