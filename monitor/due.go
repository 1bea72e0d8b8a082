package monitor

import (
	"context"
	"fmt"
	"time"
)

// PollDue runs one cycle over the feeds that are due now: never polled,
// or past their planned poll (Planner) and any backoff. The daemon calls
// it every few seconds, so each feed is fetched at its own time rather
// than with every other feed of its schedule. When nothing is due the
// cycle is empty and PollDue reads nothing from the store: it remembers
// each feed's due time from the cycle that polled it.
func (p *Poller) PollDue(ctx context.Context) (Cycle, error) {
	due, err := p.dueFeeds(ctx)
	if err != nil {
		return Cycle{Started: p.now(), HitsByWatch: map[string]int{}}, fmt.Errorf("poll: %w", err)
	}
	if len(due) == 0 {
		return Cycle{Started: p.now(), HitsByWatch: map[string]int{}}, ctx.Err()
	}
	c, err := p.cycle(ctx, due, p.now())
	p.remember(c)
	return c, err
}

// NextDue returns the earliest time a feed is due, and false when the
// due times are not known yet (before the first PollDue) or there are no
// feeds.
func (p *Poller) NextDue() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first time.Time
	known := false
	for _, f := range p.feeds {
		t, ok := p.due[f.URL]
		if !ok {
			return time.Time{}, false
		}
		if !known || t.Before(first) {
			first, known = t, true
		}
	}
	return first, known
}

// dueFeeds returns the feeds due now, reading from the store the due times
// of feeds not polled by this Poller yet.
func (p *Poller) dueFeeds(ctx context.Context) ([]FeedConfig, error) {
	feeds := p.feeds
	p.mu.Lock()
	var unknown []string
	for _, f := range feeds {
		if _, ok := p.due[f.URL]; !ok {
			unknown = append(unknown, f.URL)
		}
	}
	p.mu.Unlock()
	if len(unknown) > 0 {
		states, err := p.store.FeedStates(ctx, unknown)
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		if p.due == nil {
			p.due = map[string]time.Time{}
		}
		for _, u := range unknown {
			p.due[u] = states[u].Due() // zero for a feed never polled
		}
		p.mu.Unlock()
	}
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var due []FeedConfig
	for _, f := range feeds {
		if !p.due[f.URL].After(now) {
			due = append(due, f)
		}
	}
	return due, nil
}

// forget drops the due times of urls, so that the next PollDue reads them
// from the store: another replica polled those feeds, or holds them.
func (p *Poller) forget(urls []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range urls {
		delete(p.due, u)
	}
}

// remember notes when each feed of a cycle is due next. A feed whose new
// state could not be stored is forgotten, so that its due time is read
// from the store again.
func (p *Poller) remember(c Cycle) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.due == nil {
		p.due = map[string]time.Time{}
	}
	for _, r := range c.Feeds {
		switch {
		case r.Result == ResultDeferred && r.Err != nil:
			// Not started (a shutdown): still due.
		case r.NextPoll.IsZero():
			delete(p.due, r.URL)
		default:
			p.due[r.URL] = r.NextPoll
		}
	}
}
