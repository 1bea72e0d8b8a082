package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// fakeSender calls send and declares timeout as its send timeout.
type fakeSender struct {
	timeout time.Duration
	send    func(ctx context.Context, r *notify.Rendered) error
}

func (f *fakeSender) Send(ctx context.Context, r *notify.Rendered) error { return f.send(ctx, r) }
func (f *fakeSender) SendTimeout() time.Duration                         { return f.timeout }

// TestClaimOutlastsTheSend runs a second worker while the first one's send
// is still in flight, at a clock the old claim (the retry delay, or none at
// give-up) would have let it take the delivery.
func TestClaimOutlastsTheSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// before is how long after the digest the first attempt starts.
		before time.Duration
		// during is how far the clock moves while the send runs.
		during time.Duration
	}{
		{"send slower than the retry delay", 0, 2 * time.Minute},
		{"last attempt at give-up", 24 * time.Hour, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.addItem("Witkoff call leaked", "call-leak")
			if _, err := e.digester().Run(context.Background(), morning); err != nil {
				t.Fatal(err)
			}
			e.clock.Add(tt.before)
			var mu sync.Mutex
			sends := 0
			var other *notify.Outbox
			otherAttempted := -1
			slow := &fakeSender{timeout: 5 * time.Minute, send: func(ctx context.Context, r *notify.Rendered) error {
				mu.Lock()
				sends++
				first := sends == 1
				mu.Unlock()
				if first {
					e.clock.Add(tt.during)
					n, err := other.RunDue(context.Background())
					if err != nil {
						t.Error(err)
					}
					otherAttempted = n
				}
				return nil
			}}
			senders := map[string]notify.Sender{"hook": slow}
			other = e.outbox(senders, nil)
			e.runDue(e.outbox(senders, nil))
			if otherAttempted != 0 || sends != 1 {
				t.Errorf("second worker attempted %d while the first was sending; %d sends", otherAttempted, sends)
			}
			if dl := e.deliveries()[0]; dl.Status != notify.StatusSent || dl.Attempts != 1 {
				t.Errorf("delivery %+v", dl)
			}
		})
	}
}

// TestStaleFinishDoesNotOverwrite: worker A's claim runs out during its
// send (its process stalled); worker B claims the delivery, and while B is
// sending, A's late failure arrives. It must not replace B's claim, so
// that B's success is recorded and the delivery is not sent again.
func TestStaleFinishDoesNotOverwrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addItem("Witkoff call leaked", "call-leak")
	if _, err := e.digester().Run(context.Background(), morning); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	sends := 0
	count := func() { mu.Lock(); sends++; mu.Unlock() }
	aSending, aRelease, aDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	stale := &fakeSender{timeout: time.Second, send: func(ctx context.Context, r *notify.Rendered) error {
		count()
		close(aSending)
		<-aRelease
		return errors.New("connection reset")
	}}
	var logs bytes.Buffer
	a := e.outbox(map[string]notify.Sender{"hook": stale}, slog.New(slog.NewTextHandler(&logs, nil)))
	// A's send is stuck on aRelease, not on its context: the stall is the
	// process's, not the network's.
	go func() {
		defer close(aDone)
		if _, err := a.RunDue(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-aSending:
	case <-time.After(10 * time.Second):
		t.Fatal("worker A never sent")
	}
	e.clock.Add(time.Hour)
	release := sync.OnceFunc(func() { close(aRelease) })
	fast := &fakeSender{timeout: time.Second, send: func(ctx context.Context, r *notify.Rendered) error {
		count()
		release()
		<-aDone
		return nil
	}}
	b := e.outbox(map[string]notify.Sender{"hook": fast}, nil)
	if n := e.runDue(b); n != 1 {
		t.Fatalf("worker B attempted %d", n)
	}
	dl := e.deliveries()[0]
	if dl.Status != notify.StatusSent || dl.Attempts != 2 || dl.LastError != "" {
		t.Errorf("a stale attempt overwrote the outcome: %+v", dl)
	}
	e.clock.Add(48 * time.Hour)
	if n := e.runDue(b); n != 0 || sends != 2 {
		t.Errorf("sent again: attempted %d, %d sends in all", n, sends)
	}
	if !strings.Contains(logs.String(), "not recorded") {
		t.Errorf("stale finish not logged:\n%s", logs.String())
	}
}

func TestFinishDeliveryChecksTheAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addItem("Witkoff call leaked", "call-leak")
	e.digester().Run(context.Background(), morning)
	ctx := context.Background()
	now := e.clock.Now()
	dl := e.deliveries()[0]
	if ok, err := e.db.ClaimDelivery(ctx, dl, now, now); !ok || err != nil {
		t.Fatal(ok, err)
	}
	dl = e.deliveries()[0]
	if ok, err := e.db.ClaimDelivery(ctx, dl, now, now.Add(time.Minute)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := e.db.FinishDelivery(ctx, dl.ID, 1, notify.StatusDead, now, now, "late"); ok || err != nil {
		t.Errorf("finish of attempt 1 after attempt 2 claimed: %v %v", ok, err)
	}
	if got := e.deliveries()[0]; got.Status != notify.StatusSending || got.LastError != "" {
		t.Errorf("stale finish changed the delivery: %+v", got)
	}
	if ok, err := e.db.FinishDelivery(ctx, dl.ID, 2, notify.StatusSent, now, now, ""); !ok || err != nil {
		t.Errorf("finish of attempt 2: %v %v", ok, err)
	}
	if got := e.deliveries()[0]; got.Status != notify.StatusSent {
		t.Errorf("delivery %+v", got)
	}
}

// TestHungSendIsCutAtTheSenderTimeout: a sender that never returns on its
// own (a chat service shoutrrr waits on) must not stall the outbox.
func TestHungSendIsCutAtTheSenderTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addItem("Witkoff call leaked", "call-leak")
	e.digester().Run(context.Background(), morning)
	hung := &fakeSender{timeout: 50 * time.Millisecond, send: func(ctx context.Context, r *notify.Rendered) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	o := e.outbox(map[string]notify.Sender{"hook": hung}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // ends a hung send when the test failed
	done := make(chan error, 1)
	go func() { _, err := o.RunDue(ctx); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunDue still running 10s after a 50ms send timeout")
	}
	dl := e.deliveries()[0]
	if dl.Status != notify.StatusPending || !strings.Contains(dl.LastError, "deadline exceeded") {
		t.Errorf("after a hung send: %+v", dl)
	}
}

func TestGiveUpCountsFromCreation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hook := &countingHook{statuses: make([]int, 100)}
	for i := range hook.statuses {
		hook.statuses[i] = 503
	}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	e.addItem("Witkoff call leaked", "call-leak")
	created := e.clock.Now()
	e.digester().Run(context.Background(), morning)
	// The daemon was down for 23 hours: the first attempt is late.
	e.clock.Add(23 * time.Hour)
	o := e.outbox(map[string]notify.Sender{"hook": webhookSender(t, srv.URL)}, nil)
	for i := 0; i < 50; i++ {
		e.runDue(o)
		dl := e.deliveries()[0]
		if dl.Status == notify.StatusDead {
			break
		}
		e.clock.Add(dl.NextAttempt.Sub(e.clock.Now()))
	}
	dl := e.deliveries()[0]
	if dl.Status != notify.StatusDead || e.clock.Now().Sub(created) != 24*time.Hour {
		t.Fatalf("dead %v after creation: %+v", e.clock.Now().Sub(created), dl)
	}
	// A manual retry starts a new period: one failure is retried.
	e.clock.Add(24 * time.Hour)
	if err := e.db.RetryDelivery(context.Background(), dl.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.runDue(o)
	if dl := e.deliveries()[0]; dl.Status != notify.StatusPending {
		t.Errorf("after a retry and one failure: %+v", dl)
	}
}

func TestStoredAndLoggedErrorsRedactURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addItem("Witkoff call leaked", "call-leak")
	e.digester().Run(context.Background(), morning)
	const token = "XoXoSECRETtokenZZ"
	failing := notify.SenderFunc(func(ctx context.Context, r *notify.Rendered) error {
		return errors.New(`Post "https://hooks.slack.com/services/T01ABC/B02DEF/` + token + `": dial tcp: i/o timeout`)
	})
	var logs bytes.Buffer
	o := e.outbox(map[string]notify.Sender{"hook": failing}, slog.New(slog.NewTextHandler(&logs, nil)))
	e.runDue(o)
	dl := e.deliveries()[0]
	for what, s := range map[string]string{"last_error": dl.LastError, "log": logs.String()} {
		if strings.Contains(s, token) || strings.Contains(s, "T01ABC") {
			t.Errorf("%s holds the hook's token: %s", what, s)
		}
	}
	if !strings.Contains(dl.LastError, "https://hooks.slack.com/…") {
		t.Errorf("last_error = %q, want the redacted URL", dl.LastError)
	}
}

var _ http.Handler = (*countingHook)(nil)
