package notify_test

import (
	"context"
	"sync"
	"testing"

	"github.com/storywatch/storywatch/notify"
)

// stopDuringSend is a sender whose first send closes stop, as a shutdown
// beginning while a delivery is in flight; it counts its sends.
type stopDuringSend struct {
	stop  chan struct{}
	once  sync.Once
	mu    sync.Mutex
	sends int
	ctxOK bool
}

func (s *stopDuringSend) Send(ctx context.Context, _ *notify.Rendered) error {
	s.once.Do(func() { close(s.stop) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sends++
	s.ctxOK = ctx.Err() == nil
	return nil
}

func TestRunDueStartsNoSendAfterStopButFinishesTheOneInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addItem("Witkoff call leaked", "call-leak")
	spec := morning
	spec.To = []string{"a", "b"}
	if _, err := e.digester().Run(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	s := &stopDuringSend{stop: make(chan struct{})}
	o := e.outbox(map[string]notify.Sender{"a": s, "b": s}, nil)
	o.Stop = s.stop
	if n := e.runDue(o); n != 1 {
		t.Errorf("RunDue attempted %d deliveries, want 1: none may start once Stop is closed", n)
	}
	if s.sends != 1 || !s.ctxOK {
		t.Errorf("sends = %d (context live: %v), want the one in flight to finish with a live context", s.sends, s.ctxOK)
	}
	var sent, pending int
	for _, d := range e.deliveries() {
		switch d.Status {
		case notify.StatusSent:
			sent++
		case notify.StatusPending:
			pending++
		}
	}
	if sent != 1 || pending != 1 {
		t.Errorf("deliveries: %d sent, %d pending; want 1 and 1 (the other waits for the next start)", sent, pending)
	}
}
