package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/storywatch/storywatch/feed"
)

// claimWindow is the most candidates one claim considers: a claim's cost
// grows with its candidates, and at start every feed is one.
const claimWindow = 128

// leaseState is the claim loop of one cycle: the feeds not claimed yet,
// those claimed and waiting for a fetch slot, and the fetches in flight.
type leaseState struct {
	feeds    []FeedConfig
	byID     map[int64]int
	pending  []int64 // ids of the feeds not claimed yet, in turns by host
	queue    []queued
	results  []FeedResult
	claimed  []bool
	inFlight int
	done     chan struct{}
}

// queued is a claimed feed waiting for a fetch slot.
type queued struct {
	i  int
	cl Claimed
	at time.Time // when it was claimed, on the Poller's clock
}

// pollLeased runs a cycle over feeds that claims each feed in the store
// before fetching it (docs/architecture.md, "Feed leases"). Each claim
// takes enough feeds to fill the free fetch slots and as many again to
// wait for the next ones (a claim is a write transaction, worth more than
// one feed), and the next claim comes once those waiting have started. A
// non-zero dueBy claims only feeds due by then and leaves the others out
// of the Cycle (another replica polled or holds them); a zero one claims
// every feed not held or backing off, and reports the rest as deferred.
func (p *Poller) pollLeased(ctx context.Context, ls Leaser, feeds []FeedConfig, dueBy time.Time) (Cycle, error) {
	c := Cycle{Started: p.now(), HitsByWatch: map[string]int{}}
	ids, err := p.register(ctx, ls, feeds)
	if err != nil {
		return c, fmt.Errorf("register feeds: %w", err)
	}
	s := &leaseState{feeds: feeds, byID: make(map[int64]int, len(feeds)), pending: make([]int64, 0, len(feeds)),
		results: make([]FeedResult, len(feeds)), claimed: make([]bool, len(feeds)), done: make(chan struct{}, p.concurrency)}
	for i, f := range feeds {
		s.byID[ids[f.URL]] = i
	}
	s.pending = byHost(feeds, ids)
	var nDone int
	progress := func() {
		nDone++
		if p.progress != nil {
			p.progress(nDone, len(feeds))
		}
	}
	stopped, claimErr := p.claimLoop(ctx, ls, s, c.Started, dueBy, progress)
	if claimErr != nil && !slices.Contains(s.claimed, true) {
		return c, fmt.Errorf("claim feeds: %w", claimErr)
	}
	if claimErr != nil {
		p.log.Error("claim feeds", "error", claimErr)
	}
	if err := p.unclaimed(ctx, s, dueBy, stopped || claimErr != nil, progress); err != nil {
		return c, err
	}
	for i, ok := range s.claimed {
		if ok || dueBy.IsZero() {
			c.Feeds = append(c.Feeds, s.results[i])
		}
	}
	return c, nil
}

// claimLoop claims and fetches s's feeds until none is left that it can
// claim and every fetch ended. It reports whether a shutdown stopped it,
// and the error of a claim that failed, after which it claimed no more.
func (p *Poller) claimLoop(ctx context.Context, ls Leaser, s *leaseState, seen, dueBy time.Time, progress func()) (stopped bool, claimErr error) {
	exhausted := false
	for {
		stopped = stopped || p.stopping(ctx)
		if stopped {
			p.unqueue(ctx, ls, s, len(s.queue))
		}
		for s.inFlight < p.concurrency && len(s.queue) > 0 {
			q := s.queue[0]
			if p.now().Sub(q.at) > leaseFetch(p.fetcher.Timeout) {
				// Waited so long that the lease might end before the
				// fetch is saved: claim it again later.
				p.unqueue(ctx, ls, s, 1)
				exhausted = false
				continue
			}
			s.queue = s.queue[1:]
			p.start(ctx, ls, s, q, seen)
		}
		if len(s.queue) == 0 && s.inFlight < p.concurrency && len(s.pending) > 0 && !exhausted && !stopped && claimErr == nil {
			want := 2*p.concurrency - s.inFlight
			n, err := p.claim(ctx, ls, s, dueBy, want)
			claimErr = err
			// Fewer than asked: nothing more is claimable until a fetch
			// of ours ends (and frees its host's slot).
			exhausted = n < want
			continue
		}
		if s.inFlight == 0 && len(s.queue) == 0 {
			return stopped, claimErr
		}
		<-s.done
		s.inFlight--
		exhausted = false
		progress()
	}
}

// unqueue lets the first n feeds waiting for a slot go: their leases end
// and they are pending again.
func (p *Poller) unqueue(ctx context.Context, ls Leaser, s *leaseState, n int) {
	for _, q := range s.queue[:n] {
		p.release(ctx, ls, q.cl.Lease)
		s.claimed[q.i] = false
		s.pending = append(s.pending, q.cl.Lease.FeedID)
	}
	s.queue = s.queue[n:]
}

// start fetches a claimed feed.
func (p *Poller) start(ctx context.Context, ls Leaser, s *leaseState, q queued, seen time.Time) {
	s.inFlight++
	go func() {
		res := p.pollFeed(ctx, s.feeds[q.i], q.cl.State, p.matcher, seen, q.cl.Lease)
		if res.NextPoll.IsZero() {
			// Nothing recorded (a shutdown, a store failure, a lost
			// lease): let the feed go now rather than when the lease
			// ends.
			p.release(ctx, ls, q.cl.Lease)
		}
		s.results[q.i] = res
		s.done <- struct{}{}
	}()
}

// stopping reports whether a shutdown began: no further feed is started.
func (p *Poller) stopping(ctx context.Context) bool {
	select {
	case <-p.stop:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// claim claims up to n of the first claimWindow pending feeds into s's
// queue; it returns how many it claimed. Pending feeds take turns by host
// (byHost), so that a window holds many hosts and a host at its per_host
// limit keeps few feeds of others out of it.
func (p *Poller) claim(ctx context.Context, ls Leaser, s *leaseState, dueBy time.Time, n int) (int, error) {
	return p.claimWindow(ctx, ls, s, s.pending[:min(claimWindow, len(s.pending))], dueBy, n)
}

// byHost orders feeds host by host in turn (the first feed of every host,
// then the second of every host, and so on), hosts in order of their
// first feed.
func byHost(feeds []FeedConfig, ids map[string]int64) []int64 {
	var hosts []string
	perHost := map[string][]int64{}
	for _, f := range feeds {
		h := PollHost("", f.URL)
		if _, ok := perHost[h]; !ok {
			hosts = append(hosts, h)
		}
		perHost[h] = append(perHost[h], ids[f.URL])
	}
	out := make([]int64, 0, len(feeds))
	for turn := 0; len(out) < len(feeds); turn++ {
		for _, h := range hosts {
			if turn < len(perHost[h]) {
				out = append(out, perHost[h][turn])
			}
		}
	}
	return out
}

// claimWindow claims up to n of the pending feeds window into s's queue;
// it returns how many it claimed and removes them from pending.
func (p *Poller) claimWindow(ctx context.Context, ls Leaser, s *leaseState, window []int64, dueBy time.Time, n int) (int, error) {
	got, err := ls.ClaimFeeds(ctx, Claim{Owner: p.owner, FeedIDs: window, Limit: n, PerHost: p.perHost,
		DueBy: dueBy, Now: p.now(), For: p.lease})
	if err != nil {
		return 0, err
	}
	at := p.now()
	taken := make(map[int64]bool, len(got))
	for _, cl := range got {
		i, ok := s.byID[cl.Lease.FeedID]
		if !ok || s.claimed[i] {
			// Not asked for: a store bug. Let it go rather than poll a
			// feed this cycle does not have.
			p.release(ctx, ls, cl.Lease)
			continue
		}
		taken[cl.Lease.FeedID] = true
		s.claimed[i] = true
		s.queue = append(s.queue, queued{i: i, cl: cl, at: at})
	}
	if len(taken) > 0 {
		s.pending = slices.DeleteFunc(s.pending, func(id int64) bool { return taken[id] })
	}
	return len(taken), nil
}

// release ends a lease whose fetch recorded nothing.
func (p *Poller) release(ctx context.Context, ls Leaser, l Lease) {
	if err := ls.ReleaseLease(context.WithoutCancel(ctx), l); err != nil {
		p.log.Warn("release feed lease", "feed_id", l.FeedID, "error", err)
	}
}

// unclaimed settles the feeds a cycle did not claim. With a dueBy they
// are forgotten, so that the next PollDue reads when they are due; without
// one (PollAll) each gets a deferred result: backing off, held by another
// replica, or not started because of a shutdown.
func (p *Poller) unclaimed(ctx context.Context, s *leaseState, dueBy time.Time, stopped bool, progress func()) error {
	var urls []string
	for i, ok := range s.claimed {
		if !ok {
			urls = append(urls, s.feeds[i].URL)
		}
	}
	if len(urls) == 0 {
		return nil
	}
	for range urls {
		progress()
	}
	if !dueBy.IsZero() {
		if !stopped {
			p.forget(urls)
		}
		return nil
	}
	states, err := p.store.FeedStates(context.WithoutCancel(ctx), urls)
	if err != nil {
		return fmt.Errorf("feed states: %w", err)
	}
	now := p.now()
	for i, ok := range s.claimed {
		if ok {
			continue
		}
		u := s.feeds[i].URL
		st := states[u]
		r := FeedResult{URL: u, Result: ResultDeferred, NextPoll: st.Due(), PollReason: st.PollReason}
		switch {
		case st.NextAttempt.After(now):
			r.NextAttempt = st.NextAttempt
		case stopped:
			r = FeedResult{URL: u, Result: ResultDeferred, Err: context.Canceled}
		default:
			r.PollReason = "being polled by another replica"
		}
		s.results[i] = r
	}
	return nil
}

// register has the store number the Poller's feeds on its first cycle,
// and any other feed a cycle is given (Poll) when it comes; it returns the
// ids of feeds.
func (p *Poller) register(ctx context.Context, ls Leaser, feeds []FeedConfig) (map[string]int64, error) {
	p.regMu.Lock()
	defer p.regMu.Unlock()
	first := p.ids == nil
	cands := feeds
	if first {
		cands = append(slices.Clip(feeds), p.feeds...)
	}
	var keys []FeedKey
	queued := map[string]bool{}
	for _, f := range cands {
		if _, ok := p.ids[f.URL]; !ok && !queued[f.URL] {
			queued[f.URL] = true
			keys = append(keys, FeedKey{URL: f.URL, Name: f.Name})
		}
	}
	var ids map[string]int64
	if len(keys) > 0 {
		var err error
		if ids, err = ls.RegisterFeeds(ctx, keys); err != nil {
			return nil, err
		}
		for _, k := range keys {
			if _, ok := ids[k.URL]; !ok {
				return nil, fmt.Errorf("feed %s has no id", feed.RedactURL(k.URL))
			}
		}
	}
	if first {
		// A run of this host killed a moment ago left leases nobody holds.
		n, err := ls.ReleaseDead(ctx, func(owner string) bool { return deadOwner(owner, p.owner) })
		if err != nil {
			return nil, err
		}
		if n > 0 {
			p.log.Info("released the feed leases of a process that is gone", "leases", n)
		}
		p.ids = make(map[string]int64, len(ids))
	}
	for _, k := range keys {
		p.ids[k.URL] = ids[k.URL]
	}
	out := make(map[string]int64, len(feeds))
	for _, f := range feeds {
		out[f.URL] = p.ids[f.URL]
	}
	return out, nil
}

// logSaveError logs a save that failed; a lost lease is a warning, since
// another replica has the feed.
func (p *Poller) logSaveError(msg string, f FeedConfig, err error) {
	level := slog.LevelError
	if errors.Is(err, ErrLeaseLost) {
		level, msg = slog.LevelWarn, msg+": lease lost, nothing saved"
	}
	p.log.Log(context.Background(), level, msg, "feed_url", feed.RedactURL(f.URL), "error", err)
}
