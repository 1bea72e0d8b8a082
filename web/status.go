package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Job is one scheduled job of the daemon, as /api/status shows it.
type Job struct {
	// Kind is "poll" or "digest".
	Kind string
	// Name is the digest's id, or the poll schedule's spec.
	Name string
	// Spec is the cron spec as written; empty for an instant digest.
	Spec string
	// Location is the time zone the job runs in; nil means UTC.
	Location *time.Location
	// Schedule says when the job runs; nil for an instant digest or an
	// adaptive poll schedule.
	Schedule Schedule
	// Instant marks a digest that runs after every poll cycle that found
	// something new.
	Instant bool
	// Adaptive marks the poll schedule "adaptive": each feed is polled as
	// often as it publishes, so the job has no next run of its own.
	Adaptive bool
	// Feeds counts the feeds of a poll job.
	Feeds int
}

// JobStatus is a Job with its next run, in its own time zone and in UTC:
// one element of /api/status's "jobs" (and of `storywatch schedule -json`).
type JobStatus struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Spec     string `json:"spec"`
	Timezone string `json:"timezone"`
	Instant  bool   `json:"instant,omitempty"`
	Adaptive bool   `json:"adaptive,omitempty"`
	Feeds    int    `json:"feeds,omitempty"`
	// Interval is set, and Next is not, for an @every schedule: its ticks
	// count from whenever the daemon started.
	Interval string     `json:"interval,omitempty"`
	Next     *time.Time `json:"next"`
	NextUTC  *time.Time `json:"next_utc"`
}

// Status returns the job with its next run after now; Next and NextUTC
// are nil for an instant digest, an adaptive poll schedule, an @every
// schedule (Interval says how often it runs) or a schedule that never
// runs again.
func (j Job) Status(now time.Time) JobStatus {
	loc := j.Location
	if loc == nil {
		loc = time.UTC
	}
	st := JobStatus{Kind: j.Kind, Name: j.Name, Spec: j.Spec, Timezone: loc.String(), Feeds: j.Feeds,
		Instant: j.Instant, Adaptive: j.Adaptive}
	if e, ok := j.Schedule.(Every); ok {
		st.Interval = shortDuration(time.Duration(e))
		return st
	}
	if j.Schedule == nil {
		return st
	}
	if next := j.Schedule.Next(now); !next.IsZero() {
		local, utc := next.In(loc), next.UTC()
		st.Next, st.NextUTC = &local, &utc
	}
	return st
}

// statusJSON is the body of /api/status.
type statusJSON struct {
	Now           time.Time   `json:"now"`
	LastPollCycle *time.Time  `json:"last_poll_cycle"`
	Jobs          []JobStatus `json:"jobs"`
}

// apiStatus serves /api/status: when the last poll cycle completed and
// when every poll schedule and digest runs next, so that a digest at
// "0 7 * * *" in Europe/Kyiv can be checked from outside.
func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) {
	settings, last := s.current()
	now := s.now()
	out := statusJSON{Now: now.UTC(), Jobs: []JobStatus{}}
	if !last.IsZero() {
		l := last.UTC()
		out.LastPollCycle = &l
	}
	for _, j := range settings.Jobs {
		out.Jobs = append(out.Jobs, j.Status(now))
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		s.log.Warn("write status", "error", err)
	}
}

// shortDuration writes d as a config would: 10m, not 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
