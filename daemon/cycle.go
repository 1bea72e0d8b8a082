package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/web"
)

// pollJob is the scheduled job that polls feeds with g's poller, through
// the drain.
func (d *Daemon) pollJob(g *generation, feeds []monitor.FeedConfig) func() {
	return func() {
		d.drain.do(func(ctx context.Context) { d.runPoll(ctx, g, feeds) })
	}
}

// runPoll is one run of a poll job: the cycle, then what follows it.
func (d *Daemon) runPoll(ctx context.Context, g *generation, feeds []monitor.FeedConfig) {
	c, err := d.poll(ctx, g, feeds)
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
	}
	// Each digest logs its own failure; the delivery loop sends what they
	// recorded.
	_ = d.afterCycle(ctx, g, c)
}

// errReplaced is poll's answer when a reload replaced the generation
// whose run was started.
var errReplaced = errors.New("generation replaced by a reload")

// poll runs one cycle of g over feeds and counts it.
func (d *Daemon) poll(ctx context.Context, g *generation, feeds []monitor.FeedConfig) (monitor.Cycle, error) {
	g.polls.RLock()
	defer g.polls.RUnlock()
	if d.gen.Load() != g {
		// A reload replaced g after this run was started: the new
		// generation's jobs poll with its matcher, and the reload's
		// backtest has already read the items.
		return monitor.Cycle{}, errReplaced
	}
	c, err := g.poller.Poll(ctx, feeds)
	d.recordCycle(c)
	if err != nil {
		return c, fmt.Errorf("poll: %w", err)
	}
	end := c.Started.Add(c.Duration)
	d.metrics.Cycle(c.Duration, end)
	d.server.CycleDone(end)
	return c, nil
}

// afterCycle is what follows every poll cycle, in Run and Once alike:
// item text past the retention period is pruned, then the instant digests
// record what the cycle found (or what an earlier run left), and the
// delivery loop is woken when they recorded anything. Its error is that of
// the digests; each is logged.
func (d *Daemon) afterCycle(ctx context.Context, g *generation, c monitor.Cycle) error {
	if r := g.cfg.Retention; r > 0 {
		if _, err := d.store.Prune(ctx, d.now().Add(-r)); err != nil {
			d.log.Warn("prune item text", "error", err)
		}
	}
	recorded, err := d.instantDigests(ctx, c.HitsNew)
	if recorded {
		d.wakeOutbox()
	}
	return err
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

// Once runs one poll cycle over every feed now, ignoring schedules (feeds
// backing off after errors or a Retry-After are still left alone), then
// what follows every cycle in Run: pruning and the instant digests; then
// it sends every delivery that is due, until none is. It returns the cycle
// even with an error. A cycle that could not run stops there; a digest
// that fails does not stop the others or the outbox, and their errors
// come back joined. Deliveries that fail stay in the outbox for their
// retry.
func (d *Daemon) Once(ctx context.Context) (monitor.Cycle, error) {
	g := d.gen.Load()
	c, err := d.poll(ctx, g, g.feeds)
	if err != nil {
		return c, err
	}
	return c, errors.Join(d.afterCycle(ctx, g, c), d.SendDue(ctx))
}
