package monitor

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/storywatch/storywatch/feed"
)

// ErrUnknownFeed is returned by Push for a feed the Poller does not poll.
var ErrUnknownFeed = errors.New("not a configured feed")

// Push takes a body that a WebSub hub pushed for one of the Poller's feeds
// through the same pipeline as a polled one: parse, keep the items not seen
// before, match them, and store items, hits and stories in one
// transaction. The feed's fetch state (validators, errors, its next poll)
// is left as it is. A body that does not parse is an error and stores
// nothing.
func (p *Poller) Push(ctx context.Context, feedURL string, body []byte, contentType string) (FeedResult, error) {
	start := p.now()
	res := FeedResult{URL: feedURL}
	var f FeedConfig
	found := false
	for _, fc := range p.feeds {
		if fc.URL == feedURL {
			f, found = fc, true
			break
		}
	}
	if !found {
		return res, fmt.Errorf("push to %s: %w", feed.RedactURL(feedURL), ErrUnknownFeed)
	}
	states, err := p.store.FeedStates(ctx, []string{feedURL})
	if err != nil {
		return res, fmt.Errorf("push to %s: %w", feed.RedactURL(feedURL), err)
	}
	st, ok := states[feedURL]
	if !ok {
		st = FeedState{URL: feedURL}
	}
	parsed, err := feed.Parse(body, contentType, cmp.Or(st.Self, st.FetchURL, feedURL))
	if err != nil {
		return res, fmt.Errorf("push to %s: %w", feed.RedactURL(feedURL), err)
	}
	items, _, _, err := p.newItems(ctx, f, st, parsed.Items, p.matcher, start)
	if err != nil {
		return res, fmt.Errorf("push to %s: %w", feed.RedactURL(feedURL), err)
	}
	saved, err := p.store.SaveFetch(ctx, FeedFetch{Name: f.Name, State: st, Items: items, Seen: start})
	if err != nil {
		return res, fmt.Errorf("push to %s: %w", feed.RedactURL(feedURL), err)
	}
	res.Result = ResultOK
	res.Items, res.Hits, res.Stories, res.Merged, res.HitsByWatch = saved.Items, saved.Hits, saved.Stories, saved.Merged, saved.HitsByWatch
	res.NextPoll, res.PollReason = st.Due(), st.PollReason
	res.Duration = p.now().Sub(start)
	p.log.Info("websub push", "feed_url", feed.RedactURL(feedURL), "items", len(parsed.Items), "items_new", saved.Items, "hits_new", saved.Hits)
	return res, nil
}
