package web

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func atomOf(t *testing.T, s *Server) atomFeed {
	t.Helper()
	rec := get(t, s.Handler(), "GET", "/hits.atom", nil)
	if rec.Code != 200 {
		t.Fatalf("hits.atom = %d: %s", rec.Code, rec.Body)
	}
	var feed atomFeed
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	return feed
}

func TestAtomIDsAreUniqueToTheDatabase(t *testing.T) {
	t.Parallel()
	st := &fakeStore{hits: sampleHits()}
	server := func(instance string) *Server {
		return New(Options{Store: st, Now: func() time.Time { return testNow }, Instance: instance})
	}
	a := atomOf(t, server("3f2a9c0d11e84b7f9a0c5d6e7f801234"))
	again := atomOf(t, server("3f2a9c0d11e84b7f9a0c5d6e7f801234"))
	other := atomOf(t, server("77aa00bb11cc22dd33ee44ff55006677"))
	if len(a.Entries) != 2 || len(other.Entries) != 2 {
		t.Fatalf("%d and %d entries, want 2", len(a.Entries), len(other.Entries))
	}
	prefix := "tag:storywatch.github.io,2025:3f2a9c0d11e84b7f9a0c5d6e7f801234/"
	if !strings.HasPrefix(a.ID, prefix) {
		t.Errorf("feed id %q does not carry the instance", a.ID)
	}
	for i, e := range a.Entries {
		if !strings.HasPrefix(e.ID, prefix) {
			t.Errorf("entry id %q does not carry the instance", e.ID)
		}
		if e.ID != again.Entries[i].ID {
			t.Errorf("entry id changed between two requests: %q, then %q", e.ID, again.Entries[i].ID)
		}
		if e.ID == other.Entries[i].ID {
			t.Errorf("two databases gave one story the same id %q", e.ID)
		}
	}
	if a.ID == other.ID {
		t.Errorf("two databases share the feed id %q", a.ID)
	}
}

func TestAPIHitsAnswers404ForAnUnknownWatch(t *testing.T) {
	t.Parallel()
	st := &fakeStore{hits: sampleHits()}
	_, h := newTestServer(t, st, Settings{Watches: map[string]string{"call-leak": "Witkoff–Ushakov call"}})
	rec := get(t, h, "GET", "/api/hits?watch=nope", nil)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `no watch "nope"`) {
		t.Errorf("unknown watch = %d %q, want 404 as /hits.atom answers", rec.Code, rec.Body)
	}
	if len(st.queries) != 0 {
		t.Errorf("an unknown watch reached the store: %v", st.queries)
	}
	if rec := get(t, h, "GET", "/api/hits?watch=call-leak", nil); rec.Code != 200 {
		t.Errorf("known watch = %d", rec.Code)
	}
}

func TestMetricsHaveEveryKnownSeriesBeforeAnyEvent(t *testing.T) {
	t.Parallel()
	m := NewMetrics(nil)
	m.Known([]string{"call-leak", "witkoff"}, []string{"desk-email", "team-hook"})
	s := New(Options{Store: &fakeStore{}, Metrics: m})
	body := get(t, s.Handler(), "GET", "/metrics", nil).Body.String()
	for _, want := range []string{
		`storywatch_hits_total{watch="call-leak"} 0`,
		`storywatch_hits_total{watch="witkoff"} 0`,
		`storywatch_deliveries_total{notifier="desk-email",result="sent"} 0`,
		`storywatch_deliveries_total{notifier="desk-email",result="retry"} 0`,
		`storywatch_deliveries_total{notifier="desk-email",result="dead"} 0`,
		`storywatch_deliveries_total{notifier="team-hook",result="sent"} 0`,
		`storywatch_deliveries_total{notifier="team-hook",result="retry"} 0`,
		`storywatch_deliveries_total{notifier="team-hook",result="dead"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
