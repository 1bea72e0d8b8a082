package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/chat"
	"github.com/storywatch/storywatch/notify/email"
	"github.com/storywatch/storywatch/notify/smtptest"
	"github.com/storywatch/storywatch/notify/webhook"
	"github.com/storywatch/storywatch/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	db    *store.DB
	path  string
	clock *clock
	n     int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := &clock{t: time.Date(2025, 11, 26, 7, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "sw.db")
	db, err := store.Open(context.Background(), path, store.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &env{t: t, db: db, path: path, clock: c}
}

// addItem stores one new item of feed "Wire" with a hit for each watch.
func (e *env) addItem(title string, watches ...string) {
	e.t.Helper()
	e.n++
	it := monitor.NewItem{Item: feed.Item{
		Key: title, URL: "https://example.org/" + strings.ReplaceAll(title, " ", "-"),
		Title: title, Summary: "summary of " + title, Published: e.clock.Now().Add(-time.Hour),
	}}
	for _, w := range watches {
		it.Hits = append(it.Hits, match.Hit{Watch: w, Score: 2, Matches: []match.Match{
			{Term: "Witkoff", Field: "title", Snippet: title, Mark: [2]int{0, 1}}}})
	}
	_, err := e.db.SaveFetch(context.Background(), monitor.FeedFetch{Name: "Wire",
		State: monitor.FeedState{URL: "https://wire.example/rss", LastFetch: e.clock.Now(), FirstPollDone: true},
		Items: []monitor.NewItem{it}})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) digester() *notify.Digester {
	return &notify.Digester{Store: e.db, Now: e.clock.Now}
}

func (e *env) outbox(senders map[string]notify.Sender, log *slog.Logger) *notify.Outbox {
	return &notify.Outbox{Store: e.db, Senders: senders, Now: e.clock.Now, Log: log,
		Backoff: notify.Backoff{RetryAfter: time.Minute, RetryMax: time.Hour, GiveUp: 24 * time.Hour}}
}

func (e *env) deliveries() []notify.Delivery {
	e.t.Helper()
	ds, err := e.db.Deliveries(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *env) runDue(o *notify.Outbox) int {
	e.t.Helper()
	n, err := o.RunDue(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

var morning = notify.Spec{Name: "morning",
	Watches: []notify.WatchInfo{{ID: "call-leak", Title: "Call leak"}, {ID: "peace-plan", Title: "Peace plan"}},
	To:      []string{"hook"}}

// countingHook is a webhook receiver that answers with the given statuses
// in turn (then 200) and counts accepted deliveries by Idempotency-Key.
type countingHook struct {
	mu       sync.Mutex
	statuses []int
	requests int
	accepted map[string]int
	bodies   [][]byte
}

func (h *countingHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
	status := http.StatusOK
	if len(h.statuses) > 0 {
		status, h.statuses = h.statuses[0], h.statuses[1:]
	}
	if status == http.StatusOK {
		if h.accepted == nil {
			h.accepted = map[string]int{}
		}
		h.accepted[r.Header.Get("Idempotency-Key")]++
		h.bodies = append(h.bodies, b)
	}
	w.WriteHeader(status)
}

func (h *countingHook) counts() (int, map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := map[string]int{}
	for k, v := range h.accepted {
		m[k] = v
	}
	return h.requests, m
}

func webhookSender(t *testing.T, url string) notify.Sender {
	w, err := webhook.New(webhook.Options{NotifierID: "hook", URL: url, Secret: "whsec-test-secret"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestDigestIncludesAHitOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addItem("Witkoff call leaked", "call-leak")
	e.addItem("Peace plan text", "peace-plan")
	e.addItem("Unrelated watch", "dmitriev-channel")
	d, err := e.digester().Run(context.Background(), morning)
	if err != nil || d == nil {
		t.Fatalf("digest = %v, %v", d, err)
	}
	if len(d.HitIDs) != 2 || d.Empty() {
		t.Errorf("digest hits = %v", d.HitIDs)
	}
	if ds := e.deliveries(); len(ds) != 1 || ds[0].Status != notify.StatusPending || ds[0].Notifier != "hook" {
		t.Errorf("deliveries = %+v", ds)
	}
	again, err := e.digester().Run(context.Background(), morning)
	if err != nil || again != nil {
		t.Errorf("second run = %v, %v; want nothing recorded", again, err)
	}
	if n := len(e.deliveries()); n != 1 {
		t.Errorf("%d deliveries after a second run, want 1", n)
	}
	// Another digest over the same watches has its own memory.
	other := morning
	other.Name = "evening"
	if d, _ := e.digester().Run(context.Background(), other); d == nil || len(d.HitIDs) != 2 {
		t.Errorf("another digest did not get the hits: %+v", d)
	}
	e.addItem("New Witkoff development", "call-leak")
	d, _ = e.digester().Run(context.Background(), morning)
	if d == nil || len(d.HitIDs) != 1 {
		t.Errorf("third run = %+v, want the one new hit", d)
	}
}

func TestEmptyDigestIsSentOnlyWithSendEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := morning
	if d, _ := e.digester().Run(context.Background(), spec); d != nil {
		t.Error("empty digest recorded without send_empty")
	}
	spec.SendEmpty = true
	if d, _ := e.digester().Run(context.Background(), spec); d == nil {
		t.Error("empty digest not recorded with send_empty")
	}
}

func TestInstantDigestLeavesOutBackfilledHits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.addItem("Found by a backtest", "call-leak")
	raw, err := sql.Open("sqlite", e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE hits SET backfilled = 1`); err != nil {
		t.Fatal(err)
	}
	e.addItem("Found by a poll", "call-leak")
	spec := notify.Spec{Name: "breaking", Instant: true, Watches: []notify.WatchInfo{{ID: "call-leak"}}, To: []string{"hook"}}
	d, err := e.digester().Run(context.Background(), spec)
	if err != nil || d == nil {
		t.Fatal(d, err)
	}
	if st := d.Watches[0].Stories; len(st) != 1 || st[0].Title != "Found by a poll" {
		t.Errorf("instant stories = %+v", st)
	}
	if d, _ := e.digester().Run(context.Background(), spec); d != nil {
		t.Error("instant digest fired again without new hits")
	}
}

func TestWebhookFailingTwiceIsSentOnceWithBackoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hook := &countingHook{statuses: []int{500, 500}}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	e.addItem("Witkoff call leaked", "call-leak")
	d, _ := e.digester().Run(context.Background(), morning)
	o := e.outbox(map[string]notify.Sender{"hook": webhookSender(t, srv.URL)}, nil)

	start := e.clock.Now()
	if n := e.runDue(o); n != 1 {
		t.Fatalf("attempted %d", n)
	}
	dl := e.deliveries()[0]
	if dl.Status != notify.StatusPending || dl.Attempts != 1 || !dl.NextAttempt.Equal(start.Add(time.Minute)) ||
		!strings.Contains(dl.LastError, "500") {
		t.Fatalf("after the first failure: %+v", dl)
	}
	if n := e.runDue(o); n != 0 {
		t.Errorf("retried %d before its time", n)
	}
	e.clock.Add(time.Minute)
	e.runDue(o)
	dl = e.deliveries()[0]
	if dl.Attempts != 2 || !dl.NextAttempt.Equal(e.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("second retry not doubled: %+v", dl)
	}
	e.clock.Add(2 * time.Minute)
	e.runDue(o)
	dl = e.deliveries()[0]
	if dl.Status != notify.StatusSent || dl.Attempts != 3 || dl.LastError != "" || dl.SentAt.IsZero() {
		t.Fatalf("after the third attempt: %+v", dl)
	}
	e.clock.Add(48 * time.Hour)
	if n := e.runDue(o); n != 0 {
		t.Errorf("a sent delivery was attempted again")
	}
	requests, accepted := hook.counts()
	if requests != 3 || len(accepted) != 1 || accepted[d.ID+"-hook"] != 1 {
		t.Errorf("receiver saw %d requests, accepted %v", requests, accepted)
	}
}

func TestSMTP451ThenAcceptedIsSentOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := smtptest.Start(t)
	srv.Refuse(451)
	mail, err := email.New(email.Options{NotifierID: "mail", Host: srv.Host, Port: srv.Port, TLS: email.TLSNone,
		From: "alerts@example.org", To: []string{"desk@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	e.addItem("Witkoff call leaked", "call-leak")
	spec := morning
	spec.To = []string{"mail"}
	if _, err := e.digester().Run(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	o := e.outbox(map[string]notify.Sender{"mail": mail}, nil)
	e.runDue(o)
	if dl := e.deliveries()[0]; dl.Status != notify.StatusPending || !strings.Contains(dl.LastError, "451") {
		t.Fatalf("after 451: %+v", dl)
	}
	e.clock.Add(time.Minute)
	e.runDue(o)
	e.clock.Add(time.Hour)
	e.runDue(o)
	if dl := e.deliveries()[0]; dl.Status != notify.StatusSent {
		t.Fatalf("after 250: %+v", dl)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server accepted %d messages, want 1", n)
	}
}

func TestSMTP550IsDeadAtOnceAndCanBeRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := smtptest.Start(t)
	srv.Refuse(550)
	mail, _ := email.New(email.Options{NotifierID: "mail", Host: srv.Host, Port: srv.Port, TLS: email.TLSNone,
		From: "alerts@example.org", To: []string{"desk@example.org"}})
	e.addItem("Witkoff call leaked", "call-leak")
	spec := morning
	spec.To = []string{"mail"}
	e.digester().Run(context.Background(), spec)
	o := e.outbox(map[string]notify.Sender{"mail": mail}, nil)
	e.runDue(o)
	dl := e.deliveries()[0]
	if dl.Status != notify.StatusDead || dl.Attempts != 1 || !strings.Contains(dl.LastError, "550") {
		t.Fatalf("after 550: %+v", dl)
	}
	e.clock.Add(48 * time.Hour)
	if n := e.runDue(o); n != 0 {
		t.Error("a dead delivery was retried on its own")
	}
	if err := e.db.RetryDelivery(context.Background(), dl.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.runDue(o)
	if dl := e.deliveries()[0]; dl.Status != notify.StatusSent {
		t.Fatalf("after retry: %+v", dl)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server accepted %d messages", n)
	}
	if err := e.db.RetryDelivery(context.Background(), dl.ID, e.clock.Now()); !errors.Is(err, notify.ErrNotDead) {
		t.Errorf("retrying a sent delivery: %v, want ErrNotDead", err)
	}
	if err := e.db.RetryDelivery(context.Background(), 999, e.clock.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retrying an unknown delivery: %v, want ErrNotFound", err)
	}
}

func TestTemporaryFailuresGiveUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hook := &countingHook{statuses: make([]int, 1000)}
	for i := range hook.statuses {
		hook.statuses[i] = 503
	}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	e.addItem("Witkoff call leaked", "call-leak")
	e.digester().Run(context.Background(), morning)
	o := e.outbox(map[string]notify.Sender{"hook": webhookSender(t, srv.URL)}, nil)
	start := e.clock.Now()
	var delays []time.Duration
	for i := 0; i < 100; i++ {
		e.runDue(o)
		dl := e.deliveries()[0]
		if dl.Status == notify.StatusDead {
			if !strings.HasPrefix(dl.LastError, "gave up") || e.clock.Now().Sub(start) != 24*time.Hour {
				t.Errorf("dead at %v with %q", e.clock.Now().Sub(start), dl.LastError)
			}
			want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60}
			for j, w := range want {
				if delays[j] != w*time.Minute {
					t.Errorf("delay %d = %v, want %v", j, delays[j], w*time.Minute)
				}
			}
			return
		}
		delays = append(delays, dl.NextAttempt.Sub(e.clock.Now()))
		e.clock.Add(dl.NextAttempt.Sub(e.clock.Now()))
	}
	t.Fatal("never gave up")
}

func TestDeliveryLeftSendingByACrashIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hook := &countingHook{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	e.addItem("Witkoff call leaked", "call-leak")
	e.digester().Run(context.Background(), morning)
	// A process claims the delivery and dies before the send ends: the
	// claim is what it leaves in the database.
	dl := e.deliveries()[0]
	ok, err := e.db.ClaimDelivery(context.Background(), dl, e.clock.Now(), e.clock.Now().Add(time.Minute))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	o := e.outbox(map[string]notify.Sender{"hook": webhookSender(t, srv.URL)}, nil)
	if n := e.runDue(o); n != 0 {
		t.Error("an in-flight delivery was sent again at once")
	}
	e.clock.Add(time.Minute)
	e.runDue(o)
	if dl := e.deliveries()[0]; dl.Status != notify.StatusSent || dl.Attempts != 2 {
		t.Errorf("after restart: %+v", dl)
	}
	if _, accepted := hook.counts(); len(accepted) != 1 {
		t.Errorf("accepted %v", accepted)
	}
}

func TestNoSecretInLogsOrErrors(t *testing.T) {
	t.Parallel()
	const (
		password = "smtp-Pa55w0rd-xyz"
		secret   = "whsec-very-secret"
		token    = "chatTOKEN12345"
	)
	e := newEnv(t)
	smtpSrv := smtptest.Start(t, smtptest.WithAuth("desk", "not-the-password"))
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusInternalServerError)
	}))
	defer hookSrv.Close()
	mail, _ := email.New(email.Options{NotifierID: "mail", Host: smtpSrv.Host, Port: smtpSrv.Port,
		TLS: email.TLSNone, Username: "desk", Password: password, From: "alerts@example.org", To: []string{"desk@example.org"}})
	hook, _ := webhook.New(webhook.Options{NotifierID: "hook", URL: hookSrv.URL + "/" + token, Secret: secret})
	ch, err := chat.New(chat.Options{NotifierID: "chat", URL: "generic://" + strings.TrimPrefix(hookSrv.URL, "http://") + "/" + token + "?disabletls=yes"})
	if err != nil {
		t.Fatal(err)
	}
	e.addItem("Witkoff call leaked", "call-leak")
	spec := morning
	spec.To = []string{"mail", "hook", "chat"}
	e.digester().Run(context.Background(), spec)
	var logs bytes.Buffer
	o := e.outbox(map[string]notify.Sender{"mail": mail, "hook": hook, "chat": ch},
		slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if n := e.runDue(o); n != 3 {
		t.Fatalf("attempted %d", n)
	}
	var stored strings.Builder
	for _, dl := range e.deliveries() {
		if dl.Status == notify.StatusSent {
			t.Errorf("%s sent against a refusing server", dl.Notifier)
		}
		stored.WriteString(dl.LastError + "\n")
	}
	if logs.Len() == 0 || stored.Len() < 10 {
		t.Fatal("nothing logged or stored")
	}
	for _, s := range []string{password, secret, token} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("log contains %q:\n%s", s, logs.String())
		}
		if strings.Contains(stored.String(), s) {
			t.Errorf("stored errors contain %q:\n%s", s, stored.String())
		}
	}
}
