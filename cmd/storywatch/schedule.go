package main

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/web"
)

// cmdSchedule prints when every poll schedule and digest of the config
// runs next, in its own time zone and in UTC, so that "0 7 * * *" in
// Europe/Kyiv can be checked before the morning it matters. A running
// daemon shows the same at /api/status.
func cmdSchedule(a *app, args []string) error {
	fs := a.flags("schedule")
	n := fs.Int("n", 3, "how many next runs to show per schedule")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	rest, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("schedule takes no arguments, got %q", rest[0])
	}
	if *n < 1 {
		return usagef("-n %d: want at least 1", *n)
	}
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	jobs := scheduleJobs(c)
	now := time.Now()
	if *asJSON {
		out := make([]web.JobStatus, len(jobs))
		for i, j := range jobs {
			out[i] = j.Status(now)
		}
		return writeJSONLines(a.stdout, out)
	}
	return printSchedule(a.stdout, jobs, now, *n)
}

// scheduleJobs lists the config's poll schedules (the global one first,
// then each other spec feeds use, with how many feeds share it) and its
// digests in file order.
func scheduleJobs(c *config.Config) []web.Job {
	type group struct {
		sched config.Schedule
		feeds int
	}
	groups := map[string]*group{}
	var specs []string
	for _, f := range c.Feeds {
		s := c.Poll.Schedule
		if f.Schedule != nil {
			s = *f.Schedule
		}
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
		jobs = append(jobs, web.Job{Kind: "poll", Name: spec, Spec: spec, Location: g.sched.Location,
			Schedule: webSchedule(g.sched.Schedule), Feeds: g.feeds})
	}
	for _, d := range c.Digests {
		j := web.Job{Kind: "digest", Name: d.ID, Location: d.Timezone}
		if j.Location == nil {
			j.Location = c.Timezone
		}
		if d.Schedule != nil {
			j.Spec, j.Location, j.Schedule = d.Schedule.Spec, d.Schedule.Location, webSchedule(d.Schedule.Schedule)
		}
		jobs = append(jobs, j)
	}
	return jobs
}

// webSchedule translates a cron schedule: an @every schedule has no fixed
// ticks, only its interval.
func webSchedule(sc cron.Schedule) web.Schedule {
	if e, ok := sc.(cron.ConstantDelaySchedule); ok {
		return web.Every(e.Delay)
	}
	return sc
}

// printSchedule writes one line per job with its next run, then n-1 more
// lines with the runs after it.
func printSchedule(w io.Writer, jobs []web.Job, now time.Time, n int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSPEC\tTIME ZONE\tNEXT (TIME ZONE)\tNEXT (UTC)")
	for _, j := range jobs {
		st := j.Status(now)
		name := j.Kind + " " + j.Name
		if j.Kind == "poll" {
			name = fmt.Sprintf("poll (%s)", plural(j.Feeds, "feed"))
		}
		switch {
		case st.Instant:
			fmt.Fprintf(tw, "%s\tinstant\t%s\tafter each poll cycle that finds new stories\t\n", name, st.Timezone)
			continue
		case st.Interval != "":
			fmt.Fprintf(tw, "%s\t%s\t%s\tevery %s, counted from the daemon's start\t\n", name, j.Spec, st.Timezone, st.Interval)
			continue
		case st.Next == nil:
			fmt.Fprintf(tw, "%s\t%s\t%s\tnever\t\n", name, j.Spec, st.Timezone)
			continue
		}
		next := *st.Next
		for i := 0; i < n && !next.IsZero(); i++ {
			label, spec, zone := name, j.Spec, st.Timezone
			if i > 0 {
				label, spec, zone = "", "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", label, spec, zone,
				next.Format("Mon 2006-01-02 15:04 MST"), next.UTC().Format("Mon 2006-01-02 15:04Z"))
			next = j.Schedule.Next(next).In(next.Location())
		}
	}
	return tw.Flush()
}
