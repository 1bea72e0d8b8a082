package daemon

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// serveOnly serves d's HTTP endpoints on loopback, without polling, until
// the test ends, and returns their base URL.
func serveOnly(t *testing.T, d *Daemon) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func TestMetricsStatusAndAtomIDsRightAfterStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	cfgText := daemonConfigText(filepath.Join(dir, "sw.db"), "http://127.0.0.1:1/hook", []string{"http://127.0.0.1:1/rss"}, "")
	writeByRename(t, cfgPath, cfgText)
	d, db := newTestDaemon(t, cfgPath, discard())
	base := serveOnly(t, d)

	// No event yet: every tracked watch and every notifier × result is
	// there at 0; the untracked actor ushakov has no series.
	_, scrape := httpGet(t, base+"/metrics")
	for _, series := range []string{
		`storywatch_hits_total{watch="call-leak"}`,
		`storywatch_hits_total{watch="witkoff"}`,
		`storywatch_deliveries_total{notifier="hook",result="sent"}`,
		`storywatch_deliveries_total{notifier="hook",result="retry"}`,
		`storywatch_deliveries_total{notifier="hook",result="dead"}`,
	} {
		if v := metricValue(scrape, series); v != 0 {
			t.Errorf("%s = %v right after start, want 0", series, v)
		}
	}
	if strings.Contains(scrape, `watch="ushakov"`) {
		t.Error("an actor with track: false has a hits series")
	}

	// A reload that adds a storyline adds its series.
	if err := d.Reload(loadConfig(t, writeConfig(t, dir, daemonConfigText(filepath.Join(dir, "sw.db"),
		"http://127.0.0.1:1/hook", []string{"http://127.0.0.1:1/rss"}, peacePlanStoryline)))); err != nil {
		t.Fatal(err)
	}
	_, scrape = httpGet(t, base+"/metrics")
	if v := metricValue(scrape, `storywatch_hits_total{watch="peace-plan"}`); v != 0 {
		t.Errorf("peace-plan's series after the reload = %v, want 0", v)
	}

	// /api/status: the poll schedule by its interval, the instant digest.
	_, body := httpGet(t, base+"/api/status")
	var status struct {
		Jobs []struct {
			Kind, Name, Interval string
			Instant              bool
			Feeds                int
		}
	}
	if err := json.Unmarshal([]byte(body), &status); err != nil {
		t.Fatalf("/api/status: %v\n%s", err, body)
	}
	if len(status.Jobs) != 2 || status.Jobs[0].Kind != "poll" || status.Jobs[0].Interval != "2s" || status.Jobs[0].Feeds != 1 ||
		status.Jobs[1].Name != "breaking" || !status.Jobs[1].Instant {
		t.Errorf("/api/status jobs = %+v", status.Jobs)
	}

	// The Atom feed's id carries the database's instance id.
	instance, err := db.InstanceID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, atomBody := httpGet(t, base+"/hits.atom")
	var doc struct {
		ID string `xml:"id"`
	}
	if err := xml.Unmarshal([]byte(atomBody), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.ID, instance) {
		t.Errorf("feed id %q lacks the instance id %s", doc.ID, instance)
	}
}

// writeConfig writes text as another config file in dir and returns its
// path.
func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "reloaded.yaml")
	writeByRename(t, p, text)
	return p
}
