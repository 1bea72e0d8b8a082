package monitor

import (
	"context"
	"sync"
)

// budget bounds the bytes of feed bodies parsed at once. Parsing takes a
// few times a body's size while it runs (the XML decoder's buffer, the
// parsed strings), so eight large feeds parsed side by side would need
// several hundred megabytes; under a budget they take turns, while the
// small bodies of ordinary feeds never wait for one another.
type budget struct {
	mu   sync.Mutex
	free int64
	size int64
	wake chan struct{} // closed and replaced whenever bytes are released
}

func newBudget(size int64) *budget {
	return &budget{free: size, size: size, wake: make(chan struct{})}
}

// acquire takes n bytes of the budget, waiting until they are free or ctx
// ends. A body larger than the whole budget waits for all of it. It
// returns the bytes taken, to give back with release.
func (b *budget) acquire(ctx context.Context, n int64) (int64, error) {
	n = max(min(n, b.size), 1)
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			return n, nil
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// release gives back n bytes taken by acquire.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}
