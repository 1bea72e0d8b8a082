package daemon

import (
	"context"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
)

// An @every digest counts its interval from its last run, as stored: a
// start after the interval passed runs it at once (it was due while the
// daemon was stopped), and a digest that never ran has its first schedule
// recorded, so that restarts more frequent than the interval do not start
// the interval over each time.
func TestEveryDigestResumesFromItsLastRun(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/ap.xml"] = pollFeed("AP", leakItem)
	cfgPath := pollConfig(t, t.TempDir(), "5s", srv.URL+"/ap.xml")
	editConfigAppend(t, cfgPath, `digests:
  - id: hourly
    schedule: "@every 1h"
    to: [archive]
  - id: daily
    schedule: "@every 24h"
    to: [archive]
notifiers:
  - id: archive
    file:
      dir: digests
`)
	_, db := newTestDaemon(t, cfgPath, discard())
	ctx := context.Background()
	ranBefore := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Millisecond)
	if err := db.DigestRan(ctx, "hourly", ranBefore); err != nil {
		t.Fatal(err)
	}
	// A daemon built after that run, as at a restart.
	d, _ := newTestDaemon(t, cfgPath, discard())
	start := time.Now()
	runDaemon(t, d)
	// The run is for the last tick that fell while stopped, counted from
	// the stored run.
	tick := ranBefore.Add(2 * time.Hour)
	eventually(t, 10*time.Second, "the overdue @every digest run at start", func() bool {
		runs, err := db.DigestRuns(ctx)
		return err == nil && runs["hourly"].Equal(tick)
	})
	if ticks, err := db.DigestTicks(ctx, "hourly", ranBefore); err != nil || len(ticks) != 1 || !ticks[0].Due.Equal(tick) {
		t.Errorf("ticks of hourly = %+v, %v; want one, at %v", ticks, err, tick)
	}
	runs, err := db.DigestRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if daily := runs["daily"]; daily.Before(start.Add(-time.Second)) || daily.After(time.Now()) {
		t.Errorf("the digest that never ran: first schedule recorded at %v, want at the start (%v)", daily, start)
	}
	// The schedule counts its ticks from the stored run, not from the
	// start.
	var next time.Time
	for _, p := range d.sched.Next() {
		if p.Name == "digest hourly" {
			next = p.Next
		}
	}
	if want := (monitor.EverySince{Every: time.Hour, Since: ranBefore}).Next(time.Now()); !next.Equal(want) {
		t.Errorf("digest hourly next due %v, want %v (counted from the stored run)", next, want)
	}
}
