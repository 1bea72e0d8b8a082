package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/chat"
	"github.com/storywatch/storywatch/notify/email"
	"github.com/storywatch/storywatch/notify/file"
	"github.com/storywatch/storywatch/notify/webhook"
)

// This file translates the config into each package's own types.

// Watchlist translates the config's actors and storylines into what the
// matcher is compiled from.
func Watchlist(c *config.Config) match.Watchlist {
	w := match.Watchlist{
		Actors:     make([]match.Actor, len(c.Actors)),
		Storylines: make([]match.Storyline, len(c.Storylines)),
	}
	for i, a := range c.Actors {
		w.Actors[i] = match.Actor{ID: a.ID, Name: a.Name, Aliases: a.Aliases, Exact: a.Exact,
			ExactAliases: a.ExactAliases, Region: a.Region, Track: a.Track}
	}
	for i, s := range c.Storylines {
		w.Storylines[i] = match.Storyline{ID: s.ID, Title: s.Title, Query: s.Query}
	}
	return w
}

// pollerOptions translates the poll section of the config. version fills
// in the user agent's VERSION.
func pollerOptions(c *config.Config, version string) monitor.Options {
	return monitor.Options{
		Fetch: feed.Fetcher{
			UserAgent: strings.ReplaceAll(c.Poll.UserAgent, "VERSION", version),
			Timeout:   c.Poll.Timeout,
			MaxBody:   c.Poll.MaxBody,

			AllowPrivate: c.Poll.AllowPrivateNetworks,
		},
		Concurrency: c.Poll.Concurrency,
		PerHost:     c.Poll.PerHost,
		Backfill:    backfillOption(c.Poll.Backfill),
		MinInterval: c.Poll.MinInterval,
		MaxInterval: c.Poll.MaxInterval,
		HitBoost:    hitBoostOption(c.Poll.HitBoost),
	}
}

// hitBoostOption translates poll.hit_boost, where 0 turns the boost off,
// for monitor, where zero means its default and negative means off.
func hitBoostOption(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// backfillOption translates poll.backfill for monitor, where zero means
// its default: a configured 0 means no backfill, which monitor spells as a
// negative duration.
func backfillOption(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// feedConfigs lists the config's feeds with their poll interval, measured
// between the schedule's next two runs after now.
func feedConfigs(c *config.Config, now time.Time) []monitor.FeedConfig {
	out := make([]monitor.FeedConfig, len(c.Feeds))
	for i, f := range c.Feeds {
		sched := feedSchedule(c, f)
		out[i] = monitor.FeedConfig{URL: f.URL, Name: f.Name, Interval: interval(sched, now),
			Aggregator: f.Search != nil || slices.Contains(f.Tags, "aggregator"),
			Schedule:   sched.Schedule, Adaptive: sched.Adaptive}
	}
	return out
}

// feedSchedule is the poll schedule of f: its own, or the config's.
func feedSchedule(c *config.Config, f config.Feed) config.Schedule {
	if f.Schedule != nil {
		return *f.Schedule
	}
	return c.Poll.Schedule
}

// interval is a schedule's interval, measured between its next two runs
// after now; 0 for an adaptive schedule.
func interval(s config.Schedule, now time.Time) time.Duration {
	if s.Schedule == nil {
		return 0
	}
	next := s.Next(now)
	return s.Next(next).Sub(next)
}

// digestSpec translates one configured digest. An empty watch list means
// every tracked watch. A story is listed under the first of its watches:
// storylines, the more specific, come before actors, each in the order the
// digest or the config gives them.
func digestSpec(c *config.Config, d config.Digest) notify.Spec {
	titles := map[string]string{}
	storyline := map[string]bool{}
	var actors, storylines []string
	for _, a := range c.Actors {
		titles[a.ID] = a.Name
		if a.Track {
			actors = append(actors, a.ID)
		}
	}
	for _, s := range c.Storylines {
		titles[s.ID] = s.Title
		storyline[s.ID] = true
		storylines = append(storylines, s.ID)
	}
	ids := d.Watch
	if len(ids) == 0 {
		ids = append(storylines, actors...)
	}
	spec := notify.Spec{Name: d.ID, MaxStories: d.MaxStories, SendEmpty: d.SendEmpty,
		Instant: d.Instant, Backfill: c.Poll.Backfill, Location: d.Timezone, To: d.To, PublicURL: c.PublicURL}
	if spec.Location == nil {
		spec.Location = c.Timezone
	}
	for _, first := range []bool{true, false} {
		for _, id := range ids {
			if storyline[id] == first {
				spec.Watches = append(spec.Watches, notify.WatchInfo{ID: id, Title: titles[id]})
			}
		}
	}
	return spec
}

// Sender builds the sender of one configured notifier; now is the clock of
// its signatures and dates, version goes into the webhook's user agent, and
// log receives the messages of a logger:// chat URL (nil discards them).
// Errors name the notifier, never its secrets.
func Sender(n config.Notifier, now func() time.Time, version string, log *slog.Logger) (notify.Sender, error) {
	var s notify.Sender
	var err error
	switch {
	case n.Email != nil:
		s, err = email.New(email.Options{NotifierID: n.ID, Host: n.Email.Host, Port: n.Email.Port,
			TLS: n.Email.TLS, Username: n.Email.Username, Password: n.Email.Password,
			From: n.Email.From, To: n.Email.To, Now: now})
	case n.Webhook != nil:
		s, err = webhook.New(webhook.Options{NotifierID: n.ID, URL: n.Webhook.URL,
			Secret: n.Webhook.Secret, Timeout: n.Webhook.Timeout, Now: now, UserAgent: "storywatch/" + version})
	case n.Chat != nil:
		// The chat package's errors name the notifier, with its URL
		// redacted.
		return chat.New(chat.Options{NotifierID: n.ID, URL: n.Chat.URL, Log: log})
	case n.File != nil:
		s, err = file.New(file.Options{NotifierID: n.ID, Dir: n.File.Dir})
	default:
		err = errors.New("no kind")
	}
	if err != nil {
		return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
	}
	return s, nil
}

// senders builds one sender per configured notifier.
func senders(c *config.Config, now func() time.Time, version string, log *slog.Logger) (map[string]notify.Sender, error) {
	out := make(map[string]notify.Sender, len(c.Notifiers))
	for _, n := range c.Notifiers {
		s, err := Sender(n, now, version, log)
		if err != nil {
			return nil, err
		}
		out[n.ID] = s
	}
	return out, nil
}

// backoff translates the delivery section of the config.
func backoff(c *config.Config) notify.Backoff {
	return notify.Backoff{RetryAfter: c.Delivery.RetryAfter, RetryMax: c.Delivery.RetryMax, GiveUp: c.Delivery.GiveUp}
}
