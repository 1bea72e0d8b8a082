package daemon

import (
	"context"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/monitor"
)

// digestRuns reads when each scheduled digest last ran; a failure is
// logged and leaves the schedules as configured.
func (d *Daemon) digestRuns() map[string]time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runs, err := d.store.DigestRuns(ctx)
	if err != nil {
		d.log.Warn("read the last runs of digests; @every digests start their interval over", "error", err)
		return map[string]time.Time{}
	}
	return runs
}

// digestSchedule is the schedule of a scheduled digest: an @every one
// counts its ticks from the digest's last run (monitor.EverySince), so
// that a daemon restarting more often than the interval still sends it;
// one that never ran counts them from now, as cron would.
func digestSchedule(s cron.Schedule, last, now time.Time) cron.Schedule {
	e, ok := s.(cron.ConstantDelaySchedule)
	if !ok {
		return s
	}
	if last.IsZero() {
		last = now
	}
	return monitor.EverySince{Every: e.Delay, Since: last}
}

// scheduleDigests settles the @every digests of g, which was just
// installed. A digest that never ran gets its first schedule recorded,
// unless another process sharing the database recorded one first; its
// ticks are then counted from the stored one, so that every process
// runs the same ticks. With resume set (at start), a digest whose tick
// fell while the daemon was stopped runs now.
func (d *Daemon) scheduleDigests(g *generation, resume bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := d.now()
	for _, dg := range g.cfg.Digests {
		if dg.Instant || dg.Schedule == nil {
			continue
		}
		e, ok := dg.Schedule.Schedule.(cron.ConstantDelaySchedule)
		if !ok {
			continue
		}
		job := "digest " + dg.ID
		last, ran := g.digestRuns[dg.ID]
		if !ran {
			stored, err := d.store.DigestScheduled(ctx, dg.ID, now)
			if err != nil {
				d.log.Warn("record the start of an @every digest", "digest", dg.ID, "error", err)
				continue
			}
			last = stored
			d.sched.Reschedule(job, monitor.EverySince{Every: e.Delay, Since: last})
		}
		if resume && (monitor.EverySince{Every: e.Delay, Since: last}).Due(now) {
			d.log.Info("digest due while stopped; running it now", "digest", dg.ID, "last_run", last)
			d.sched.Trigger(job)
		}
	}
}

// tickLookback bounds how far back lastTick looks for the tick of a cron
// schedule that is due.
const tickLookback = 400 * 24 * time.Hour

// lastTick returns the latest tick of the cron schedule s at or before
// now, or the zero time when there is none within about tickLookback (the
// windows it looks back over grow fourfold from a minute). A
// scheduled run is for this tick: every process's cron fires at it on its
// own clock, and all of them name the same tick.
func lastTick(s cron.Schedule, now time.Time) time.Time {
	for back := time.Minute; back <= tickLookback; back *= 4 {
		t := s.Next(now.Add(-back))
		if t.IsZero() || t.After(now) {
			continue
		}
		for {
			n := s.Next(t)
			if n.IsZero() || n.After(now) {
				return t
			}
			t = n
		}
	}
	return time.Time{}
}

// dueTick returns the tick a run of the scheduled digest name at now is
// for, or the zero time when none is due. An @every digest's tick counts
// from its last run as stored, so that processes sharing the database
// name the same tick even if their schedules were set at different
// times; once a process recorded the tick, the others find nothing due.
func (d *Daemon) dueTick(ctx context.Context, name string, s cron.Schedule, now time.Time) (time.Time, error) {
	e, ok := s.(cron.ConstantDelaySchedule)
	if !ok {
		return lastTick(s, now), nil
	}
	last, err := d.store.DigestLastRun(ctx, name)
	if err != nil {
		return time.Time{}, err
	}
	if last.IsZero() {
		// Never scheduled (the record at start failed): from now on.
		if _, err := d.store.DigestScheduled(ctx, name, now); err != nil {
			return time.Time{}, err
		}
		return time.Time{}, nil
	}
	sched := monitor.EverySince{Every: e.Delay, Since: last}
	if e.Delay <= 0 || !sched.Due(now) {
		return time.Time{}, nil
	}
	return last.Add(now.Sub(last) / e.Delay * e.Delay), nil
}
