package daemon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// WebSub timings (docs/config.md, "WebSub").
const (
	// websubLease is the lease asked of hubs; they may grant another.
	websubLease = 10 * 24 * time.Hour
	// websubRetry is how long a request the hub never verified waits
	// before it is sent again; websubRetryDenied the same after a denial.
	websubRetry       = time.Hour
	websubRetryDenied = 24 * time.Hour
	// websubRenewBefore is the most of a lease left when it is renewed
	// (renewal starts once half the lease is gone, or a day before its end).
	websubRenewBefore = 24 * time.Hour
	// websubSyncEvery is how often every subscription is looked at for
	// renewal, besides after each poll cycle.
	websubSyncEvery = 10 * time.Minute
)

// WebSubStore is the storage WebSub subscriptions need.
type WebSubStore interface {
	FeedStates(ctx context.Context, urls []string) (map[string]monitor.FeedState, error)
	// Subscription returns the subscription of a feed by its id, or
	// store.ErrNotFound.
	Subscription(ctx context.Context, feedID int64) (store.Subscription, error)
	Subscriptions(ctx context.Context) ([]store.Subscription, error)
	// SaveSubscription writes a subscription and returns its feed's id.
	SaveSubscription(ctx context.Context, s store.Subscription) (int64, error)
	RecordPush(ctx context.Context, feedID int64, at time.Time) error
}

var _ WebSubStore = (*store.DB)(nil)

// pusher keeps the WebSub subscriptions of the feeds that declare a hub,
// and answers their hubs at /websub/{feed}.
type pusher struct {
	store  WebSubStore
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	// poller returns the poller of the running config, which takes pushes.
	poller func() *monitor.Poller
	// pushed is called after a push stored something new.
	pushed func(ctx context.Context, res monitor.FeedResult)
	// settings follow the config (a reload swaps them).
	settings atomic.Pointer[websubSettings]
}

// websubSettings are the parts of the config WebSub uses.
type websubSettings struct {
	// PublicURL is where hubs reach the daemon; "" turns WebSub off.
	PublicURL string
	UserAgent string
	MaxBody   int64
}

func (p *pusher) current() websubSettings {
	if s := p.settings.Load(); s != nil {
		return *s
	}
	return websubSettings{}
}

var _ web.WebSub = (*pusher)(nil)

// Sync subscribes the given feeds that declare a hub and have no
// subscription, asks again for requests the hub never verified or denied
// long enough ago, and renews leases that are running out. Failures are
// kept on the subscription (feeds -json shows them) and logged.
func (p *pusher) Sync(ctx context.Context, feedURLs []string) error {
	if p.current().PublicURL == "" || len(feedURLs) == 0 {
		return nil
	}
	states, err := p.store.FeedStates(ctx, feedURLs)
	if err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	subs, err := p.store.Subscriptions(ctx)
	if err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	byURL := map[string]store.Subscription{}
	for _, s := range subs {
		byURL[s.FeedURL] = s
	}
	var errs []error
	for _, u := range feedURLs {
		st, ok := states[u]
		if !ok || st.Hub == "" {
			continue
		}
		topic := st.Self
		if topic == "" {
			topic = u
		}
		sub, has := byURL[u]
		if has && !p.due(sub, st.Hub, topic) {
			continue
		}
		if err := p.subscribe(ctx, u, st.Hub, topic, sub, has); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// due reports whether a subscription must be asked for again: a new hub
// or topic, a request never verified or denied long enough ago, or a
// lease with less than half (at most websubRenewBefore) left. A renewal
// the hub has not verified yet is asked again once half of what was left
// at the last request is gone.
func (p *pusher) due(s store.Subscription, hub, topic string) bool {
	now := p.now()
	switch {
	case s.Hub != hub || s.Topic != topic:
		return true
	case s.State == store.SubDenied:
		return now.Sub(s.RequestedAt) >= websubRetryDenied
	case s.State == store.SubRequested:
		return now.Sub(s.RequestedAt) >= websubRetry
	}
	renewal := min(s.LeaseUntil.Sub(s.RequestedAt)/2, websubRenewBefore)
	return !now.Before(s.LeaseUntil.Add(-renewal))
}

// subscribe asks the hub to push a topic. The subscription is saved as
// requested before the request goes out, since a hub may verify before it
// answers; a renewal keeps its secret and stays active meanwhile.
func (p *pusher) subscribe(ctx context.Context, feedURL, hub, topic string, old store.Subscription, has bool) error {
	sub := old
	if !has || old.Hub != hub || old.Topic != topic || old.State != store.SubActive {
		secret, err := feed.NewSecret()
		if err != nil {
			return err
		}
		sub = store.Subscription{FeedURL: feedURL, Hub: hub, Topic: topic, Secret: secret, State: store.SubRequested}
	}
	sub.RequestedAt, sub.LastError = p.now(), ""
	id, err := p.store.SaveSubscription(ctx, sub)
	if err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	set := p.current()
	req := feed.SubscribeRequest{Hub: hub, Topic: topic, Secret: sub.Secret, Lease: websubLease,
		Callback: set.PublicURL + "/websub/" + callbackName(id, sub.Secret)}
	if err := req.Send(ctx, p.client, set.UserAgent); err != nil {
		sub.LastError = err.Error()
		if _, serr := p.store.SaveSubscription(ctx, sub); serr != nil {
			err = errors.Join(err, serr)
		}
		p.log.Warn("websub subscribe", "feed_url", feed.RedactURL(feedURL), "hub", feed.RedactURL(hub), "error", err)
		return err
	}
	p.log.Info("websub subscribe requested", "feed_url", feed.RedactURL(feedURL), "hub", feed.RedactURL(hub))
	return nil
}

// callbackName is the last part of a subscription's callback URL: the
// feed's id and a token derived from the subscription's secret, so that
// only the hub, which was given the URL, can reach the subscription (a
// forged verification could otherwise mark a subscription active).
func callbackName(feedID int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("storywatch websub callback"))
	return strconv.FormatInt(feedID, 10) + "-" + hex.EncodeToString(mac.Sum(nil)[:12])
}

// subscription finds the subscription of a /websub/{feed} path.
func (p *pusher) subscription(ctx context.Context, name string) (store.Subscription, bool) {
	if p.current().PublicURL == "" {
		return store.Subscription{}, false // WebSub is off
	}
	idText, _, _ := strings.Cut(name, "-")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return store.Subscription{}, false
	}
	s, err := p.store.Subscription(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			p.log.Error("websub", "error", err)
		}
		return store.Subscription{}, false
	}
	if subtle.ConstantTimeCompare([]byte(callbackName(id, s.Secret)), []byte(name)) != 1 {
		return store.Subscription{}, false
	}
	return s, true
}

// Verify answers a hub's verification of intent: a subscribe for the topic
// of a subscription storywatch asked for is accepted and its lease
// recorded; a denial is recorded; anything else is refused with 404.
func (p *pusher) Verify(ctx context.Context, feedID string, q url.Values) (int, string) {
	sub, ok := p.subscription(ctx, feedID)
	if !ok {
		return http.StatusNotFound, "no such subscription"
	}
	in, err := feed.ParseIntent(q)
	if err != nil || in.Topic != sub.Topic {
		return http.StatusNotFound, "not a subscription storywatch asked for"
	}
	switch in.Mode {
	case "denied":
		sub.State, sub.LastError = store.SubDenied, "denied by the hub: "+in.Reason
	case "subscribe":
		sub.State, sub.LeaseUntil, sub.LastError = store.SubActive, p.now().Add(in.Lease), ""
	default:
		// storywatch never unsubscribes: leases run out.
		return http.StatusNotFound, "storywatch did not ask to unsubscribe"
	}
	if _, err := p.store.SaveSubscription(ctx, sub); err != nil {
		p.log.Error("websub verification", "feed_url", feed.RedactURL(sub.FeedURL), "error", err)
		return http.StatusInternalServerError, "cannot record the subscription"
	}
	p.log.Info("websub verification", "feed_url", feed.RedactURL(sub.FeedURL), "mode", in.Mode, "lease_s", int64(in.Lease/time.Second))
	return http.StatusOK, in.Challenge
}

// Push takes a hub's push: the body (at most max_body) must be signed with
// the subscription's secret; it then goes through the poll pipeline.
func (p *pusher) Push(ctx context.Context, feedID, contentType, signature string, body io.Reader) (int, string) {
	sub, ok := p.subscription(ctx, feedID)
	if !ok || sub.State != store.SubActive || !sub.LeaseUntil.After(p.now()) {
		return http.StatusNotFound, "no active subscription"
	}
	data, err := feed.ReadPush(body, p.current().MaxBody)
	if errors.Is(err, feed.ErrTooLarge) {
		return http.StatusRequestEntityTooLarge, "body larger than max_body"
	}
	if err != nil {
		return http.StatusBadRequest, "cannot read the body"
	}
	if err := feed.CheckSignature(sub.Secret, signature, data); err != nil {
		p.log.Warn("websub push refused", "feed_url", feed.RedactURL(sub.FeedURL), "error", err)
		return http.StatusForbidden, "wrong signature"
	}
	res, err := p.poller().Push(ctx, sub.FeedURL, data, contentType)
	if errors.Is(err, monitor.ErrUnknownFeed) {
		return http.StatusNotFound, "not a configured feed"
	}
	if err != nil {
		p.log.Warn("websub push", "feed_url", feed.RedactURL(sub.FeedURL), "error", err)
		return http.StatusBadRequest, "not a feed"
	}
	if err := p.store.RecordPush(ctx, sub.FeedID, p.now()); err != nil {
		p.log.Warn("websub push", "feed_url", feed.RedactURL(sub.FeedURL), "error", err)
	}
	if res.Items > 0 && p.pushed != nil {
		p.pushed(ctx, res)
	}
	return http.StatusAccepted, "taken"
}

// websubJob looks at every WebSub subscription of g's feeds, to renew the
// leases that run out and ask again where a hub never answered.
func (d *Daemon) websubJob(g *generation) func() {
	return func() {
		d.drain.do(func(ctx context.Context) {
			if !d.leading(ctx) {
				// Feeds polled here are synced after their cycle; the
				// renewal of every subscription is the leader's.
				return
			}
			urls := make([]string, len(g.feeds))
			for i, f := range g.feeds {
				urls[i] = f.URL
			}
			if err := d.websub.Sync(ctx, urls); err != nil {
				d.log.Warn("websub", "error", err)
			}
		})
	}
}

// afterPush counts what a WebSub push stored and runs the instant digests
// for its hits, as after a poll cycle.
func (d *Daemon) afterPush(ctx context.Context, res monitor.FeedResult) {
	d.metrics.Items(res.Items)
	d.metrics.Stories(res.Stories)
	for w, n := range res.HitsByWatch {
		d.metrics.Hits(w, n)
	}
	if recorded, _ := d.instantDigests(ctx, res.Hits); len(recorded) > 0 {
		d.wakeOutbox()
	}
}
