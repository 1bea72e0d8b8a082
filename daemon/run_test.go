package daemon

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunPollsServesAndReloads(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the daemon for several seconds")
	}
	var polls atomic.Int32
	feedBody := daemonFeed(time.Now())
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feedBody)
	}))
	defer feed.Close()
	hook, delivered := hookServer(t)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	cfgText := daemonConfigText(filepath.Join(dir, "sw.db"), hook.URL, []string{feed.URL + "/rss"}, "")
	writeByRename(t, cfgPath, cfgText)

	logs := &logBuffer{}
	hup := make(chan os.Signal, 1)
	d, _ := newTestDaemon(t, cfgPath, logs.logger(), func(o *Options) { o.Hangup = hup })
	runDaemon(t, d)

	var base string
	eventually(t, 10*time.Second, "daemon start", func() bool {
		recs := logs.records("storywatch started")
		if len(recs) == 0 {
			return false
		}
		base = "http://" + recs[0]["listen"].(string)
		return true
	})
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d, want 200", code)
	}
	eventually(t, 10*time.Second, "/readyz 200 after the first cycle", func() bool {
		code, _ := httpGet(t, base+"/readyz")
		return code == 200
	})
	eventually(t, 10*time.Second, "polling repeatedly", func() bool { return polls.Load() >= 2 })
	eventually(t, 10*time.Second, "the instant digest delivered", func() bool { return delivered.Load() >= 1 })
	checkServes(t, base)

	// A valid edit, written by rename, adds a storyline: the reload is
	// logged and the stored item that matches it becomes a hit.
	writeByRename(t, cfgPath, daemonConfigText(filepath.Join(dir, "sw.db"), hook.URL, []string{feed.URL + "/rss"}, peacePlanStoryline))
	eventually(t, 10*time.Second, "reload logged", func() bool { return len(logs.records("config reloaded")) >= 1 })
	eventually(t, 5*time.Second, "backtested peace-plan hit in /api/hits", func() bool {
		_, body := httpGet(t, base+"/api/hits?since=1h&watch=peace-plan")
		var got []map[string]any
		return json.Unmarshal([]byte(body), &got) == nil && len(got) == 1 &&
			got[0]["item_url"] == "https://news.example.org/3"
	})
	if n := delivered.Load(); n != 1 {
		t.Errorf("webhook got %d deliveries, want 1: backfilled hits are not instant alerts", n)
	}

	// A broken edit is logged with its line and column; polling goes on.
	broken := strings.Replace(cfgText, "(recording OR call OR leak*)", "(recording OR call", 1)
	writeByRename(t, cfgPath, broken)
	eventually(t, 10*time.Second, "invalid config logged", func() bool { return len(logs.records("invalid config")) >= 1 })
	checkProblemPosition(t, logs.records("invalid config")[0]["error"].(string), cfgPath, broken)
	before := polls.Load()
	eventually(t, 10*time.Second, "polling after a broken config", func() bool { return polls.Load() >= before+2 })

	// Hangup reloads too (storywatch run relays SIGHUP to it).
	writeByRename(t, cfgPath, cfgText)
	eventually(t, 10*time.Second, "reload after the fix", func() bool { return len(logs.records("config reloaded")) >= 2 })
	hup <- os.Interrupt
	eventually(t, 10*time.Second, "reload on hangup", func() bool {
		for _, r := range logs.records("config reloaded") {
			if r["reason"] == "SIGHUP" {
				return true
			}
		}
		return false
	})
	checkMetrics(t, base)
}

// checkServes checks /api/hits (the two call-leak items and the witkoff
// item, no peace-plan hit before the storyline exists) and /hits.atom (one
// entry per story).
func checkServes(t *testing.T, base string) {
	t.Helper()
	var hits []map[string]any
	eventually(t, 5*time.Second, "hits in /api/hits", func() bool {
		_, body := httpGet(t, base+"/api/hits?since=1h")
		hits = nil
		return json.Unmarshal([]byte(body), &hits) == nil && len(hits) >= 2
	})
	for _, h := range hits {
		if h["watch"] == "peace-plan" {
			t.Errorf("peace-plan hit before the storyline exists: %v", h)
		}
	}
	_, atomBody := httpGet(t, base+"/hits.atom")
	var feedDoc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			ID string `xml:"id"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(atomBody), &feedDoc); err != nil {
		t.Fatalf("/hits.atom is not Atom: %v\n%s", err, atomBody)
	}
	items := map[string]bool{}
	for _, h := range hits {
		items[h["item_url"].(string)] = true
	}
	if len(feedDoc.Entries) != len(items) {
		t.Errorf("/hits.atom has %d entries, want %d (one per story)", len(feedDoc.Entries), len(items))
	}
}

// checkProblemPosition checks that a logged config problem starts with
// FILE:LINE:COL pointing at the broken storyline's query.
func checkProblemPosition(t *testing.T, problem, cfgPath, broken string) {
	t.Helper()
	wantPrefix := cfgPath + ":"
	if !strings.HasPrefix(problem, wantPrefix) || strings.Count(problem, ":") < 3 {
		t.Errorf("problem %q does not start with FILE:LINE:COL", problem)
	}
	queryLine := 1 + strings.Count(broken[:strings.Index(broken, "query: '@witkoff")], "\n")
	var line, col int
	if _, err := fmt.Sscanf(strings.TrimPrefix(problem, wantPrefix), "%d:%d:", &line, &col); err != nil || line != queryLine || col < 5 {
		t.Errorf("problem %q: line %d col %d, want the storyline's query on line %d", problem, line, col, queryLine)
	}
}

// checkMetrics checks that /metrics counts what the daemon did.
func checkMetrics(t *testing.T, base string) {
	t.Helper()
	_, scrape := httpGet(t, base+"/metrics")
	for _, series := range []string{
		`storywatch_fetches_total{result="ok"}`,
		`storywatch_items_total`,
		`storywatch_hits_total{watch="call-leak"}`,
		`storywatch_hits_total{watch="peace-plan"}`,
		`storywatch_deliveries_total{notifier="hook",result="sent"}`,
		`storywatch_config_reloads_total{result="ok"}`,
		`storywatch_config_reloads_total{result="error"}`,
		`storywatch_poll_cycle_duration_seconds_count`,
	} {
		if v := metricValue(scrape, series); v <= 0 {
			t.Errorf("%s = %v, want > 0", series, v)
		}
	}
}
