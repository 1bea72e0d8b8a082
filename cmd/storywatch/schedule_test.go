package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSchedulePrintsNextRunsInTheirZoneAndUTC(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "storywatch.yaml")
	body := `listen: ""
poll:
  schedule: "@every 10m"
feeds:
  - url: https://feeds.example.org/world.xml
  - url: https://feeds.example.org/asia.xml
    schedule: "TZ=Asia/Tokyo 30 6 * * *"
actors:
  - id: witkoff
    aliases: [Witkoff]
digests:
  - id: morning
    schedule: "0 7 * * *"
    timezone: Europe/Kyiv
    to: [archive]
  - id: breaking
    instant: true
    to: [archive]
notifiers:
  - id: archive
    file: {dir: digests}
`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	code, stdout, stderr := checkRun(t, nil, "schedule", "-json", "-config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4 (two poll schedules, two digests):\n%s", len(lines), stdout)
	}
	type job struct {
		Kind, Name, Spec, Timezone, Interval string
		Instant                              bool
		Feeds                                int
		Next                                 *time.Time
		NextUTC                              *time.Time `json:"next_utc"`
	}
	var jobs []job
	for _, l := range lines {
		var j job
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		jobs = append(jobs, j)
	}
	if j := jobs[0]; j.Kind != "poll" || j.Spec != "@every 10m" || j.Interval != "10m" || j.Feeds != 1 || j.Next != nil {
		t.Errorf("global poll schedule = %+v", j)
	}
	if j := jobs[3]; j.Name != "breaking" || !j.Instant || j.Next != nil {
		t.Errorf("instant digest = %+v", j)
	}
	for _, tt := range []struct {
		j            job
		zone         string
		hour, minute int
	}{{jobs[1], "Asia/Tokyo", 6, 30}, {jobs[2], "Europe/Kyiv", 7, 0}} {
		j := tt.j
		if j.Timezone != tt.zone || j.Next == nil || j.NextUTC == nil {
			t.Errorf("%s: %+v", j.Name, j)
			continue
		}
		loc, _ := time.LoadLocation(tt.zone)
		local := j.Next.In(loc)
		if local.Hour() != tt.hour || local.Minute() != tt.minute || !j.Next.Equal(*j.NextUTC) {
			t.Errorf("%s: next %v (%v UTC), want %02d:%02d in %s", j.Name, j.Next, j.NextUTC, tt.hour, tt.minute, tt.zone)
		}
		if !j.Next.After(before) || j.Next.After(before.Add(25*time.Hour)) {
			t.Errorf("%s: next %v is not within a day after %v", j.Name, j.Next, before)
		}
		_, off := j.Next.Zone()
		if _, want := local.Zone(); off != want {
			t.Errorf("%s: next %v is not written in its own zone", j.Name, j.Next)
		}
	}

	code, stdout, _ = checkRun(t, nil, "schedule", "-n", "2", "-config", cfg)
	if code != exitOK {
		t.Fatalf("text: exit %d", code)
	}
	for _, want := range []string{"digest morning", "Europe/Kyiv", "07:00 EE", "Z\n", "every 10m", "after each poll cycle"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "07:00 EE"); n != 2 {
		t.Errorf("-n 2 printed %d runs of the morning digest, want 2:\n%s", n, stdout)
	}
}
