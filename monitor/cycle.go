package monitor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/secret"
	"github.com/storywatch/storywatch/story"
)

// FeedConfig is one feed as the poll cycle needs it.
type FeedConfig struct {
	// URL is the configured URL: the feed's identity.
	URL string
	// Name is the configured display name; empty to use the feed's title.
	Name string
	// Interval is the feed's poll interval, where error backoff starts.
	Interval time.Duration
	// Aggregator marks a feed that carries many outlets' items: an item
	// without its own Outlet is credited to its link's host.
	Aggregator bool
	// Schedule is when the feed is polled (nil: every Interval), unless
	// Adaptive plans its polls by how often it publishes (Planner).
	Schedule cron.Schedule
	Adaptive bool
}

// Options configures a Poller. Zero fields take the defaults of the poll
// section in docs/config.md.
type Options struct {
	// Fetch configures fetching: a zero Timeout is 20s, a zero MaxBody
	// 8 MiB, a nil Client feed.NewHTTPClient(Timeout), a nil Now the
	// Poller's clock.
	Fetch       feed.Fetcher
	Concurrency int
	PerHost     int
	// Backfill limits which items of a feed's first poll can become hits;
	// a negative Backfill means none (only items published after the poll
	// began, and undated ones).
	Backfill time.Duration
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Logger receives one line per failed feed and one per cycle.
	Logger *slog.Logger
	// MinInterval and MaxInterval bound adaptive schedules; MaxInterval
	// also caps how long publisher hints may delay a poll (defaults 5m and
	// 1h). HitBoost is how long an adaptive feed stays at MinInterval
	// after a hit for a storyline (default 2h; negative turns it off).
	MinInterval time.Duration
	MaxInterval time.Duration
	HitBoost    time.Duration
	// Secrets are scrubbed from every feed error before it is stored or
	// returned: a server may echo a token of the feed's URL (nil for none).
	Secrets *secret.Set
	// Progress, when not nil, is called after each feed of a cycle is done
	// (polled, failed or deferred), with the count done and the total. It
	// may be called from several goroutines at once.
	Progress func(done, total int)
	// Stop, when closed, makes a running cycle start no further feed, as
	// a cancelled context does, while the fetches in flight keep their
	// context to finish (a shutdown's grace period).
	Stop <-chan struct{}
	// Replica names the owner of the feeds the Poller leases (ReplicaID
	// if empty): a replica of the daemon, whose leases another replica
	// on the same host may end once its process is gone.
	Replica string
}

// minParseBudget is the least number of body bytes parsed at once; the
// budget is max_body when that is larger, so that one feed of any allowed
// size parses alone.
const minParseBudget = 8 << 20

// Poller runs poll cycles: fetch, parse, match and store, feed by feed. It
// does not change after NewPoller and is safe for concurrent use; a config
// reload builds a new Poller.
type Poller struct {
	store       Store
	fetcher     *feed.Fetcher
	concurrency int
	perHost     int
	backfill    time.Duration
	now         func() time.Time
	log         *slog.Logger
	progress    func(done, total int)
	stop        <-chan struct{}
	planner     Planner
	matcher     *match.Matcher
	feeds       []FeedConfig
	// storylines are the ids of the matcher's storylines, for the
	// planner's hit boost; built once, not per feed.
	storylines map[string]bool

	// cycles counts the cycles run, for the level of their log line.
	cycles atomic.Int64
	// mu guards due, which caches when each feed is next due for
	// PollDue; a feed missing from it is read from the store.
	mu  sync.Mutex
	due map[string]time.Time

	// owner and lease are the Poller's lease owner name and duration;
	// regMu guards ids, the store's ids of the feeds once registered.
	owner string
	lease time.Duration
	regMu sync.Mutex
	ids   map[string]int64

	// secrets are scrubbed from every feed error.
	secrets *secret.Set
	// parsing bounds the bytes of bodies parsed at once.
	parsing *budget
}

// NewPoller returns a Poller that stores into st and matches with m (nil
// matches nothing).
func NewPoller(st Store, m *match.Matcher, feeds []FeedConfig, opts Options) *Poller {
	if opts.Fetch.Timeout <= 0 {
		opts.Fetch.Timeout = 20 * time.Second
	}
	if opts.Fetch.MaxBody <= 0 {
		opts.Fetch.MaxBody = 8 << 20
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.PerHost <= 0 {
		opts.PerHost = 2
	}
	if opts.Backfill == 0 {
		opts.Backfill = 24 * time.Hour
	} else if opts.Backfill < 0 {
		opts.Backfill = 0 // none: a first poll matches only items newer than it
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Fetch.Client == nil {
		opts.Fetch.Client = feed.NewHTTPClient(opts.Fetch.Timeout)
	}
	if opts.Fetch.Now == nil {
		opts.Fetch.Now = opts.Now
	}
	opts.MinInterval = cmp.Or(opts.MinInterval, DefaultMinInterval)
	opts.MaxInterval = max(cmp.Or(opts.MaxInterval, DefaultMaxInterval), opts.MinInterval)
	opts.HitBoost = max(cmp.Or(opts.HitBoost, DefaultHitBoost), 0)
	if opts.Replica == "" {
		opts.Replica = ReplicaID()
	}
	p := &Poller{
		owner:       opts.Replica,
		lease:       leaseFor(opts.Fetch.Timeout),
		store:       st,
		fetcher:     &opts.Fetch,
		concurrency: opts.Concurrency,
		perHost:     opts.PerHost,
		backfill:    opts.Backfill,
		now:         opts.Now,
		log:         opts.Logger,
		progress:    opts.Progress,
		stop:        opts.Stop,
		planner:     Planner{MinInterval: opts.MinInterval, MaxInterval: opts.MaxInterval, HitBoost: opts.HitBoost},
		matcher:     m,
		feeds:       append([]FeedConfig(nil), feeds...),
		secrets:     opts.Secrets,
		parsing:     newBudget(max(opts.Fetch.MaxBody, minParseBudget)),
		storylines:  storylineIDs(m),
	}
	return p
}

// Result is the outcome of one feed in a cycle.
type Result string

// The outcomes of a feed in a cycle.
const (
	ResultOK          Result = "ok"
	ResultNotModified Result = "not_modified"
	ResultFailed      Result = "failed"
	// ResultDeferred means the feed was not fetched: it is backing off after
	// errors or a Retry-After until NextAttempt.
	ResultDeferred Result = "deferred"
)

// FeedResult reports one feed of a cycle.
type FeedResult struct {
	URL     string
	Result  Result
	Status  int
	Err     error
	Items   int
	Hits    int
	Stories int
	// Merged counts the stories merged into older ones.
	Merged   int
	Duration time.Duration
	// NextAttempt is set for failed and deferred feeds.
	NextAttempt time.Time
	// NextPoll is when the feed is due next and PollReason why; both are
	// zero when the cycle could not record the feed's state.
	NextPoll   time.Time
	PollReason string
	// HitsByWatch counts the new hits per watch id.
	HitsByWatch map[string]int
}

// Cycle summarizes one poll cycle.
type Cycle struct {
	Started     time.Time
	Duration    time.Duration
	OK          int
	NotModified int
	Failed      int
	Deferred    int
	// ItemsNew counts new items (an article already known from another feed
	// is not new); HitsNew counts new hits; StoriesNew counts new items
	// that joined no story; StoriesMerged the stories that a new item
	// bridged into an older one.
	ItemsNew      int
	HitsNew       int
	StoriesNew    int
	StoriesMerged int
	HitsByWatch   map[string]int
	// Feeds holds one result per feed, in the order given.
	Feeds []FeedResult
}

// PollAll runs one cycle over every feed now, ignoring schedules; feeds
// backing off after errors or a Retry-After are still left alone until
// their next attempt.
func (p *Poller) PollAll(ctx context.Context) (Cycle, error) {
	return p.Poll(ctx, p.feeds)
}

// Poll runs one cycle over the given feeds, at most Concurrency at once and
// PerHost to one host. One feed's failure never stops the others; it is in
// the feed's FeedResult and in the store. The error is non-nil only when
// the cycle could not run at all or ctx ended it. On a store that leases
// feeds (Leaser), a feed another replica holds is not polled: it is
// deferred.
func (p *Poller) Poll(ctx context.Context, feeds []FeedConfig) (Cycle, error) {
	return p.cycle(ctx, feeds, time.Time{})
}

// cycle runs one cycle over feeds; a non-zero dueBy polls only those that
// the store finds due by then, and leaves the others out of the Cycle.
func (p *Poller) cycle(ctx context.Context, feeds []FeedConfig, dueBy time.Time) (Cycle, error) {
	var c Cycle
	var err error
	if ls, ok := p.store.(Leaser); ok {
		c, err = p.pollLeased(ctx, ls, feeds, dueBy)
	} else {
		c, err = p.pollLocal(ctx, feeds)
	}
	if err != nil {
		return c, err
	}
	if dueBy.IsZero() || len(c.Feeds) > 0 {
		p.finish(ctx, &c)
	}
	return c, ctx.Err()
}

// pollLocal is a cycle over feeds decided in this process alone, for a
// store that does not lease feeds.
func (p *Poller) pollLocal(ctx context.Context, feeds []FeedConfig) (Cycle, error) {
	c := Cycle{Started: p.now(), HitsByWatch: map[string]int{}, Feeds: make([]FeedResult, len(feeds))}
	urls := make([]string, len(feeds))
	for i, f := range feeds {
		urls[i] = f.URL
	}
	states, err := p.store.FeedStates(ctx, urls)
	if err != nil {
		return c, fmt.Errorf("feed states: %w", err)
	}
	m := p.matcher

	sl := newSlots(p.concurrency, p.perHost)
	var done atomic.Int64
	feedDone := func() {
		if p.progress != nil {
			p.progress(int(done.Add(1)), len(feeds))
		}
	}
	var wg sync.WaitGroup
	for i, f := range feeds {
		st, ok := states[f.URL]
		if !ok {
			st = FeedState{URL: f.URL}
		}
		if now := p.now(); st.NextAttempt.After(now) {
			c.Feeds[i] = FeedResult{URL: f.URL, Result: ResultDeferred, NextAttempt: st.NextAttempt, NextPoll: st.Due(), PollReason: st.PollReason}
			feedDone()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer feedDone()
			// A shutdown (Stop, or ctx) leaves feeds not yet started
			// alone; fetches in flight keep ctx to finish.
			release, ok := sl.acquire(ctx, p.stop, host(st, f))
			if !ok {
				c.Feeds[i] = FeedResult{URL: f.URL, Result: ResultDeferred, Err: context.Canceled}
				return
			}
			defer release()
			c.Feeds[i] = p.pollFeed(ctx, f, st, m, c.Started, Lease{})
		}()
	}
	wg.Wait()
	return c, nil
}

// finish adds up a cycle and logs it.
func (p *Poller) finish(ctx context.Context, c *Cycle) {
	c.tally()
	c.Duration = p.now().Sub(c.Started)
	// With each feed polled at its own time, cycles are small and many: the
	// first one and those with news or failures are worth an info line.
	level := slog.LevelDebug
	if p.cycles.Add(1) == 1 || c.ItemsNew > 0 || c.Failed > 0 {
		level = slog.LevelInfo
	}
	p.log.Log(ctx, level, "poll cycle", "feeds", len(c.Feeds), "ok", c.OK, "not_modified", c.NotModified,
		"failed", c.Failed, "deferred", c.Deferred, "items_new", c.ItemsNew, "hits_new", c.HitsNew,
		"duration_ms", c.Duration.Milliseconds())
}

// tally adds up the results of c.Feeds.
func (c *Cycle) tally() {
	for _, r := range c.Feeds {
		switch r.Result {
		case ResultOK:
			c.OK++
		case ResultNotModified:
			c.NotModified++
		case ResultFailed:
			c.Failed++
		case ResultDeferred:
			c.Deferred++
		}
		c.ItemsNew += r.Items
		c.HitsNew += r.Hits
		c.StoriesNew += r.Stories
		c.StoriesMerged += r.Merged
		for w, n := range r.HitsByWatch {
			c.HitsByWatch[w] += n
		}
	}
}

// slots bound a cycle's fetches: at most a number at once, and at most a
// number to one host.
type slots struct {
	global  chan struct{}
	perHost int
	mu      sync.Mutex
	hosts   map[string]chan struct{}
}

func newSlots(concurrency, perHost int) *slots {
	return &slots{global: make(chan struct{}, concurrency), perHost: perHost, hosts: map[string]chan struct{}{}}
}

func (s *slots) host(h string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs, ok := s.hosts[h]
	if !ok {
		hs = make(chan struct{}, s.perHost)
		s.hosts[h] = hs
	}
	return hs
}

// acquire waits for a slot for host h: the host's before a global one, so
// feeds waiting for a busy host do not hold back other hosts. It gives up,
// reporting false, once stop is closed or ctx is done, even when a slot is
// free by then: work not yet started is not started.
func (s *slots) acquire(ctx context.Context, stop <-chan struct{}, h string) (release func(), ok bool) {
	hs := s.host(h)
	select {
	case hs <- struct{}{}:
	case <-stop:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
	select {
	case s.global <- struct{}{}:
	case <-stop:
		<-hs
		return nil, false
	case <-ctx.Done():
		<-hs
		return nil, false
	}
	select {
	case <-stop:
	case <-ctx.Done():
	default:
		return func() { <-s.global; <-hs }, true
	}
	<-s.global
	<-hs
	return nil, false
}

func host(st FeedState, f FeedConfig) string {
	return PollHost(st.FetchURL, f.URL)
}

// pollFeed fetches, parses, matches and stores one feed, its new items
// first seen at the cycle's start seen, fenced by lease (none when its
// Token is 0). It never returns early without recording the feed's new
// state, except when the store itself fails or the lease was lost.
func (p *Poller) pollFeed(ctx context.Context, f FeedConfig, st FeedState, m *match.Matcher, seen time.Time, lease Lease) FeedResult {
	start := p.now()
	res := FeedResult{URL: f.URL}
	before := st
	st.LastFetch = start

	resp, parsed, fellBack, err := p.fetch(ctx, f, st)
	if fellBack {
		// The configured URL answered: the move no longer holds (unless
		// it says so again, below).
		st.FetchURL = ""
	}
	if resp != nil {
		st.LastStatus = resp.Status
		res.Status = resp.Status
	}
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: not the feed's fault, record nothing.
			res.Result, res.Err = ResultFailed, p.secrets.Error(err)
			return res
		}
		return p.fail(ctx, f, st, res, err, start, lease)
	}

	fetch := FeedFetch{Name: f.Name, Seen: seen, Lease: lease}
	obs := Observation{PrevFetch: before.LastFetch}
	if resp.NotModified {
		res.Result = ResultNotModified
	} else {
		res.Result = ResultOK
		items, seen, total, err := p.newItems(ctx, f, st, parsed.Items, m, start)
		if err != nil {
			if ctx.Err() != nil {
				res.Result, res.Err = ResultFailed, p.secrets.Error(err)
				return res
			}
			// The state keeps the validators of the last fetch that was
			// stored, so the next poll fetches these items again in full
			// instead of being answered 304 and losing them.
			return p.fail(ctx, f, st, res, err, start, lease)
		}
		fetch.Items = items
		// Validators only once the body parsed and its items are about to
		// be stored with them: a broken body must be fetched in full
		// again, not answered 304.
		st.ETag, st.LastModified = resp.ETag, resp.LastModified
		st.Title = parsed.Title
		st.FirstPollDone = true
		st.FeedHint = parsed.Hint
		st.Hub, st.Self = cmp.Or(parsed.Hub, resp.Hub), cmp.Or(parsed.Self, resp.Self)
		obs.Items, obs.Seen, obs.Total = parsed.Items, seen, total
		obs.StorylineHit = storylineHit(items, p.storylines)
	}
	st.ConsecutiveErrors = 0
	st.LastError = ""
	st.NextAttempt = time.Time{}
	st.LastSuccess = start
	if resp.MovedTo != "" {
		st.FetchURL = resp.MovedTo
	}
	plan := p.planner.Plan(f, before, start, feed.Longest(resp.Hint, st.FeedHint), obs)
	st.NextPoll, st.PollReason, st.Interval, st.BoostUntil = plan.Next, plan.Why, plan.Interval, plan.BoostUntil
	fetch.State = st
	saved, err := p.store.SaveFetch(ctx, fetch)
	if err != nil {
		res.Result, res.Err = ResultFailed, p.secrets.Error(err)
		p.logSaveError("poll feed", f, err)
		return res
	}
	res.Items, res.Hits, res.Stories, res.Merged, res.HitsByWatch = saved.Items, saved.Hits, saved.Stories, saved.Merged, saved.HitsByWatch
	res.NextPoll, res.PollReason = st.Due(), st.PollReason
	res.Duration = p.now().Sub(start)
	p.log.Debug("poll feed", "feed_url", feed.RedactURL(f.URL), "status", res.Status, "result", string(res.Result),
		"items_new", saved.Items, "hits_new", saved.Hits, "duration_ms", res.Duration.Milliseconds())
	return res
}

// fetch fetches and parses the feed from where it was last moved to, or
// from its configured URL. When the URL a 301 or 308 moved the feed to
// fails, the configured URL is tried at once, without validators: a move
// must not pin the feed to a URL that died while the original serves
// again. fellBack reports that the configured URL answered instead.
func (p *Poller) fetch(ctx context.Context, f FeedConfig, st FeedState) (resp *feed.Response, parsed *feed.Feed, fellBack bool, err error) {
	url := cmp.Or(st.FetchURL, f.URL)
	resp, parsed, err = p.fetchParse(ctx, url, st.ETag, st.LastModified)
	if err == nil || url == f.URL || ctx.Err() != nil {
		return resp, parsed, false, err
	}
	resp2, feed2, err2 := p.fetchParse(ctx, f.URL, "", "")
	if err2 != nil {
		return resp, nil, false, fmt.Errorf("%w; the configured URL failed too: %w", err, err2)
	}
	return resp2, feed2, true, nil
}

// fetchParse fetches url and parses what it answered (nothing for a 304).
func (p *Poller) fetchParse(ctx context.Context, url, etag, lastModified string) (*feed.Response, *feed.Feed, error) {
	resp, err := p.fetcher.Fetch(ctx, url, etag, lastModified)
	if err != nil || resp.NotModified {
		return resp, nil, err
	}
	parsed, err := p.parse(ctx, resp)
	return resp, parsed, err
}

// parse parses a fetched body within the parse budget and lets go of the
// body: only the items, with their fields capped, outlive it.
func (p *Poller) parse(ctx context.Context, resp *feed.Response) (*feed.Feed, error) {
	n, err := p.parsing.acquire(ctx, int64(len(resp.Body)))
	if err != nil {
		return nil, err
	}
	defer p.parsing.release(n)
	parsed, err := feed.Parse(resp.Body, resp.ContentType, resp.URL)
	resp.Body = nil
	return parsed, err
}

// newItems keeps the items not seen before in this feed and matches them;
// on the feed's first poll, items published before the backfill window are
// kept without matching.
// It also counts the document's distinct keys (total) and how many of them
// were seen before.
func (p *Poller) newItems(ctx context.Context, f FeedConfig, st FeedState, items []feed.Item, m *match.Matcher, now time.Time) (out []NewItem, seen, total int, err error) {
	keys := make([]string, 0, len(items))
	byKey := make(map[string]bool, len(items))
	for _, it := range items {
		if it.Key == "" || byKey[it.Key] {
			continue
		}
		byKey[it.Key] = true
		keys = append(keys, it.Key)
	}
	unseen, err := p.store.UnseenKeys(ctx, f.URL, keys)
	if err != nil {
		return nil, 0, 0, err
	}
	total, seen = len(keys), len(keys)-len(unseen)
	if len(unseen) > 0 {
		out = make([]NewItem, 0, len(unseen))
	}
	cutoff := now.Add(-p.backfill)
	for _, it := range items {
		if !unseen[it.Key] {
			continue
		}
		delete(unseen, it.Key) // first copy of a key wins
		if f.Aggregator && it.Outlet == "" {
			it.Outlet = linkHost(it.URL)
		}
		ni := NewItem{Item: it}
		// An undated item may be new: on a first poll it is matched, since
		// missing a development is worse than one extra alert.
		ni.HeldBack = !st.FirstPollDone && !it.Published.IsZero() && it.Published.Before(cutoff)
		if m != nil && !ni.HeldBack {
			// The fingerprint hashes the tokens the matcher made.
			ni.Hits = m.MatchField(it.Document(), story.BodyField(it), func(title, body match.Normalized) {
				ni.Print = story.FingerprintNormalized(it, title, body)
			})
		} else {
			ni.Print = story.FingerprintOf(it)
		}
		out = append(out, ni)
	}
	return out, seen, total, nil
}

// storylineIDs returns the ids of m's storylines (none for a nil m).
func storylineIDs(m *match.Matcher) map[string]bool {
	ids := map[string]bool{}
	if m == nil {
		return ids
	}
	for _, w := range m.Watches() {
		if w.Kind == "storyline" {
			ids[w.ID] = true
		}
	}
	return ids
}

// storylineHit reports whether one of the items made a hit for one of
// the storylines.
func storylineHit(items []NewItem, storylines map[string]bool) bool {
	for _, it := range items {
		for _, h := range it.Hits {
			if storylines[h.Watch] {
				return true
			}
		}
	}
	return false
}

// fail records a failed attempt: the error, the backoff and, for 429 and
// 503, the server's Retry-After.
func (p *Poller) fail(ctx context.Context, f FeedConfig, st FeedState, res FeedResult, err error, start time.Time, lease Lease) FeedResult {
	err = p.secrets.Error(err)
	var he *feed.HTTPError
	var retryAfter time.Duration
	if errors.As(err, &he) {
		st.LastStatus = he.Status
		retryAfter = he.RetryAfter
	}
	st.ConsecutiveErrors++
	st.LastError = err.Error()
	interval := f.Interval
	if f.Adaptive && st.Interval > 0 {
		interval = st.Interval
	}
	wait := backoff(interval, st.ConsecutiveErrors, retryAfter)
	if wait > retryAfter {
		// The fetch started some time after its scheduled tick (it waited
		// for a slot); without this margin the tick one backoff later would
		// come just before NextAttempt and be skipped, doubling the wait.
		// A server's Retry-After is honoured to the second.
		wait -= min(wait/10, time.Minute)
	}
	st.NextAttempt = start.Add(wait)
	st.NextPoll = st.NextAttempt
	st.PollReason = fmt.Sprintf("%s: backing off after %s", strings.Join(strings.Fields(err.Error()), " "), plural(st.ConsecutiveErrors, "error"))
	if retryAfter > 0 && wait == retryAfter {
		st.PollReason = fmt.Sprintf("the server asked to retry after %s", fmtDur(retryAfter))
	}
	res.Result, res.Err, res.Status, res.NextAttempt = ResultFailed, err, st.LastStatus, st.NextAttempt
	res.NextPoll, res.PollReason = st.NextAttempt, st.PollReason
	res.Duration = p.now().Sub(start)
	p.log.Warn("poll feed", "feed_url", feed.RedactURL(f.URL), "error", err, "status", st.LastStatus,
		"consecutive_errors", st.ConsecutiveErrors, "next_attempt", st.NextAttempt, "duration_ms", res.Duration.Milliseconds())
	// Save with a context that outlives a cancelled cycle, so the error and
	// backoff are not lost on shutdown.
	if _, serr := p.store.SaveFetch(context.WithoutCancel(ctx), FeedFetch{Name: f.Name, State: st, Lease: lease}); serr != nil {
		p.logSaveError("save feed state", f, serr)
		res.Err = errors.Join(err, serr)
		res.NextPoll, res.PollReason = time.Time{}, ""
	}
	return res
}
