package monitor

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBudgetNeverLetsMoreThanItsSizeAtOnce(t *testing.T) {
	t.Parallel()
	b := newBudget(10)
	var inUse, most atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := int64(1 + i%12) // some larger than the whole budget
			n, err := b.acquire(context.Background(), want)
			if err != nil {
				t.Error(err)
				return
			}
			if n != min(want, 10) {
				t.Errorf("acquire(%d) took %d", want, n)
			}
			now := inUse.Add(n)
			for {
				m := most.Load()
				if now <= m || most.CompareAndSwap(m, now) {
					break
				}
			}
			inUse.Add(-n)
			b.release(n)
		}()
	}
	wg.Wait()
	if m := most.Load(); m > 10 {
		t.Errorf("%d bytes in use at once, budget 10", m)
	}
	if b.free != 10 {
		t.Errorf("free = %d after every release, want 10", b.free)
	}
}

func TestBudgetWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	b := newBudget(4)
	n, _ := b.acquire(context.Background(), 4)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := b.acquire(ctx, 1)
		errc <- err
	}()
	cancel()
	select {
	case err := <-errc:
		if err != context.Canceled {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled wait for the budget did not return")
	}
	b.release(n)
	if got, err := b.acquire(context.Background(), 3); err != nil || got != 3 {
		t.Errorf("acquire after release = %d, %v", got, err)
	}
}
