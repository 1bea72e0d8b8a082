package daemon

import (
	"sort"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/web"
)

// Jobs lists the config's poll schedules (the global one first, then each
// other spec feeds use, with how many feeds share it) and its digests in
// file order, for /api/status and `storywatch schedule`.
func Jobs(c *config.Config) []web.Job {
	type group struct {
		sched config.Schedule
		feeds int
	}
	groups := map[string]*group{}
	var specs []string
	for _, f := range c.Feeds {
		s := feedSchedule(c, f)
		g, ok := groups[s.Spec]
		if !ok {
			g = &group{sched: s}
			groups[s.Spec] = g
			specs = append(specs, s.Spec)
		}
		g.feeds++
	}
	sort.SliceStable(specs, func(i, j int) bool {
		return specs[i] == c.Poll.Schedule.Spec && specs[j] != c.Poll.Schedule.Spec
	})
	var jobs []web.Job
	for _, spec := range specs {
		g := groups[spec]
		j := web.Job{Kind: "poll", Name: spec, Spec: spec, Location: g.sched.Location, Feeds: g.feeds,
			Adaptive: g.sched.Adaptive}
		if !g.sched.Adaptive {
			j.Schedule = readiness(g.sched, c.Poll.MaxInterval)
		}
		jobs = append(jobs, j)
	}
	for _, d := range c.Digests {
		j := web.Job{Kind: "digest", Name: d.ID, Location: d.Timezone, Instant: d.Instant}
		if j.Location == nil {
			j.Location = c.Timezone
		}
		if d.Schedule != nil {
			j.Spec, j.Location, j.Schedule = d.Schedule.Spec, d.Schedule.Location, readiness(*d.Schedule, 0)
		}
		jobs = append(jobs, j)
	}
	return jobs
}
