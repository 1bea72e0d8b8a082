package monitor

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestSchedulerDigestInKyivFollowsDaylightSaving(t *testing.T) {
	t.Parallel()
	kyiv := mustLocation(t, "Europe/Kyiv")
	sched, err := cron.ParseStandard("0 7 * * *")
	if err != nil {
		t.Fatal(err)
	}
	// What config.Load does with a digest's timezone.
	sched.(*cron.SpecSchedule).Location = kyiv

	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"winter: UTC+2", time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC), time.Date(2025, 1, 16, 5, 0, 0, 0, time.UTC)},
		{"summer: UTC+3", time.Date(2025, 7, 15, 10, 0, 0, 0, time.UTC), time.Date(2025, 7, 16, 4, 0, 0, 0, time.UTC)},
		{"the morning clocks go forward", time.Date(2025, 3, 29, 6, 0, 0, 0, time.UTC), time.Date(2025, 3, 30, 4, 0, 0, 0, time.UTC)},
		{"the morning clocks go back", time.Date(2025, 10, 25, 6, 0, 0, 0, time.UTC), time.Date(2025, 10, 26, 5, 0, 0, 0, time.UTC)},
		{"before 07:00 local the same day", time.Date(2025, 11, 26, 4, 59, 0, 0, time.UTC), time.Date(2025, 11, 26, 5, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScheduler(discardLog(), WithSchedulerClock(func() time.Time { return tt.now }))
			err := s.Set([]Job{{Name: "digest morning", Schedule: sched, Run: func() {}}})
			if err != nil {
				t.Fatal(err)
			}
			next := s.Next()
			if len(next) != 1 || next[0].Name != "digest morning" {
				t.Fatalf("Next = %v, want one digest job", next)
			}
			if got := next[0].Next.UTC(); !got.Equal(tt.want) {
				t.Errorf("next run = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSchedulerSetReplacesJobs(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC)
	s := NewScheduler(discardLog(), WithSchedulerClock(func() time.Time { return now }))
	noop := func() {}
	if err := s.Set([]Job{
		{Name: "poll @every 10m", Schedule: cron.Every(10 * time.Minute), Run: noop},
		{Name: "poll @every 5m", Schedule: cron.Every(5 * time.Minute), Run: noop},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set([]Job{
		{Name: "poll @every 10m", Schedule: cron.Every(time.Minute), Run: noop},
		{Name: "digest morning", Schedule: cron.Every(time.Hour), Run: noop},
	}); err != nil {
		t.Fatal(err)
	}
	got := s.Next()
	want := []Planned{
		{"poll @every 10m", now.Add(time.Minute)},
		{"digest morning", now.Add(time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("Next = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Name != want[i].Name || !got[i].Next.Equal(want[i].Next) {
			t.Errorf("Next[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if len(s.cron.Entries()) != 2 {
		t.Errorf("cron has %d entries, want 2", len(s.cron.Entries()))
	}
}

func TestSchedulerRejectsDuplicateNames(t *testing.T) {
	t.Parallel()
	s := NewScheduler(discardLog())
	j := Job{Name: "poll", Schedule: cron.Every(time.Minute), Run: func() {}}
	if err := s.Set([]Job{j, j}); err == nil {
		t.Fatal("Set accepted two jobs with one name")
	}
}

func TestSchedulerSkipsOverlappingRuns(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	s := NewScheduler(slog.New(slog.NewTextHandler(&buf, nil)))
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var runs atomic.Int32
	err := s.Set([]Job{{Name: "poll slow", Schedule: cron.Every(time.Hour), Run: func() {
		runs.Add(1)
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
	}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Trigger("poll slow")
	<-started
	s.Trigger("poll slow") // skipped: the first is still running
	waitFor(t, func() bool { return strings.Contains(buf.String(), "skip") })
	close(release)
	waitFor(t, func() bool { return s.Trigger("poll slow") && runs.Load() >= 2 })
	if !strings.Contains(buf.String(), "job=\"poll slow\"") {
		t.Errorf("skip log does not name the job: %s", buf.String())
	}
}

func TestSchedulerRecoversPanicsAndRunsAgain(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	s := NewScheduler(slog.New(slog.NewTextHandler(&buf, nil)))
	var runs atomic.Int32
	err := s.Set([]Job{{Name: "digest bad", Schedule: cron.Every(time.Hour), Run: func() {
		runs.Add(1)
		panic("boom")
	}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Trigger("digest bad")
	waitFor(t, func() bool { return strings.Contains(buf.String(), "boom") })
	// The overlap guard must have been released by the panicking run.
	waitFor(t, func() bool { s.Trigger("digest bad"); return runs.Load() >= 2 })
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("panic not logged as an error: %s", buf.String())
	}
}

func TestSchedulerRunsOnScheduleAndStopsStartingRuns(t *testing.T) {
	t.Parallel()
	s := NewScheduler(discardLog())
	ran := make(chan struct{}, 10)
	release, finished := make(chan struct{}), make(chan struct{})
	var once sync.Once
	err := s.Set([]Job{{Name: "poll @every 1s", Schedule: cron.Every(time.Second), Run: func() {
		ran <- struct{}{}
		<-release
		once.Do(func() { close(finished) })
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("job did not run on its schedule")
	}
	cancel()
	// Run returns while the run is still in flight: its owner, not the
	// scheduler, waits for it and bounds it.
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if s.Trigger("poll @every 1s") {
		t.Error("Trigger ran a job after the scheduler stopped")
	}
	close(release)
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Error("the run in flight did not finish after the scheduler stopped")
	}
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSchedulerSetKeepsTheNextRunOfAnUnchangedSchedule(t *testing.T) {
	t.Parallel()
	s := NewScheduler(discardLog())
	var ran atomic.Value
	work := func(name string) func() {
		return func() { ran.Store(name) }
	}
	kyiv := mustLocation(t, "Europe/Kyiv")
	parse := func(spec string) cron.Schedule {
		sc, err := cron.ParseStandard(spec)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	jobs := func(gen string) []Job {
		return []Job{
			{Name: "poll @every 2s", Schedule: cron.Every(2 * time.Hour), Run: work("poll " + gen)},
			{Name: "digest morning", Schedule: parse("CRON_TZ=" + kyiv.String() + " 0 7 * * *"), Run: work("digest " + gen)},
		}
	}
	if err := s.Set(jobs("old")); err != nil {
		t.Fatal(err)
	}
	s.cron.Start()
	defer s.cron.Stop()
	before := map[string]cron.Entry{}
	for name, sj := range s.jobs {
		before[name] = s.cron.Entry(sj.entry)
	}
	if err := s.Set(jobs("new")); err != nil {
		t.Fatal(err)
	}
	for name, sj := range s.jobs {
		e := s.cron.Entry(sj.entry)
		if e.ID != before[name].ID || !e.Next.Equal(before[name].Next) {
			t.Errorf("%s: a reload with the same schedule moved the entry from %d at %v to %d at %v",
				name, before[name].ID, before[name].Next, e.ID, e.Next)
		}
	}
	if len(s.cron.Entries()) != 2 {
		t.Errorf("cron has %d entries, want 2", len(s.cron.Entries()))
	}
	s.Trigger("poll @every 2s")
	waitFor(t, func() bool { v, _ := ran.Load().(string); return v == "poll new" })
}
