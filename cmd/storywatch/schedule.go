package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/storywatch/storywatch/daemon"
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
	jobs := daemon.Jobs(c)
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
