package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// drain is the daemon's one mechanism for "start nothing new, let the work
// in flight finish, then close". Every piece of work (a poll cycle, a
// digest, an outbox run, a reload's backtest, and the loops that start
// outbox runs and reloads) runs through do or spawn, with the drain's work
// context. close begins the shutdown: do and spawn refuse from then on and
// the stop channel closes, so that a running cycle starts no further feed
// and a running outbox no further delivery; the work in flight keeps its
// context for most of the grace period, is then cancelled, and close
// returns within the grace period in all.
//
// The model is litestream's Store.Open/Close: one context and one
// WaitGroup own every goroutine of the process.
type drain struct {
	stopping context.Context
	stop     context.CancelFunc
	work     context.Context
	cancel   context.CancelFunc

	// mu orders enter's wg.Add before close's Wait: once stopping is done
	// no work is added.
	mu sync.Mutex
	wg sync.WaitGroup
}

func newDrain() *drain {
	dr := &drain{}
	dr.stopping, dr.stop = context.WithCancel(context.Background())
	dr.work, dr.cancel = context.WithCancel(context.Background())
	return dr
}

// stopped returns the channel that closes when the shutdown begins.
func (dr *drain) stopped() <-chan struct{} { return dr.stopping.Done() }

// do runs fn with the work context, unless the shutdown has begun; it
// reports whether fn ran.
func (dr *drain) do(fn func(ctx context.Context)) bool {
	if !dr.enter() {
		return false
	}
	defer dr.wg.Done()
	fn(dr.work)
	return true
}

// spawn runs fn as do does, on a goroutine of its own.
func (dr *drain) spawn(fn func(ctx context.Context)) bool {
	if !dr.enter() {
		return false
	}
	go func() {
		defer dr.wg.Done()
		fn(dr.work)
	}()
	return true
}

func (dr *drain) enter() bool {
	dr.mu.Lock()
	defer dr.mu.Unlock()
	if dr.stopping.Err() != nil {
		return false
	}
	dr.wg.Add(1)
	return true
}

// shutdownSplit divides a shutdown grace period: running work gets
// cancelAfter, then the time left (a fifth of grace) for returning once
// cancelled. Their sum is grace, so a shutdown takes at most grace.
func shutdownSplit(grace time.Duration) (cancelAfter, returnWithin time.Duration) {
	returnWithin = grace / 5
	return grace - returnWithin, returnWithin
}

// close begins the shutdown and waits for the work in flight: for
// cancelAfter, then it cancels the work context and waits at most
// returnWithin more (shutdownSplit). Work that ignores its context is left
// behind rather than holding the process up.
func (dr *drain) close(grace time.Duration, log *slog.Logger) {
	dr.mu.Lock()
	dr.stop()
	dr.mu.Unlock()
	defer dr.cancel()
	all := make(chan struct{})
	go func() {
		dr.wg.Wait()
		close(all)
	}()
	cancelAfter, returnWithin := shutdownSplit(grace)
	timer := time.NewTimer(cancelAfter)
	defer timer.Stop()
	select {
	case <-all:
		return
	case <-timer.C:
	}
	log.Warn("work still running late in the shutdown grace period; cancelling it", "grace_ms", grace.Milliseconds())
	dr.cancel()
	select {
	case <-all:
	case <-time.After(returnWithin):
		log.Error("work ignored cancellation; leaving it behind")
	}
}
