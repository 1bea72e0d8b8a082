package daemon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storywatch/storywatch/store"
)

// testHub is a WebSub hub on loopback: it takes subscription requests,
// verifies each intent at the callback as a real hub does (after
// answering 202) and pushes signed bodies on demand.
type testHub struct {
	*httptest.Server
	t *testing.T

	mu       sync.Mutex
	requests []url.Values // subscription requests, in order
	verified []bool       // whether the callback echoed the challenge
	wg       sync.WaitGroup
}

const hubLease = time.Hour

func newTestHub(t *testing.T) *testHub {
	h := &testHub{t: t}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("hub.mode") != "subscribe" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		form := r.PostForm
		h.mu.Lock()
		h.requests = append(h.requests, form)
		n := len(h.requests) - 1
		h.verified = append(h.verified, false)
		h.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			ok := h.verify(form.Get("hub.callback"), form.Get("hub.topic"), fmt.Sprintf("challenge-%d", n))
			h.mu.Lock()
			h.verified[n] = ok
			h.mu.Unlock()
		}()
	}))
	t.Cleanup(func() { h.wg.Wait(); h.Close() })
	return h
}

// verify sends the verification of intent and reports whether the
// subscriber echoed the challenge.
func (h *testHub) verify(callback, topic, challenge string) bool {
	q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {challenge},
		"hub.lease_seconds": {fmt.Sprint(int(hubLease / time.Second))}}
	resp, err := http.Get(callback + "?" + q.Encode())
	if err != nil {
		h.t.Errorf("hub: verification: %v", err)
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && string(body) == challenge
}

func (h *testHub) request(i int) (url.Values, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if i >= len(h.requests) {
		return nil, false
	}
	return h.requests[i], h.verified[i]
}

// push posts body to the callback signed with secret, as the hub does.
func (h *testHub) push(t *testing.T, callback, secret, body string) int {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, callback, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/rss+xml")
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// hubFeed renders an RSS feed that names its hub and itself.
func hubFeed(hub, self string, items ...pollItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Wire</title>`)
	fmt.Fprintf(&b, `<atom:link rel="hub" href="%s"/><atom:link rel="self" type="application/rss+xml" href="%s"/>`, html.EscapeString(hub), html.EscapeString(self))
	pub := time.Now().Add(-time.Minute).UTC().Format(time.RFC1123Z)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid>%s</guid><title>%s</title><link>%s</link><pubDate>%s</pubDate></item>`,
			it.id, html.EscapeString(it.title), html.EscapeString(it.link), pub)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func TestWebSubSubscribePushRenewAndRefuseForgeries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hub := newTestHub(t)
	feeds := newPollServer(t)
	feedURL := feeds.URL + "/wire.xml"
	snow := pollItem{"w-1", "Snow in the Alps", "https://wire.example/snow"}
	var fetches atomic.Int32
	feeds.special["/wire.xml"] = func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, hubFeed(hub.URL+"/", feedURL, snow))
	}

	// storywatch's own HTTP server, on a port known before the config.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "http://" + ln.Addr().String()
	dir := t.TempDir()
	cfg := pollConfig(t, dir, "5s", feedURL)
	text, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte("public_url: "+public+"\n"+string(text)), 0o600)
	d, db := newTestDaemon(t, cfg, discard())
	clock := &fakeClock{now: time.Now()}
	d.websub.now = clock.Now
	srv := &http.Server{Handler: d.server.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	// A poll finds the hub; the subscription is asked for and verified.
	d.pollJob(d.gen.Load())()
	eventually(t, 5*time.Second, "the hub's verification", func() bool { _, ok := hub.request(0); return ok })
	form, _ := hub.request(0)
	if form.Get("hub.topic") != feedURL || !strings.HasPrefix(form.Get("hub.callback"), public+"/websub/") ||
		len(form.Get("hub.secret")) < 32 || form.Get("hub.lease_seconds") == "" {
		t.Fatalf("subscription request = %v", form)
	}
	callback, secret := form.Get("hub.callback"), form.Get("hub.secret")
	sub := subscriptionOf(t, db, feedURL)
	if sub.State != store.SubActive || !sub.LeaseUntil.After(clock.Now().Add(hubLease-time.Minute)) {
		t.Fatalf("after verification the subscription is %+v", sub)
	}

	// A push of a new item becomes a hit without a poll.
	leak := pollItem{"w-2", "Witkoff coached Ushakov on the call, recording shows", "https://wire.example/leak"}
	if code := hub.push(t, callback, secret, hubFeed(hub.URL+"/", feedURL, leak, snow)); code != http.StatusAccepted {
		t.Fatalf("push answered %d", code)
	}
	hits, err := db.Hits(ctx, store.HitFilter{Watch: "call-leak"})
	if err != nil || len(hits) != 1 || hits[0].ItemURL != leak.link {
		t.Fatalf("call-leak hits after the push = %+v, %v", hits, err)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("the feed was fetched %d times, want only the first poll", n)
	}

	// A forged push (wrong secret) is refused and stores nothing.
	forged := pollItem{"w-3", "Witkoff and Ushakov call was staged, leak claims", "https://forged.example/x"}
	if code := hub.push(t, callback, "not-the-secret", hubFeed(hub.URL+"/", feedURL, forged)); code != http.StatusForbidden {
		t.Errorf("forged push answered %d, want 403", code)
	}
	if hits, _ := db.Hits(ctx, store.HitFilter{}); len(hits) != 3 {
		t.Errorf("after the forged push %d hits, want the 3 of the real push", len(hits))
	}
	// A verification for a topic storywatch did not ask for is refused, and
	// so is one (or a push) at the feed's id without the callback's token.
	if hub.verify(callback, "https://other.example/feed", "x") {
		t.Error("a verification for another topic was accepted")
	}
	bare, _, _ := strings.Cut(callback, "-")
	if hub.verify(bare, feedURL, "x") {
		t.Error("a verification without the callback's token was accepted")
	}
	if code := hub.push(t, bare, secret, hubFeed(hub.URL+"/", feedURL, forged)); code != http.StatusNotFound {
		t.Errorf("a push without the callback's token answered %d, want 404", code)
	}

	// Nothing to renew yet; past half the lease the subscription is renewed
	// with the same callback and secret.
	d.websubJob(d.gen.Load())()
	if _, ok := hub.request(1); ok {
		t.Fatal("renewed a fresh lease")
	}
	clock.Add(hubLease/2 + time.Minute)
	d.websubJob(d.gen.Load())()
	eventually(t, 5*time.Second, "the renewal's verification", func() bool { _, ok := hub.request(1); return ok })
	renewal, _ := hub.request(1)
	if renewal.Get("hub.callback") != callback || renewal.Get("hub.secret") != secret {
		t.Errorf("renewal = %v, want the same callback and secret", renewal)
	}
	if got := subscriptionOf(t, db, feedURL); !got.LeaseUntil.After(sub.LeaseUntil) || got.State != store.SubActive {
		t.Errorf("after the renewal the subscription is %+v, lease before %s", got, sub.LeaseUntil)
	}

	// While the hub pushes, the feed is polled every max_interval.
	if _, err := d.gen.Load().poller.PollAll(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := db.Feed(ctx, feedURL)
	if err != nil || !strings.Contains(f.PollReason, "WebSub pushes until") || f.NextPoll.Sub(f.LastFetch) != time.Hour {
		t.Errorf("feed plan: next poll %s after the last, %q, %v; want the 1h fallback", f.NextPoll.Sub(f.LastFetch), f.PollReason, err)
	}
	if got := subscriptionOf(t, db, feedURL); got.State != store.SubActive || got.LastPush.IsZero() {
		t.Errorf("subscription = %+v, want active with its last push", got)
	}
}

func subscriptionOf(t *testing.T, db *store.DB, feedURL string) store.Subscription {
	t.Helper()
	subs, err := db.Subscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.FeedURL == feedURL {
			return s
		}
	}
	t.Fatalf("no subscription of %s", feedURL)
	return store.Subscription{}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
