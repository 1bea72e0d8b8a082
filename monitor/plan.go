package monitor

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/storywatch/storywatch/feed"
)

// Planning defaults (docs/config.md, "When feeds are polled").
const (
	DefaultMinInterval = 5 * time.Minute
	DefaultMaxInterval = time.Hour
	DefaultHitBoost    = 2 * time.Hour
	// frequencyWindow is how far back the dates of a feed's items count
	// for how often it publishes (Miniflux counts a week too).
	frequencyWindow = 7 * 24 * time.Hour
	// futureSlack lets items dated a little ahead (a clock off by minutes)
	// count as published now.
	futureSlack = 10 * time.Minute
)

// Planner decides when each feed is polled next: on its schedule, spread
// over the schedule's interval by a per-feed offset (jitter), or adaptively
// between MinInterval and MaxInterval by how often it publishes; never
// before the publisher's hints allow, and never later than MaxInterval
// because of them.
type Planner struct {
	MinInterval time.Duration
	MaxInterval time.Duration
	// HitBoost is how long an adaptive feed is polled every MinInterval
	// after one of its items made a hit for a storyline; 0 turns it off.
	HitBoost time.Duration
}

// Observation is what one fetch of a feed showed, for planning.
type Observation struct {
	// Items are the document's items; nil when it was not modified.
	Items []feed.Item
	// Seen counts the items that were already known, of Total.
	Seen, Total int
	// PrevFetch is the start of the fetch before this one (zero if none).
	PrevFetch time.Time
	// StorylineHit is set when a new item made a hit for a storyline.
	StorylineHit bool
}

// Plan is when a feed is polled next and why.
type Plan struct {
	Next time.Time
	// Interval is the interval the plan is built on: the schedule's, or
	// the adaptive one (the next plan of an adaptive feed starts there).
	Interval time.Duration
	// BoostUntil is when a hit boost ends (zero if none).
	BoostUntil time.Time
	Why        string
}

// Plan plans the poll after the fetch that started at at. st is the
// feed's state before that fetch (its Interval and BoostUntil, and
// PushUntil for a WebSub subscription); hint is the longest of the
// publisher's hints.
func (pl Planner) Plan(f FeedConfig, st FeedState, at time.Time, hint feed.Hint, o Observation) Plan {
	var p Plan
	if f.Adaptive {
		p = pl.adaptive(f, st, at, o)
	} else {
		p = pl.scheduled(f, at)
	}
	longest := max(pl.MaxInterval, p.Interval)
	capAt := at.Add(longest)
	if st.PushUntil.After(at) {
		p.Next = capAt
		p.Why = fmt.Sprintf("WebSub pushes until %s; polled every %s as a fallback", st.PushUntil.UTC().Format(time.RFC3339), fmtDur(longest))
		return p
	}
	if hint.Wait > 0 && at.Add(hint.Wait).After(p.Next) {
		if at.Add(hint.Wait).After(capAt) {
			p.Next = capAt
			p.Why = fmt.Sprintf("%s asks for %s; capped at %s", hint.Source, fmtDur(hint.Wait), capName(pl.MaxInterval, p.Interval))
		} else {
			p.Next = at.Add(hint.Wait)
			p.Why = fmt.Sprintf("%s asks for %s (%s)", hint.Source, fmtDur(hint.Wait), p.Why)
		}
	}
	return p
}

func capName(maxInterval, interval time.Duration) string {
	if interval > maxInterval {
		return "the schedule's interval " + fmtDur(interval)
	}
	return "poll.max_interval " + fmtDur(maxInterval)
}

// scheduled plans a feed on a fixed schedule: its turn comes at the same
// offset into every interval, an offset taken from a hash of its URL and
// spread over the interval (at most MaxInterval), so feeds of one schedule
// are not all fetched at once. The next turn is at least half an interval
// after at, so that a poll at start is not followed by another at once.
func (pl Planner) scheduled(f FeedConfig, at time.Time) Plan {
	frac := jitter(f.URL)
	sched := f.Schedule
	if sched == nil {
		sched = cron.Every(cmp.Or(f.Interval, DefaultInterval))
	}
	if every, ok := constantDelay(sched); ok {
		off := time.Duration(frac * float64(min(every, pl.MaxInterval)))
		next := slot(at.Add(every/2), every, off)
		return Plan{Next: next, Interval: every, Why: fmt.Sprintf("every %s, this feed's turn %s into each", fmtDur(every), fmtDur(off))}
	}
	first := sched.Next(at)
	interval := sched.Next(first).Sub(first)
	if first.IsZero() || interval <= 0 {
		// A spec that never fires again (31 February): poll as if the
		// schedule were the default.
		return Plan{Next: at.Add(DefaultInterval), Interval: DefaultInterval, Why: "the schedule has no more times"}
	}
	off := time.Duration(frac * float64(min(interval, pl.MaxInterval)))
	next := sched.Next(at.Add(interval/2 - off)).Add(off)
	return Plan{Next: next, Interval: interval, Why: fmt.Sprintf("on schedule, %s after its time", fmtDur(off))}
}

// adaptive plans a feed by how often it publishes, as Miniflux's entry
// frequency scheduler does: its items of the last week give one item every
// span/n; without dates, the new items since the last poll do. Media
// Cloud's rule shortens that when fewer than a third of the items were
// already seen (items may have dropped off unread). A hit for a storyline
// keeps the feed at MinInterval for HitBoost.
func (pl Planner) adaptive(f FeedConfig, st FeedState, at time.Time, o Observation) Plan {
	p := Plan{BoostUntil: st.BoostUntil}
	if o.StorylineHit && pl.HitBoost > 0 {
		p.BoostUntil = at.Add(pl.HitBoost)
	}
	interval, why := pl.frequency(st, at, o)
	if p.BoostUntil.After(at) {
		interval = pl.MinInterval
		why = fmt.Sprintf("a hit for a storyline: every %s until %s", fmtDur(interval), p.BoostUntil.UTC().Format(time.RFC3339))
	}
	switch {
	case interval < pl.MinInterval:
		interval, why = pl.MinInterval, why+"; kept at poll.min_interval "+fmtDur(pl.MinInterval)
	case interval > pl.MaxInterval:
		interval, why = pl.MaxInterval, why+"; kept at poll.max_interval "+fmtDur(pl.MaxInterval)
	}
	interval = interval.Round(time.Second)
	off := time.Duration(jitter(f.URL) * float64(interval))
	next := slot(at.Add(interval/2), interval, off)
	next = maxTime(next, at.Add(pl.MinInterval))
	next = minTime(next, at.Add(pl.MaxInterval))
	p.Next, p.Interval, p.Why = next, interval, "adaptive: "+why
	return p
}

// frequency estimates the interval between a feed's new items.
func (pl Planner) frequency(st FeedState, at time.Time, o Observation) (time.Duration, string) {
	elapsed := time.Duration(0)
	if !o.PrevFetch.IsZero() {
		elapsed = at.Sub(o.PrevFetch)
	}
	var interval time.Duration
	var why string
	if n, span, ok := datedItems(o.Items, at); ok {
		interval = span / time.Duration(n)
		why = fmt.Sprintf("%d items in the last %s, one every %s", n, fmtDur(span), fmtDur(interval))
	} else {
		prev := st.Interval
		if prev <= 0 {
			prev = min(max(DefaultInterval, pl.MinInterval), pl.MaxInterval)
		}
		switch fresh := o.Total - o.Seen; {
		case o.Items == nil && !o.PrevFetch.IsZero():
			interval, why = prev*3/2, "not modified since the last poll: waiting longer"
		case elapsed > 0 && fresh > 0:
			interval = elapsed / time.Duration(fresh)
			why = fmt.Sprintf("%d new items in %s", fresh, fmtDur(elapsed))
		case elapsed > 0:
			interval, why = prev*3/2, "nothing new since the last poll: waiting longer"
		default:
			interval, why = prev, "no dated items yet: starting at "+fmtDur(prev)
		}
	}
	if elapsed > 0 && o.Total > 0 && o.Seen*3 < o.Total && interval > elapsed/2 {
		interval = elapsed / 2
		why += fmt.Sprintf("; only %d of %d items were seen before: at most half the last wait", o.Seen, o.Total)
	}
	return interval, why
}

// datedItems counts the items published within frequencyWindow before at
// and how far back the oldest of them goes. Items that all carry one date
// do not count: that is the time of the feed's build, not of publication.
func datedItems(items []feed.Item, at time.Time) (n int, span time.Duration, ok bool) {
	var oldest, newest time.Time
	for _, it := range items {
		t := it.Published
		if t.IsZero() || t.Before(at.Add(-frequencyWindow)) || t.After(at.Add(futureSlack)) {
			continue
		}
		if n == 0 || t.Before(oldest) {
			oldest = t
		}
		if n == 0 || t.After(newest) {
			newest = t
		}
		n++
	}
	if n == 0 || (n > 1 && oldest.Equal(newest)) {
		return 0, 0, false
	}
	return n, max(at.Sub(oldest), time.Minute), true
}

// jitter returns a feed's fixed fraction of an interval, in [0, 1), from
// an FNV-1a hash of its URL: the same on every host and after restarts.
func jitter(url string) float64 {
	h := fnv.New64a()
	h.Write([]byte(url))
	return float64(h.Sum64()>>11) / (1 << 53)
}

// slot returns the first time at or after after that lies off past a
// multiple of every, counted from the Unix epoch.
func slot(after time.Time, every, off time.Duration) time.Time {
	if every <= 0 {
		return after
	}
	n := after.UnixNano() - int64(off)
	k := n / int64(every)
	if k*int64(every) < n {
		k++
	}
	return time.Unix(0, k*int64(every)+int64(off)).In(after.Location())
}

func constantDelay(s cron.Schedule) (time.Duration, bool) {
	switch c := s.(type) {
	case cron.ConstantDelaySchedule:
		return c.Delay, true
	case *cron.ConstantDelaySchedule:
		return c.Delay, true
	}
	return 0, false
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// fmtDur writes a duration without zero units: 1h, 1h30m, 90s → 1m30s.
func fmtDur(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
