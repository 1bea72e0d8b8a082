package config

import (
	"testing"
	"time"
)

func TestPollPlanDefaults(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "", nil)
	if c.Poll.MinInterval != 5*time.Minute || c.Poll.MaxInterval != time.Hour || c.Poll.HitBoost != 2*time.Hour {
		t.Errorf("poll plan defaults = %v, %v, %v; want 5m, 1h, 2h", c.Poll.MinInterval, c.Poll.MaxInterval, c.Poll.HitBoost)
	}
	if c.PublicURL != "" {
		t.Errorf("public_url = %q, want none", c.PublicURL)
	}
}

func TestSearchFeedsAndAdaptiveSchedules(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
public_url: https://storywatch.example.org/desk/
poll:
  schedule: adaptive
  min_interval: 2m
  max_interval: 30m
  hit_boost: 0
feeds:
  - search: call-leak
    schedule: "@every 5m"
  - search: witkoff
    provider: bing-news
    hl: ru-RU
    gl: ru
  - search: witkoff
    provider: "https://search.example.org/rss?q={query}&lang={hl}"
  - url: https://example.org/rss
actors:
  - id: witkoff
    aliases: [Witkoff]
storylines:
  - id: call-leak
    query: '@witkoff AND leak*'
`, nil)
	if !c.Poll.Schedule.Adaptive || c.Poll.Schedule.Schedule != nil || c.Poll.Schedule.Spec != "adaptive" {
		t.Errorf("poll.schedule = %+v, want adaptive", c.Poll.Schedule)
	}
	if c.Poll.MinInterval != 2*time.Minute || c.Poll.MaxInterval != 30*time.Minute || c.Poll.HitBoost != 0 {
		t.Errorf("poll = %+v", c.Poll)
	}
	if c.PublicURL != "https://storywatch.example.org/desk" {
		t.Errorf("public_url = %q, want it without the trailing slash", c.PublicURL)
	}
	want := []Search{
		{Watch: "call-leak", Provider: "google-news"},
		{Watch: "witkoff", Provider: "bing-news", HL: "ru-RU", GL: "RU"},
		{Watch: "witkoff", Provider: "https://search.example.org/rss?q={query}&lang={hl}"},
	}
	for i, w := range want {
		f := c.Feeds[i]
		if f.Search != nil {
			w.Path, w.Line, w.Col = f.Search.Path, f.Search.Line, f.Search.Col
		}
		if f.Search == nil || *f.Search != w || f.URL != "" || f.Search.Line == 0 {
			t.Errorf("feeds[%d] = %+v (search %+v), want search %+v and no URL yet", i, f, f.Search, w)
		}
	}
	if c.Feeds[0].Schedule == nil || c.Feeds[0].Schedule.Spec != "@every 5m" {
		t.Errorf("feeds[0].schedule = %+v", c.Feeds[0].Schedule)
	}
	if c.Feeds[3].Search != nil || c.Feeds[3].URL != "https://example.org/rss" {
		t.Errorf("feeds[3] = %+v", c.Feeds[3])
	}
}
