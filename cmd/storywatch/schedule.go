package main

import (
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
	jobs, now := daemon.Jobs(c), time.Now()
	if *asJSON {
		return writeJSONLines(a.stdout, web.Statuses(jobs, now))
	}
	return web.WriteSchedule(a.stdout, jobs, now, *n)
}
