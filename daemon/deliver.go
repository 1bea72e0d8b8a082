package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/notify"
)

// outboxEvery is how often the delivery loop looks for due deliveries when
// nothing wakes it earlier.
const outboxEvery = 5 * time.Second

// instantDigests runs the instant digests after a cycle that stored
// hitsNew new hits, and returns the digests they recorded. With no new
// hits they run only until they have all succeeded once in this process:
// hits stored by a run killed before its digest, or left by a digest that
// failed, must not wait for the next new hit. A failed digest does not stop
// the others; their errors come back joined.
func (d *Daemon) instantDigests(ctx context.Context, hitsNew int) ([]*notify.Digest, error) {
	if hitsNew == 0 && d.instantChecked.Load() {
		return nil, nil
	}
	d.cycleMu.Lock()
	defer d.cycleMu.Unlock()
	// The digests of the generation running now: a reload may have come
	// during the cycle.
	var recorded []*notify.Digest
	var errs []error
	for _, spec := range d.gen.Load().digests {
		if !spec.Instant {
			continue
		}
		dg, err := d.recordDigest(ctx, spec)
		if err != nil {
			d.log.Error("digest", "digest", spec.Name, "error", err)
			errs = append(errs, err)
		}
		if dg != nil {
			recorded = append(recorded, dg)
		}
	}
	d.instantChecked.Store(len(errs) == 0)
	if len(errs) > 0 {
		return recorded, fmt.Errorf("instant digests: %w", errors.Join(errs...))
	}
	return recorded, nil
}

// digestJob is the scheduled job of a digest with schedule s: it records
// the digest of the tick that is due through the drain, and wakes the
// delivery loop. Of the processes sharing the database, the first to
// record a tick records its digest; the others record nothing.
func (d *Daemon) digestJob(spec notify.Spec, s cron.Schedule) func() {
	return func() {
		d.drain.do(func(ctx context.Context) {
			now := d.now()
			tick, err := d.dueTick(ctx, spec.Name, s, now)
			if err != nil {
				d.log.Error("digest", "digest", spec.Name, "error", err)
				return
			}
			if tick.IsZero() {
				d.log.Debug("digest has no tick due", "digest", spec.Name)
				return
			}
			g := notify.Digester{Store: d.store, Now: d.now, Log: d.log}
			dg, err := g.RunTick(ctx, spec, tick)
			switch {
			case errors.Is(err, notify.ErrTickTaken):
				d.log.Info("digest tick already recorded by another process", "digest", spec.Name,
					"tick", tick.UTC().Format(time.RFC3339))
			case err != nil:
				d.log.Error("digest", "digest", spec.Name, "error", err)
			case dg != nil:
				d.wakeOutbox()
			}
		})
	}
}

// recordDigest records the digest of spec that is due now, with the
// daemon's clock; it returns nil when there was nothing to record.
func (d *Daemon) recordDigest(ctx context.Context, spec notify.Spec) (*notify.Digest, error) {
	g := notify.Digester{Store: d.store, Now: d.now, Log: d.log}
	return g.Run(ctx, spec)
}

// Digest records the configured digest called name as it is due now (nil
// when there is nothing to send) and then sends every delivery that is
// due, its own and any left over. Its deliveries' outcomes are in the
// store; the error is the recording's or the outbox's.
func (d *Daemon) Digest(ctx context.Context, name string) (*notify.Digest, error) {
	spec, err := d.spec(name)
	if err != nil {
		return nil, err
	}
	dg, err := d.recordDigest(ctx, spec)
	if err != nil {
		return nil, err
	}
	return dg, d.SendDue(ctx)
}

// PreviewDigest builds the configured digest called name as it would be
// recorded now, recording nothing.
func (d *Daemon) PreviewDigest(ctx context.Context, name string) (*notify.Digest, error) {
	spec, err := d.spec(name)
	if err != nil {
		return nil, err
	}
	g := notify.Digester{Store: d.store, Now: d.now, Log: d.log}
	return g.Preview(ctx, spec)
}

// SendDue sends every delivery that is due now, with the running config's
// notifiers and backoff, until none is. Failed deliveries are rescheduled
// (or dead) in the store; the error is a storage error. Once the shutdown
// has begun it starts no further delivery.
func (d *Daemon) SendDue(ctx context.Context) error {
	return d.sendDue(ctx, nil)
}

// sendDue is SendDue; seen, when not nil, is told of every attempt's
// outcome.
func (d *Daemon) sendDue(ctx context.Context, seen func(notify.Delivery, notify.Status, error)) error {
	g := d.gen.Load()
	ob := notify.Outbox{
		Store:   d.store,
		Senders: g.senders,
		Backoff: backoff(g.cfg),
		Now:     d.now,
		Log:     d.log,
		Stop:    d.drain.stopped(),
		Secrets: d.secrets,
		OnResult: func(dl notify.Delivery, status notify.Status, err error) {
			result := string(status)
			if status == notify.StatusPending {
				result = "retry"
			}
			d.metrics.Delivery(dl.Notifier, result)
			if seen != nil {
				seen(dl, status, err)
			}
		},
	}
	_, err := ob.RunDue(ctx)
	return err
}

func (d *Daemon) wakeOutbox() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// listenOutbox wakes the delivery loop whenever another process sharing
// the database records a digest, until the shutdown begins.
func (d *Daemon) listenOutbox(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(d.drain.stopping, cancel)
	defer stop()
	d.store.ListenOutbox(ctx, d.wakeOutbox)
}

// deliverLoop sends the outbox every outboxEvery and whenever a digest was
// recorded here or, on PostgreSQL, by another process, until the shutdown
// begins.
func (d *Daemon) deliverLoop(ctx context.Context) {
	t := time.NewTicker(outboxEvery)
	defer t.Stop()
	for {
		if err := d.SendDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("delivery outbox", "error", err)
		}
		select {
		case <-d.drain.stopped():
			return
		case <-t.C:
		case <-d.kick:
		}
	}
}
