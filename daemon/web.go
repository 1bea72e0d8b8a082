package daemon

import (
	"context"

	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/web"
)

// webStore adapts the store to what the HTTP endpoints read.
type webStore struct{ st Store }

func (s webStore) Ready(ctx context.Context) error { return s.st.Ready(ctx) }

func (s webStore) Hits(ctx context.Context, q web.HitQuery) ([]web.Hit, error) {
	hits, err := s.st.Hits(ctx, store.HitFilter{Since: q.Since, Watch: q.Watch, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]web.Hit, len(hits))
	for i, h := range hits {
		out[i] = WebHit(h)
	}
	return out, nil
}

// WebHit translates a stored hit for the web package, whose JSON shape
// /api/hits and `hits -json` share.
func WebHit(h store.Hit) web.Hit {
	return web.Hit{ItemID: h.ItemID, Watch: h.Watch, ItemURL: h.ItemURL, Title: h.Title, Feed: h.Feed,
		Published: h.Published, FoundAt: h.FoundAt, Score: h.Score, Story: h.Story, Outlets: h.Outlets, Matches: h.Matches}
}
