package monitor

import "time"

// EverySince is an @every schedule whose ticks are counted from Since (a
// job's last run, as stored) rather than from when it was scheduled, as
// cron's own @every counts them. A daemon that restarts more often than
// the interval would otherwise never reach a tick; counted from the last
// run, the ticks stay where they were across restarts.
type EverySince struct {
	Every time.Duration
	Since time.Time
}

// Next returns the first tick after t: Since plus a whole number of
// intervals. A schedule without an interval never ticks.
func (e EverySince) Next(t time.Time) time.Time {
	if e.Every <= 0 {
		return time.Time{}
	}
	if t.Before(e.Since) {
		return e.Since
	}
	n := t.Sub(e.Since)/e.Every + 1
	return e.Since.Add(n * e.Every)
}

// Due reports whether a tick fell between Since and now: a run was missed
// while the job was not scheduled.
func (e EverySince) Due(now time.Time) bool {
	return e.Every > 0 && !e.Since.Add(e.Every).After(now)
}
