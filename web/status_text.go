package web

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Statuses returns the status of each job at now, as /api/status lists them.
func Statuses(jobs []Job, now time.Time) []JobStatus {
	out := make([]JobStatus, len(jobs))
	for i, j := range jobs {
		out[i] = j.Status(now)
	}
	return out
}

// WriteSchedule writes a table of the jobs for people: one line per job
// with its next run in its own time zone and in UTC, then n-1 more lines
// with the runs after it.
func WriteSchedule(w io.Writer, jobs []Job, now time.Time, n int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSPEC\tTIME ZONE\tNEXT (TIME ZONE)\tNEXT (UTC)")
	for _, j := range jobs {
		st := j.Status(now)
		name := j.Kind + " " + j.Name
		if j.Kind == "poll" {
			name = fmt.Sprintf("poll (%d feeds)", j.Feeds)
			if j.Feeds == 1 {
				name = "poll (1 feed)"
			}
		}
		switch {
		case st.Instant:
			fmt.Fprintf(tw, "%s\tinstant\t%s\tafter each poll cycle that finds new stories\t\n", name, st.Timezone)
			continue
		case st.Adaptive:
			fmt.Fprintf(tw, "%s\tadaptive\t%s\teach feed as often as it publishes (storywatch feeds shows when)\t\n", name, st.Timezone)
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
