package daemon

import (
	"context"
	"testing"
	"time"
)

func TestShutdownSplitAddsUpToTheGracePeriod(t *testing.T) {
	t.Parallel()
	for _, grace := range []time.Duration{10 * time.Second, time.Second, 20 * time.Millisecond} {
		cancelAfter, returnWithin := shutdownSplit(grace)
		if cancelAfter+returnWithin != grace || cancelAfter <= 0 || returnWithin <= 0 {
			t.Errorf("shutdownSplit(%v) = %v + %v, want two positive parts adding up to it", grace, cancelAfter, returnWithin)
		}
	}
}

// closeAsync closes dr and reports when close returned.
func closeAsync(dr *drain, grace time.Duration) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		dr.close(grace, discard())
	}()
	return done
}

func TestDrainStopsNewWorkAndLetsTheWorkInFlightFinish(t *testing.T) {
	t.Parallel()
	dr := newDrain()
	started, release, finished := make(chan struct{}), make(chan struct{}), make(chan bool, 1)
	dr.spawn(func(ctx context.Context) {
		close(started)
		<-dr.stopped()
		<-release
		// The work in flight keeps its context after the shutdown began.
		finished <- ctx.Err() == nil
	})
	<-started
	closed := closeAsync(dr, 5*time.Second)
	select {
	case <-dr.stopped():
	case <-time.After(5 * time.Second):
		t.Fatal("the stop channel did not close when the shutdown began")
	}
	if dr.do(func(context.Context) { t.Error("work started after the shutdown began") }) {
		t.Error("do reported running work after the shutdown began")
	}
	if dr.spawn(func(context.Context) { t.Error("work spawned after the shutdown began") }) {
		t.Error("spawn reported starting work after the shutdown began")
	}
	select {
	case <-closed:
		t.Fatal("close returned before the work in flight finished")
	default:
	}
	close(release)
	if live := <-finished; !live {
		t.Error("the work in flight lost its context before the grace period was over")
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("close did not return once the work in flight finished")
	}
	if dr.work.Err() == nil {
		t.Error("the work context outlived close")
	}
}

func TestDrainCancelsWorkLateInTheGracePeriod(t *testing.T) {
	t.Parallel()
	dr := newDrain()
	started, cancelled := make(chan struct{}), make(chan struct{})
	dr.spawn(func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		close(cancelled)
	})
	<-started
	select {
	case <-closeAsync(dr, 20*time.Millisecond):
	case <-time.After(5 * time.Second):
		t.Fatal("close waited past the grace period")
	}
	select {
	case <-cancelled:
	default:
		t.Error("close returned before the work saw its context cancelled")
	}
}

func TestDrainLeavesBehindWorkThatIgnoresCancellation(t *testing.T) {
	t.Parallel()
	dr := newDrain()
	started, release := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(release) })
	dr.spawn(func(context.Context) {
		close(started)
		<-release // ignores cancellation
	})
	<-started
	const grace = 300 * time.Millisecond
	begin := time.Now()
	select {
	case <-closeAsync(dr, grace):
	case <-time.After(5 * time.Second):
		t.Fatal("close waited for work that ignores its context")
	}
	// Before, a job ignoring its context held the shutdown for grace plus 2 s.
	if took := time.Since(begin); took > grace+1500*time.Millisecond {
		t.Errorf("shutdown took %v, want at most the grace period %v (plus scheduling slack)", took, grace)
	}
}
