package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one recurring task of the daemon: the polls of a set of feeds that
// share a schedule, or one digest.
type Job struct {
	// Name identifies the job across reloads, e.g. "poll @every 10m" or
	// "digest morning". A job keeps its overlap guard while its name stays.
	Name string
	// Schedule says when the job is due, in its own time zone.
	Schedule cron.Schedule
	// Run does the work. The scheduler gives it no context: the owner of
	// the work (the daemon's drain) decides how long it may run.
	Run func()
	// Quiet logs skipped runs at debug rather than info, for a job that
	// ticks often (the poll job runs every second and is skipped while a
	// cycle lasts).
	Quiet bool
}

// Planned is when a job is next due.
type Planned struct {
	Name string
	Next time.Time
}

// Scheduler runs Jobs on their cron schedules with robfig/cron. A run of a
// job that is still running from its previous time is skipped rather than
// queued, and a panic in a job is recovered and logged, so one bad feed or
// digest never stops the daemon. The set of jobs can be replaced while the
// scheduler runs (a config reload).
//
// The scheduler only decides when jobs start. It neither cancels nor waits
// for runs in flight when it stops: their owner does (the daemon runs every
// job through its drain).
type Scheduler struct {
	log  *slog.Logger
	now  func() time.Time
	cron *cron.Cron

	mu      sync.Mutex
	jobs    map[string]*scheduledJob
	stopped bool
}

// scheduledJob is a job's overlap guard and cron entry. The guard (the
// wrapped job) is kept while the job's name is, and run points at the
// current version of the job's work, so a reload that keeps a job also
// keeps skipping overlaps with a run that began before it.
type scheduledJob struct {
	run     atomic.Pointer[func()]
	wrapped cron.Job
	entry   cron.EntryID
	sched   cron.Schedule
}

// SchedulerOption configures NewScheduler.
type SchedulerOption func(*Scheduler)

// WithSchedulerClock makes Next read the time from now. robfig/cron itself
// always runs on the wall clock.
func WithSchedulerClock(now func() time.Time) SchedulerOption {
	return func(s *Scheduler) { s.now = now }
}

// NewScheduler returns a Scheduler with no jobs; log receives skipped runs,
// recovered panics and job errors.
func NewScheduler(log *slog.Logger, opts ...SchedulerOption) *Scheduler {
	s := &Scheduler{log: log, now: time.Now, jobs: map[string]*scheduledJob{}}
	for _, opt := range opts {
		opt(s)
	}
	s.cron = cron.New(cron.WithLogger(cronLogger{log: log, info: slog.LevelDebug}))
	return s
}

// Set replaces the scheduled jobs with jobs: jobs whose name is new are
// added, jobs no longer named are removed (a run in progress finishes), and
// jobs that stay take their new schedule and work.
func (s *Scheduler) Set(jobs []Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		if j.Name == "" || j.Schedule == nil || j.Run == nil {
			return fmt.Errorf("schedule job %q: name, schedule and work are required", j.Name)
		}
		if seen[j.Name] {
			return fmt.Errorf("schedule job %q: name used twice", j.Name)
		}
		seen[j.Name] = true
	}
	for name, sj := range s.jobs {
		if !seen[name] {
			s.cron.Remove(sj.entry)
			delete(s.jobs, name)
		}
	}
	for _, j := range jobs {
		run := j.Run
		sj, ok := s.jobs[j.Name]
		if ok && sameSchedule(sj.sched, j.Schedule) {
			// Keep the cron entry: its next run was counted from when it
			// was scheduled, and rescheduling would count it from now, so
			// frequent reloads would postpone an @every job for ever.
			sj.run.Store(&run)
			continue
		}
		if !ok {
			sj = s.newJob(j.Name, j.Quiet)
			s.jobs[j.Name] = sj
		} else {
			s.cron.Remove(sj.entry)
		}
		sj.run.Store(&run)
		sj.sched = j.Schedule
		sj.entry = s.cron.Schedule(j.Schedule, sj.wrapped)
	}
	return nil
}

// Reschedule gives the named job a new schedule, keeping its work and its
// overlap guard; it reports false for a job it does not have. The daemon
// moves an @every digest onto the ticks another process sharing the
// database counts from.
func (s *Scheduler) Reschedule(name string, sched cron.Schedule) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sj, ok := s.jobs[name]
	if !ok || sched == nil {
		return false
	}
	s.cron.Remove(sj.entry)
	sj.sched = sched
	sj.entry = s.cron.Schedule(sched, sj.wrapped)
	return true
}

// sameSchedule reports whether a and b fire at the same times. Time zones
// compare by name, since each config load builds its own *time.Location.
func sameSchedule(a, b cron.Schedule) bool {
	switch x := a.(type) {
	case EverySince:
		// Where the ticks are counted from moves with every run; the
		// interval is what was configured.
		y, ok := b.(EverySince)
		return ok && x.Every == y.Every
	case cron.ConstantDelaySchedule:
		y, ok := b.(cron.ConstantDelaySchedule)
		return ok && x == y
	case *cron.ConstantDelaySchedule:
		y, ok := b.(*cron.ConstantDelaySchedule)
		return ok && *x == *y
	case *cron.SpecSchedule:
		y, ok := b.(*cron.SpecSchedule)
		return ok && x.Second == y.Second && x.Minute == y.Minute && x.Hour == y.Hour &&
			x.Dom == y.Dom && x.Month == y.Month && x.Dow == y.Dow &&
			x.Location.String() == y.Location.String()
	}
	return false
}

// newJob builds the guarded job for name. Recover sits inside
// SkipIfStillRunning: were it outside, a panic would skip the release of
// the overlap guard and the job would never run again.
func (s *Scheduler) newJob(name string, quiet bool) *scheduledJob {
	sj := &scheduledJob{}
	logger := cronLogger{log: s.log.With("job", name), info: slog.LevelInfo}
	if quiet {
		logger.info = slog.LevelDebug
	}
	inner := cron.FuncJob(func() {
		if run := sj.run.Load(); run != nil {
			(*run)()
		}
	})
	sj.wrapped = cron.NewChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)).Then(inner)
	return sj
}

// Trigger runs the named job now, outside its schedule, with the same
// overlap guard and panic recovery; it reports whether a run was started:
// false for a job it does not have, or once Run has stopped. The daemon
// uses it to poll at start rather than one interval later.
func (s *Scheduler) Trigger(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sj, ok := s.jobs[name]
	if !ok || s.stopped {
		return false
	}
	go sj.wrapped.Run()
	return true
}

// Next returns when each job is next due after the scheduler's clock
// reading, soonest first.
func (s *Scheduler) Next() []Planned {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Planned, 0, len(s.jobs))
	for name, sj := range s.jobs {
		out = append(out, Planned{Name: name, Next: sj.sched.Next(now)})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Next.Equal(out[j].Next) {
			return out[i].Next.Before(out[j].Next)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Run schedules jobs until ctx is done. Then it starts no further run,
// whether due or triggered, and returns at once: runs in flight go on
// under their owner's control. Run returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	s.cron.Start()
	<-ctx.Done()
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cron.Stop()
	return nil
}

// cronLogger adapts slog to cron.Logger. Info messages go out at the level
// info: cron's own chatter (wake, run) is debug, a skipped run is info.
type cronLogger struct {
	log  *slog.Logger
	info slog.Level
}

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Log(context.Background(), l.info, "scheduler: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("scheduler: "+msg, append([]any{"error", err}, kv...)...)
}
