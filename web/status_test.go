package web

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestAPIStatusShowsNextRunsInTheirZoneAndUTC(t *testing.T) {
	t.Parallel()
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	morning, err := cron.ParseStandard("0 7 * * *")
	if err != nil {
		t.Fatal(err)
	}
	morning.(*cron.SpecSchedule).Location = kyiv
	every5, err := cron.ParseStandard("*/5 * * * *")
	if err != nil {
		t.Fatal(err)
	}
	every5.(*cron.SpecSchedule).Location = time.UTC
	s, h := newTestServer(t, &fakeStore{}, Settings{Token: "t0ken", Jobs: []Job{
		{Kind: "poll", Name: "@every 10m", Spec: "@every 10m", Schedule: Every(10 * time.Minute), Feeds: 15},
		{Kind: "poll", Name: "*/5 * * * *", Spec: "*/5 * * * *", Schedule: every5, Feeds: 2},
		{Kind: "digest", Name: "morning", Spec: "0 7 * * *", Location: kyiv, Schedule: morning},
		{Kind: "digest", Name: "breaking", Location: time.UTC, Instant: true},
		{Kind: "poll", Name: "adaptive", Spec: "adaptive", Adaptive: true, Feeds: 3},
	}})
	if rec := get(t, h, "GET", "/api/status", nil); rec.Code != 401 {
		t.Errorf("without the token = %d, want 401", rec.Code)
	}
	s.CycleDone(testNow.Add(-3 * time.Minute))
	rec := get(t, h, "GET", "/api/status", map[string][]string{"Authorization": {"Bearer t0ken"}})
	if rec.Code != 200 {
		t.Fatalf("/api/status = %d: %s", rec.Code, rec.Body)
	}
	var got struct {
		LastPollCycle time.Time `json:"last_poll_cycle"`
		Jobs          []map[string]any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, rec.Body)
	}
	if !got.LastPollCycle.Equal(testNow.Add(-3 * time.Minute)) {
		t.Errorf("last_poll_cycle = %v", got.LastPollCycle)
	}
	if len(got.Jobs) != 5 {
		t.Fatalf("%d jobs, want 5:\n%s", len(got.Jobs), rec.Body)
	}
	// testNow is 14:00 in Kyiv (UTC+2 in November): the next 07:00 is
	// tomorrow's, 05:00 UTC.
	want := []map[string]any{
		{"kind": "poll", "name": "@every 10m", "timezone": "UTC", "feeds": 15.0, "interval": "10m", "next": nil, "next_utc": nil},
		{"kind": "poll", "name": "*/5 * * * *", "feeds": 2.0, "next": "2025-11-26T12:05:00Z", "next_utc": "2025-11-26T12:05:00Z"},
		{"kind": "digest", "name": "morning", "timezone": "Europe/Kyiv", "next": "2025-11-27T07:00:00+02:00", "next_utc": "2025-11-27T05:00:00Z"},
		{"kind": "digest", "name": "breaking", "timezone": "UTC", "instant": true, "next": nil, "next_utc": nil},
		{"kind": "poll", "name": "adaptive", "adaptive": true, "feeds": 3.0, "next": nil, "next_utc": nil},
	}
	for i, w := range want {
		for k, v := range w {
			if got.Jobs[i][k] != v {
				t.Errorf("job %d %s = %v, want %v", i, k, got.Jobs[i][k], v)
			}
		}
	}
}
