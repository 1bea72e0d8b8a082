package monitor

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/feed"
)

var planAt = time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)

func testPlanner() Planner {
	return Planner{MinInterval: 5 * time.Minute, MaxInterval: time.Hour, HitBoost: 2 * time.Hour}
}

func every(d time.Duration) FeedConfig {
	return FeedConfig{URL: "https://example.org/feed", Schedule: cron.Every(d), Interval: d}
}

// itemsEvery returns n items published every gap, the newest at newest.
func itemsEvery(n int, gap time.Duration, newest time.Time) []feed.Item {
	items := make([]feed.Item, n)
	for i := range items {
		items[i] = feed.Item{Key: newest.String() + string(rune('a'+i)), Published: newest.Add(-time.Duration(i) * gap)}
	}
	return items
}

func TestPlanScheduledKeepsItsTurn(t *testing.T) {
	t.Parallel()
	pl := testPlanner()
	f := every(10 * time.Minute)
	first := pl.Plan(f, FeedState{}, planAt, feed.Hint{}, Observation{})
	if gap := first.Next.Sub(planAt); gap < 5*time.Minute || gap >= 15*time.Minute {
		t.Errorf("first poll after a start poll %s later, want between half and one and a half intervals", gap)
	}
	at := first.Next
	for range 5 {
		p := pl.Plan(f, FeedState{}, at, feed.Hint{}, Observation{})
		if gap := p.Next.Sub(at); gap != 10*time.Minute {
			t.Fatalf("steady polls %s apart, want 10m (%s)", gap, p.Why)
		}
		// A fetch that starts a little late keeps the feed's turn.
		late := pl.Plan(f, FeedState{}, at.Add(20*time.Second), feed.Hint{}, Observation{})
		if !late.Next.Equal(p.Next) {
			t.Errorf("a late start moved the next turn from %s to %s", p.Next, late.Next)
		}
		at = p.Next
	}
}

func TestPlanSpreadsFeedsOfOneSchedule(t *testing.T) {
	t.Parallel()
	pl := testPlanner()
	minutes := map[int]bool{}
	for i := range 30 {
		f := every(10 * time.Minute)
		f.URL = "https://feeds.example/" + string(rune('a'+i)) + "/rss"
		p := pl.Plan(f, FeedState{}, planAt, feed.Hint{}, Observation{})
		minutes[int(p.Next.Sub(planAt)/time.Minute)] = true
	}
	if len(minutes) < 6 {
		t.Errorf("30 feeds of one schedule fall into %d distinct minutes, want them spread over the interval", len(minutes))
	}
}

func TestPlanCronScheduleSpreadWithinMaxInterval(t *testing.T) {
	t.Parallel()
	pl := testPlanner()
	daily, err := cron.ParseStandard("0 7 * * *")
	if err != nil {
		t.Fatal(err)
	}
	f := FeedConfig{URL: "https://example.org/daily", Schedule: daily}
	p := pl.Plan(f, FeedState{}, planAt, feed.Hint{}, Observation{})
	seven := time.Date(2025, 11, 27, 7, 0, 0, 0, time.UTC)
	if p.Next.Before(seven) || !p.Next.Before(seven.Add(time.Hour)) {
		t.Errorf("next = %s, want within poll.max_interval after 07:00 (%s)", p.Next, p.Why)
	}
}

func TestPlanHints(t *testing.T) {
	t.Parallel()
	pl := testPlanner()
	pl.MaxInterval = 30 * time.Minute
	f := every(10 * time.Minute)
	hour := feed.Hint{Wait: time.Hour, Source: "Cache-Control max-age=3600"}
	p := pl.Plan(f, FeedState{}, planAt, hour, Observation{})
	if got := p.Next.Sub(planAt); got != 30*time.Minute {
		t.Errorf("max-age=3600 under max_interval 30m: next poll after %s, want 30m", got)
	}
	if want := "Cache-Control max-age=3600 asks for 1h; capped at poll.max_interval 30m"; p.Why != want {
		t.Errorf("why = %q, want %q", p.Why, want)
	}
	quarter := feed.Hint{Wait: 15 * time.Minute, Source: "RSS ttl 15"}
	p = pl.Plan(f, FeedState{}, planAt, quarter, Observation{})
	if got := p.Next.Sub(planAt); got != 15*time.Minute || !strings.HasPrefix(p.Why, "RSS ttl 15 asks for 15m") {
		t.Errorf("ttl 15: next after %s (%s), want 15m", got, p.Why)
	}
	short := feed.Hint{Wait: time.Minute, Source: "Cache-Control max-age=60"}
	p = pl.Plan(f, FeedState{}, planAt, short, Observation{})
	if strings.Contains(p.Why, "max-age") {
		t.Errorf("a hint shorter than the schedule should not matter: %s", p.Why)
	}
	slow := every(2 * time.Hour)
	p = pl.Plan(slow, FeedState{}, planAt, feed.Hint{Wait: 24 * time.Hour, Source: "RSS ttl 1440"}, Observation{})
	if got := p.Next.Sub(planAt); got != 2*time.Hour {
		t.Errorf("a schedule longer than max_interval: next after %s, want the schedule's 2h (%s)", got, p.Why)
	}
}

func TestPlanWebSubFallback(t *testing.T) {
	t.Parallel()
	pl := testPlanner()
	st := FeedState{PushUntil: planAt.Add(24 * time.Hour)}
	p := pl.Plan(every(10*time.Minute), st, planAt, feed.Hint{}, Observation{})
	if got := p.Next.Sub(planAt); got != time.Hour || !strings.Contains(p.Why, "WebSub") {
		t.Errorf("with a WebSub lease: next after %s (%s), want the 1h fallback", got, p.Why)
	}
}

func TestPlanAdaptive(t *testing.T) {
	t.Parallel()
	pl := testPlanner()
	f := FeedConfig{URL: "https://example.org/a", Adaptive: true}
	tests := []struct {
		name         string
		st           FeedState
		obs          Observation
		lo, hi       time.Duration
		why          string
		boostedUntil time.Time
	}{
		{"publishes every 5 minutes", FeedState{}, Observation{Items: itemsEvery(20, 5*time.Minute, planAt.Add(-time.Minute)), Total: 20},
			5 * time.Minute, 8 * time.Minute, "20 items in the last 1h36m, one every 4m48s; kept at poll.min_interval 5m", time.Time{}},
		{"publishes every 20 minutes", FeedState{}, Observation{Items: itemsEvery(20, 20*time.Minute, planAt), Total: 20},
			10 * time.Minute, 30 * time.Minute, "20 items in the last 6h20m, one every 19m", time.Time{}},
		{"publishes daily", FeedState{}, Observation{Items: itemsEvery(10, 24*time.Hour, planAt.Add(-3*time.Hour)), Total: 10},
			30 * time.Minute, time.Hour, "kept at poll.max_interval 1h", time.Time{}},
		{"one date for every item", FeedState{}, Observation{Items: itemsEvery(10, 0, planAt), Total: 10},
			5 * time.Minute, 15 * time.Minute, "no dated items yet", time.Time{}},
		{"mostly new items: the feed outruns the polls", FeedState{Interval: time.Hour},
			Observation{Items: itemsEvery(10, 24*time.Hour, planAt), Total: 10, Seen: 2, PrevFetch: planAt.Add(-40 * time.Minute)},
			5 * time.Minute, 30 * time.Minute, "only 2 of 10 items were seen before", time.Time{}},
		{"undated, two new in an hour", FeedState{Interval: time.Hour},
			Observation{Items: []feed.Item{{Key: "x"}}, Total: 6, Seen: 4, PrevFetch: planAt.Add(-time.Hour)},
			15 * time.Minute, 45 * time.Minute, "2 new items in 1h", time.Time{}},
		{"not modified: waits longer", FeedState{Interval: 20 * time.Minute}, Observation{PrevFetch: planAt.Add(-20 * time.Minute)},
			15 * time.Minute, 45 * time.Minute, "not modified", time.Time{}},
		{"a storyline hit boosts", FeedState{}, Observation{Items: itemsEvery(10, 24*time.Hour, planAt), Total: 10, StorylineHit: true},
			5 * time.Minute, 8 * time.Minute, "a hit for a storyline", planAt.Add(2 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := pl.Plan(f, tt.st, planAt, feed.Hint{}, tt.obs)
			gap := p.Next.Sub(planAt)
			if gap < tt.lo || gap > tt.hi {
				t.Errorf("next poll after %s, want %s to %s (%s)", gap, tt.lo, tt.hi, p.Why)
			}
			if !strings.Contains(p.Why, tt.why) {
				t.Errorf("why = %q, want it to say %q", p.Why, tt.why)
			}
			if !p.BoostUntil.Equal(tt.boostedUntil) {
				t.Errorf("boost until %s, want %s", p.BoostUntil, tt.boostedUntil)
			}
		})
	}
}

func TestSlot(t *testing.T) {
	t.Parallel()
	base := time.Unix(0, 0).UTC()
	if got := slot(base.Add(61*time.Second), time.Minute, 10*time.Second); !got.Equal(base.Add(70 * time.Second)) {
		t.Errorf("slot = %s", got)
	}
	if got := slot(base.Add(70*time.Second), time.Minute, 10*time.Second); !got.Equal(base.Add(70 * time.Second)) {
		t.Errorf("slot on the boundary = %s", got)
	}
}
