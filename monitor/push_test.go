package monitor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
)

func TestPushedItemGoesThroughTheCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newFeedServer(t)
	old := unrelated
	old.published = now0.Add(-time.Hour)
	srv.set("/feed", rss("AP", old))
	feeds := []monitor.FeedConfig{{URL: srv.URL + "/feed", Interval: 10 * time.Minute}}
	p, db, clk := setup(t, srv, feeds, monitor.Options{})
	if _, err := p.PollAll(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	leak := leak
	leak.published = clk.Now()
	res, err := p.Push(ctx, srv.URL+"/feed", []byte(rss("AP", leak, old)), "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 1 || res.Hits != 3 {
		t.Errorf("push stored %d items and %d hits, want the new item with its 3 hits", res.Items, res.Hits)
	}
	if n := srv.count("/feed"); n != 1 {
		t.Errorf("the push fetched the feed: %d requests", n)
	}
	hits, err := db.Hits(ctx, store.HitFilter{Watch: "call-leak"})
	if err != nil || len(hits) != 1 || hits[0].ItemURL != leak.link {
		t.Errorf("call-leak hits = %+v, %v", hits, err)
	}
	// The same push again adds nothing.
	if res, err := p.Push(ctx, srv.URL+"/feed", []byte(rss("AP", leak, old)), ""); err != nil || res.Items != 0 || res.Hits != 0 {
		t.Errorf("repeated push = %+v, %v", res, err)
	}
	if _, err := p.Push(ctx, srv.URL+"/other", []byte(rss("X", leak)), ""); !errors.Is(err, monitor.ErrUnknownFeed) {
		t.Errorf("push to an unknown feed: %v", err)
	}
	if _, err := p.Push(ctx, srv.URL+"/feed", []byte("<html>not a feed</html>"), "text/html"); err == nil {
		t.Error("a body that is not a feed was accepted")
	}
}
