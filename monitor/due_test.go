package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

// publishing serves a feed whose items appear every gap, as of the test
// clock: the newest 20 of them.
func publishing(clk *clock, name string, gap time.Duration, header map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		newest := clk.Now().Truncate(gap)
		var entries []entry
		for i := range 20 {
			at := newest.Add(-time.Duration(i) * gap)
			id := fmt.Sprintf("%s-%d", name, at.Unix())
			entries = append(entries, entry{guid: id, link: "https://news.example/" + id, title: "Story " + id, published: at})
		}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rss(name, entries...))
	}
}

// stable is the host of feeds whose URLs must not change between runs.
const stable = "http://feeds.test"

// fixedHosts sends every request to the test server, so that feeds can
// have URLs that do not change from run to run (the random port would move
// their turns, which come from a hash of the URL).
type fixedHosts struct {
	srv *feedServer
}

func (f fixedHosts) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = "http", strings.TrimPrefix(f.srv.URL, "http://")
	return http.DefaultTransport.RoundTrip(r)
}

func stableSetup(t *testing.T, srv *feedServer, feeds []monitor.FeedConfig, opts monitor.Options) (*monitor.Poller, *store.DB, *clock) {
	t.Helper()
	opts.Fetch.Client = &http.Client{Transport: fixedHosts{srv}}
	return setup(t, srv, feeds, opts)
}

// runFor calls PollDue every step of the test clock for d, as the daemon
// does, and returns the times each path was fetched at.
func runFor(t *testing.T, p *monitor.Poller, clk *clock, srv *feedServer, d, step time.Duration, paths ...string) map[string][]time.Time {
	t.Helper()
	fetched := map[string][]time.Time{}
	counts := map[string]int{}
	for end := clk.Now().Add(d); clk.Now().Before(end); clk.Add(step) {
		if _, err := p.PollDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			if n := srv.count(path); n > counts[path] {
				counts[path] = n
				fetched[path] = append(fetched[path], clk.Now())
			}
		}
	}
	return fetched
}

func TestMaxAgeCappedByMaxInterval(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	feeds := []monitor.FeedConfig{{URL: stable + "/cached", Schedule: cron.Every(10 * time.Minute), Interval: 10 * time.Minute}}
	p, db, clk := stableSetup(t, srv, feeds, monitor.Options{MaxInterval: 30 * time.Minute})
	srv.handle("/cached", publishing(clk, "cached", time.Hour, map[string]string{"Cache-Control": "max-age=3600"}))

	got := runFor(t, p, clk, srv, 3*time.Hour, time.Minute, "/cached")["/cached"]
	if len(got) != 6 {
		t.Fatalf("fetched %d times in 3h, want 6 (every 30m): %v", len(got), got)
	}
	for i := 1; i < len(got); i++ {
		if gap := got[i].Sub(got[i-1]); gap != 30*time.Minute {
			t.Errorf("fetches %d and %d are %s apart, want 30m", i-1, i, gap)
		}
	}
	f, err := db.Feed(context.Background(), stable+"/cached")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Cache-Control max-age=3600 asks for 1h; capped at poll.max_interval 30m"; f.PollReason != want {
		t.Errorf("stored reason = %q, want %q", f.PollReason, want)
	}
	if !f.NextPoll.Equal(got[len(got)-1].Add(30 * time.Minute)) {
		t.Errorf("stored next poll %s, want 30m after the last fetch %s", f.NextPoll, got[len(got)-1])
	}
}

func TestAdaptivePollsAFastFeedMoreOftenThanADailyOne(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	feeds := []monitor.FeedConfig{
		{URL: stable + "/fast", Adaptive: true},
		{URL: stable + "/daily", Adaptive: true},
	}
	p, db, clk := stableSetup(t, srv, feeds, monitor.Options{MinInterval: 2 * time.Minute, MaxInterval: time.Hour})
	srv.handle("/fast", publishing(clk, "fast", 5*time.Minute, nil))
	srv.handle("/daily", publishing(clk, "daily", 24*time.Hour, nil))

	got := runFor(t, p, clk, srv, 6*time.Hour, time.Minute, "/fast", "/daily")
	fast, daily := len(got["/fast"]), len(got["/daily"])
	t.Logf("in 6h: fast feed fetched %d times, daily feed %d times", fast, daily)
	if fast < 50 || fast > 80 {
		t.Errorf("a feed publishing every 5m was fetched %d times in 6h, want about every 5m", fast)
	}
	if daily < 6 || daily > 9 {
		t.Errorf("a daily feed was fetched %d times in 6h, want about hourly (poll.max_interval)", daily)
	}
	for path, why := range map[string]string{"/fast": "20 items in the last 1h36m, one every 4m48s", "/daily": "kept at poll.max_interval 1h"} {
		f, err := db.Feed(context.Background(), stable+path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(f.PollReason, why) {
			t.Errorf("%s: reason %q, want it to say %q", path, f.PollReason, why)
		}
	}
}

func TestAStorylineHitSpeedsUpAnAdaptiveFeed(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	feeds := []monitor.FeedConfig{{URL: stable + "/slow", Adaptive: true}}
	p, db, clk := stableSetup(t, srv, feeds, monitor.Options{MinInterval: 5 * time.Minute, MaxInterval: time.Hour, HitBoost: 2 * time.Hour})
	old := entry{guid: "old", link: "https://news.example/old", title: "Weather", published: now0.Add(-48 * time.Hour)}
	srv.set("/slow", rss("slow", old))
	before := runFor(t, p, clk, srv, 2*time.Hour, time.Minute, "/slow")["/slow"]
	leak := leak
	leak.published = clk.Now()
	srv.set("/slow", rss("slow", leak, old))
	after := runFor(t, p, clk, srv, 2*time.Hour, time.Minute, "/slow")["/slow"]
	if len(before) > 3 || len(after) < 12 {
		t.Errorf("fetches in 2h: %d before the hit, %d after; want the hit to bring polls every 5m", len(before), len(after))
	}
	f, err := db.Feed(context.Background(), stable+"/slow")
	if err != nil {
		t.Fatal(err)
	}
	if f.BoostUntil.IsZero() {
		t.Error("no boost stored")
	}
}

func TestPollDueReadsNothingWhenNothingIsDue(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.set("/a", rss("a", unrelated))
	feeds := []monitor.FeedConfig{{URL: stable + "/a", Schedule: cron.Every(10 * time.Minute), Interval: 10 * time.Minute}}
	p, _, clk := stableSetup(t, srv, feeds, monitor.Options{})
	c, err := p.PollDue(context.Background())
	if err != nil || len(c.Feeds) != 1 || c.OK != 1 {
		t.Fatalf("first PollDue = %+v, %v; want the never-polled feed fetched", c, err)
	}
	next, ok := p.NextDue()
	if !ok || !next.After(clk.Now()) {
		t.Fatalf("NextDue = %s, %v", next, ok)
	}
	clk.Add(time.Minute)
	c, err = p.PollDue(context.Background())
	if err != nil || len(c.Feeds) != 0 {
		t.Errorf("PollDue a minute later = %+v, %v; want an empty cycle", c, err)
	}
	clk.Add(next.Sub(clk.Now()))
	if c, _ := p.PollDue(context.Background()); c.OK+c.NotModified != 1 {
		t.Errorf("PollDue at the due time = %+v, want the feed polled", c)
	}
}
