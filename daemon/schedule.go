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

// resumeDigests runs at start, for each @every digest, the run that was
// due while the daemon was stopped, and records when a digest that never
// ran was first scheduled, so that the next start counts its interval
// from then.
func (d *Daemon) resumeDigests(g *generation) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := d.now()
	for _, dg := range g.cfg.Digests {
		if dg.Instant || dg.Schedule == nil {
			continue
		}
		if _, ok := dg.Schedule.Schedule.(cron.ConstantDelaySchedule); !ok {
			continue
		}
		last, ran := g.digestRuns[dg.ID]
		switch sched := digestSchedule(dg.Schedule.Schedule, last, now).(monitor.EverySince); {
		case !ran:
			if err := d.store.DigestRan(ctx, dg.ID, now); err != nil {
				d.log.Warn("record the start of an @every digest", "digest", dg.ID, "error", err)
			}
		case sched.Due(now):
			d.log.Info("digest due while stopped; running it now", "digest", dg.ID, "last_run", last)
			d.sched.Trigger("digest " + dg.ID)
		}
	}
}

// digestRan records that a scheduled digest ran.
func (d *Daemon) digestRan(ctx context.Context, name string) {
	if err := d.store.DigestRan(ctx, name, d.now()); err != nil {
		d.log.Warn("record the run of a digest", "digest", name, "error", err)
	}
}
