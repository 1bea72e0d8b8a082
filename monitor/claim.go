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

// claimBatch is the fewest free fetch slots worth a claim while fetches
// are in flight: a claim is a write, and claiming for every slot that
// frees would make one per feed.
func (p *Poller) claimBatch() int {
	return max(1, p.concurrency/4)
}

// leaseState is the claim loop of one cycle: the feeds not claimed yet and
// the fetches in flight.
type leaseState struct {
	feeds    []FeedConfig
	byID     map[int64]int
	pending  []int64 // ids of the feeds not claimed yet, in order
	results  []FeedResult
	claimed  []bool
	inFlight int
	done     chan struct{}
}

// pollLeased runs a cycle over feeds that claims each feed in the store
// before fetching it (docs/architecture.md, "Feed leases"). It claims only
// as many as it has free fetch slots, so that a lease runs from the start
// of its fetch, and claims again as fetches end. A non-zero dueBy claims
// only feeds due by then and leaves the others out of the Cycle (another
// replica polled or holds them); a zero one claims every feed not held or
// backing off, and reports the rest as deferred.
func (p *Poller) pollLeased(ctx context.Context, ls Leaser, feeds []FeedConfig, dueBy time.Time) (Cycle, error) {
	c := Cycle{Started: p.now(), HitsByWatch: map[string]int{}}
	ids, err := p.register(ctx, ls)
	if err != nil {
		return c, fmt.Errorf("register feeds: %w", err)
	}
	s := &leaseState{feeds: feeds, byID: make(map[int64]int, len(feeds)), pending: make([]int64, 0, len(feeds)),
		results: make([]FeedResult, len(feeds)), claimed: make([]bool, len(feeds)), done: make(chan struct{}, p.concurrency)}
	for i, f := range feeds {
		id := ids[f.URL]
		s.byID[id] = i
		s.pending = append(s.pending, id)
	}
	var nDone int
	progress := func() {
		nDone++
		if p.progress != nil {
			p.progress(nDone, len(feeds))
		}
	}
	exhausted, stopped := false, false
	var claimErr error
	for {
		stopped = stopped || p.stopping(ctx)
		free := p.concurrency - s.inFlight
		if free > 0 && len(s.pending) > 0 && !exhausted && !stopped && claimErr == nil &&
			(s.inFlight == 0 || free >= p.claimBatch()) {
			n, err := p.claim(ctx, ls, s, c.Started, dueBy, free)
			if err != nil {
				claimErr = err
			}
			// Fewer than asked: nothing more is claimable until a fetch
			// of ours ends (and frees its host's slot).
			exhausted = n < free
			continue
		}
		if s.inFlight == 0 {
			break
		}
		<-s.done
		s.inFlight--
		exhausted = false
		progress()
	}
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

// claim claims up to n of s's pending feeds and starts their fetches; it
// returns how many it claimed.
func (p *Poller) claim(ctx context.Context, ls Leaser, s *leaseState, seen, dueBy time.Time, n int) (int, error) {
	got, err := ls.ClaimFeeds(ctx, Claim{Owner: p.owner, FeedIDs: s.pending, Limit: n, PerHost: p.perHost,
		DueBy: dueBy, Now: p.now(), For: p.lease})
	if err != nil {
		return 0, err
	}
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
		s.inFlight++
		go func() {
			res := p.pollFeed(ctx, s.feeds[i], cl.State, p.matcher, seen, cl.Lease)
			if res.NextPoll.IsZero() {
				// Nothing recorded (a shutdown, a store failure, a lost
				// lease): let the feed go now rather than when the lease
				// ends.
				p.release(ctx, ls, cl.Lease)
			}
			s.results[i] = res
			s.done <- struct{}{}
		}()
	}
	s.pending = slices.DeleteFunc(s.pending, func(id int64) bool { return taken[id] })
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

// register has the store number the Poller's feeds, once.
func (p *Poller) register(ctx context.Context, ls Leaser) (map[string]int64, error) {
	p.regMu.Lock()
	defer p.regMu.Unlock()
	if p.ids != nil {
		return p.ids, nil
	}
	keys := make([]FeedKey, len(p.feeds))
	for i, f := range p.feeds {
		keys[i] = FeedKey{URL: f.URL, Name: f.Name}
	}
	ids, err := ls.RegisterFeeds(ctx, keys)
	if err != nil {
		return nil, err
	}
	// A run of this host killed a moment ago left leases nobody holds.
	n, err := ls.ReleaseDead(ctx, func(owner string) bool { return deadOwner(owner, p.owner) })
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.log.Info("released the feed leases of a process that is gone", "leases", n)
	}
	for _, f := range p.feeds {
		if _, ok := ids[f.URL]; !ok {
			return nil, fmt.Errorf("feed %s has no id", feed.RedactURL(f.URL))
		}
	}
	p.ids = ids
	return ids, nil
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
