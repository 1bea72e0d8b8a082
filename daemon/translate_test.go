package daemon

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
)

// exampleEnv sets the secrets config.example.yaml takes from the
// environment.
var exampleEnv = map[string]string{
	"SMTP_USER":      "alerts",
	"SMTP_PASSWORD":  "secret",
	"WEBHOOK_SECRET": "hmac-secret",
	"CHAT_URL":       "ntfy://ntfy.example.org/storywatch",
}

func TestWatchlistTranslatesActorsAndStorylines(t *testing.T) {
	t.Parallel()
	c, err := config.Load("../config.example.yaml", func(k string) string { return exampleEnv[k] })
	if err != nil {
		t.Fatal(err)
	}
	w := Watchlist(c)
	if len(w.Actors) != len(c.Actors) || len(w.Storylines) != len(c.Storylines) {
		t.Fatalf("watchlist has %d actors and %d storylines, config %d and %d",
			len(w.Actors), len(w.Storylines), len(c.Actors), len(c.Storylines))
	}
	for i, a := range c.Actors {
		got := w.Actors[i]
		if got.ID != a.ID || got.Name != a.Name || got.Track != a.Track || strings.Join(got.Aliases, "|") != strings.Join(a.Aliases, "|") {
			t.Errorf("actor %d: got %+v, config %+v", i, got, a)
		}
	}
	for i, s := range c.Storylines {
		got := w.Storylines[i]
		if got.ID != s.ID || got.Title != s.Title || got.Query != s.Query {
			t.Errorf("storyline %d: got %+v, config %+v", i, got, s)
		}
	}
	if w.Actors[4].ID != "putin" || w.Actors[4].Track {
		t.Errorf("putin should be translated with Track false: %+v", w.Actors[4])
	}
}

func TestChangedWatches(t *testing.T) {
	t.Parallel()
	base := &config.Config{
		Actors: []config.Actor{
			{ID: "witkoff", Aliases: []string{"Witkoff"}, Track: true},
			{ID: "ushakov", Aliases: []string{"Ushakov"}},
		},
		Storylines: []config.Storyline{{ID: "call-leak", Query: "@witkoff AND @ushakov"}},
	}
	tests := []struct {
		name string
		edit func(c *config.Config)
		want string
	}{
		{"nothing changed", func(c *config.Config) {}, ""},
		{"new storyline", func(c *config.Config) {
			c.Storylines = append(c.Storylines, config.Storyline{ID: "peace-plan", Query: "plan"})
		}, "peace-plan"},
		{"query edited", func(c *config.Config) { c.Storylines[0].Query = "@witkoff AND leak" }, "call-leak"},
		{"untracked actor's alias changes its storylines", func(c *config.Config) {
			c.Actors[1].Aliases = []string{"Ushakov", "Ouchakov"}
		}, "call-leak"},
		{"tracked actor's alias", func(c *config.Config) {
			c.Actors[0].Aliases = []string{"Witkoff", "Уиткофф*"}
		}, "call-leak,witkoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &config.Config{
				Actors:     append([]config.Actor(nil), base.Actors...),
				Storylines: append([]config.Storyline(nil), base.Storylines...),
			}
			tt.edit(next)
			if got := strings.Join(changedWatches(base, next), ","); got != tt.want {
				t.Errorf("changed = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDigestInKyivIsDueAt0500UTCInWinterAnd0400InSummer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "storywatch.yaml")
	text := strings.Replace(daemonConfigText(filepath.Join(dir, "sw.db"), "https://hooks.example.org/x", []string{"https://news.example.org/rss"}, ""),
		"digests:\n", "digests:\n  - id: morning\n    schedule: \"0 7 * * *\"\n    timezone: Europe/Kyiv\n    to: [hook]\n", 1)
	writeByRename(t, cfgPath, text)
	c := loadConfig(t, cfgPath)
	var dg config.Digest
	for _, d := range c.Digests {
		if d.ID == "morning" {
			dg = d
		}
	}
	if dg.Schedule == nil {
		t.Fatalf("digest morning not loaded with a schedule: %+v", dg)
	}
	for _, tt := range []struct{ now, want time.Time }{
		{time.Date(2025, 11, 26, 12, 0, 0, 0, time.UTC), time.Date(2025, 11, 27, 5, 0, 0, 0, time.UTC)},
		{time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC), time.Date(2025, 6, 11, 4, 0, 0, 0, time.UTC)},
	} {
		s := monitor.NewScheduler(slog.New(slog.DiscardHandler), monitor.WithSchedulerClock(func() time.Time { return tt.now }))
		if err := s.Set([]monitor.Job{{Name: "digest morning", Schedule: dg.Schedule.Schedule, Run: func() {}}}); err != nil {
			t.Fatal(err)
		}
		if got := s.Next()[0].Next.UTC(); !got.Equal(tt.want) {
			t.Errorf("after %s the morning digest is due %s, want %s", tt.now, got, tt.want)
		}
	}
}

func TestDigestsLinkToThePublicURLAndLoggerChatWritesToTheLog(t *testing.T) {
	t.Parallel()
	c, err := config.Load(writeConfig(t, t.TempDir(), `listen: ""
public_url: https://storywatch.example.org/
actors:
  - id: witkoff
    aliases: [Witkoff]
digests:
  - id: morning
    schedule: "0 7 * * *"
    to: [team-chat]
notifiers:
  - id: team-chat
    chat: {url: "logger://"}
`), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	spec := digestSpec(c, c.Digests[0])
	if spec.PublicURL != "https://storywatch.example.org" {
		t.Errorf("spec.PublicURL = %q", spec.PublicURL)
	}
	logs := &logBuffer{}
	s, err := Sender(c.Notifiers[0], time.Now, "test", logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	r, err := notify.Render(notify.Build(spec, "morning-1", time.Now(), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	recs := logs.records("chat message")
	if len(recs) != 1 || recs[0]["notifier"] != "team-chat" || recs[0]["message"] != r.Chat {
		t.Errorf("log records of the logger:// chat = %v, want its message", recs)
	}
}
