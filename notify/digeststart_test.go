package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

func titles(d *notify.Digest) []string {
	var out []string
	if d == nil {
		return out
	}
	for _, s := range d.Watches {
		for _, st := range s.Stories {
			out = append(out, st.Title)
		}
	}
	return out
}

func TestNewDigestStartsAtItsFirstRunMinusBackfill(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.addItem("Witkoff story of last week", "call-leak")
	e.clock.Add(6 * 24 * time.Hour)
	e.addItem("Witkoff story of yesterday", "call-leak")
	e.clock.Add(30 * time.Hour)
	e.addItem("Witkoff story of today", "call-leak")

	spec := morning
	spec.Name = "breaking"
	spec.Instant = true
	spec.Backfill = 24 * time.Hour
	// A preview of a digest that never ran shows what a run would send
	// now, and does not fix its start.
	e.clock.Add(-7 * time.Hour)
	p, err := e.digester().Preview(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(p); len(got) != 2 {
		t.Errorf("preview: %q, want yesterday's and today's", got)
	}
	e.clock.Add(8 * time.Hour)
	d, err := e.digester().Run(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	got := titles(d)
	if len(got) != 1 || got[0] != "Witkoff story of today" {
		t.Errorf("first run: %q, want only today's story (yesterday's is older than the backfill)", got)
	}
	// Later runs reach back to the first run's start, not their own.
	e.clock.Add(3 * 24 * time.Hour)
	e.addItem("Witkoff story three days on", "call-leak")
	d, err = e.digester().Run(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(d); len(got) != 1 || got[0] != "Witkoff story three days on" {
		t.Errorf("second run: %q", got)
	}
	// Backfill 0: a new digest starts with nothing.
	fresh := morning
	fresh.Name = "renamed"
	e.clock.Add(time.Second)
	if d, err := e.digester().Run(ctx, fresh); err != nil || d != nil {
		t.Errorf("renamed digest with backfill 0: %q, %v; want nothing", titles(d), err)
	}
}

func TestDigestJSONCountsStoriesCutByMaxStories(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, title := range []string{"Witkoff one", "Witkoff two", "Witkoff three"} {
		e.addItem(title, "call-leak")
	}
	spec := morning
	spec.MaxStories = 1
	d, err := e.digester().Run(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := notifytest.Render(t, d)
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Watches []struct {
			ID      string            `json:"id"`
			Stories []json.RawMessage `json:"stories"`
			More    *int              `json:"more"`
		} `json:"watches"`
	}
	if err := json.Unmarshal(r.JSON, &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Watches) == 0 || js.Watches[0].More == nil || *js.Watches[0].More != 2 || len(js.Watches[0].Stories) != 1 {
		t.Fatalf("JSON watches: %s", r.JSON)
	}
	for name, text := range map[string]string{"text": r.Text, "html": r.HTML, "chat": r.Chat} {
		if !strings.Contains(text, "and 2 more") {
			t.Errorf("%s rendering does not say the 2 more:\n%s", name, text)
		}
	}
}
