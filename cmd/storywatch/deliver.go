package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/storywatch/storywatch/config"
	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/chat"
	"github.com/storywatch/storywatch/notify/email"
	"github.com/storywatch/storywatch/notify/file"
	"github.com/storywatch/storywatch/notify/webhook"
	"github.com/storywatch/storywatch/store"
)

// This file translates the config's digests, delivery and notifiers into
// notify's types, and runs what follows a poll cycle: instant digests, then
// the outbox.

// digestSpec translates one configured digest. An empty watch list means
// every tracked watch: tracked actors, then storylines, in config order.
func digestSpec(c *config.Config, d config.Digest) notify.Spec {
	titles := map[string]string{}
	var all []string
	for _, a := range c.Actors {
		titles[a.ID] = a.Name
		if a.Track {
			all = append(all, a.ID)
		}
	}
	for _, s := range c.Storylines {
		titles[s.ID] = s.Title
		all = append(all, s.ID)
	}
	ids := d.Watch
	if len(ids) == 0 {
		ids = all
	}
	spec := notify.Spec{Name: d.ID, MaxStories: d.MaxStories, SendEmpty: d.SendEmpty,
		Instant: d.Instant, Backfill: c.Poll.Backfill, Location: d.Timezone, To: d.To}
	if spec.Location == nil {
		spec.Location = c.Timezone
	}
	for _, id := range ids {
		spec.Watches = append(spec.Watches, notify.WatchInfo{ID: id, Title: titles[id]})
	}
	return spec
}

// findDigest returns the configured digest with the given id.
func findDigest(c *config.Config, name string) (config.Digest, bool) {
	for _, d := range c.Digests {
		if d.ID == name {
			return d, true
		}
	}
	return config.Digest{}, false
}

// senders builds one sender per configured notifier. Errors name the
// notifier, never its secrets.
func senders(c *config.Config, now func() time.Time) (map[string]notify.Sender, error) {
	out := map[string]notify.Sender{}
	for _, n := range c.Notifiers {
		switch {
		case n.Email != nil:
			e, err := email.New(email.Options{NotifierID: n.ID, Host: n.Email.Host, Port: n.Email.Port,
				TLS: n.Email.TLS, Username: n.Email.Username, Password: n.Email.Password,
				From: n.Email.From, To: n.Email.To, Now: now})
			if err != nil {
				return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
			}
			out[n.ID] = e
		case n.Webhook != nil:
			w, err := webhook.New(webhook.Options{NotifierID: n.ID, URL: n.Webhook.URL,
				Secret: n.Webhook.Secret, Timeout: n.Webhook.Timeout, Now: now, UserAgent: "storywatch/" + version})
			if err != nil {
				return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
			}
			out[n.ID] = w
		case n.Chat != nil:
			ch, err := chat.New(chat.Options{NotifierID: n.ID, URL: n.Chat.URL})
			if err != nil {
				return nil, err
			}
			out[n.ID] = ch
		case n.File != nil:
			f, err := file.New(file.Options{NotifierID: n.ID, Dir: n.File.Dir})
			if err != nil {
				return nil, fmt.Errorf("notifier %s: %w", n.ID, err)
			}
			out[n.ID] = f
		}
	}
	return out, nil
}

// newOutbox wires the delivery worker.
func newOutbox(c *config.Config, db *store.DB, log *slog.Logger) (*notify.Outbox, error) {
	s, err := senders(c, db.Now)
	if err != nil {
		return nil, err
	}
	return &notify.Outbox{Store: db, Senders: s, Now: db.Now, Log: log,
		Backoff: notify.Backoff{RetryAfter: c.Delivery.RetryAfter, RetryMax: c.Delivery.RetryMax, GiveUp: c.Delivery.GiveUp}}, nil
}

// afterCycle runs every instant digest over the hits found since it last
// ran (backfilled hits left out), then sends every delivery that is due
// until none is. `once` calls it after its poll cycle. A digest that fails
// to record does not stop the others; failed deliveries stay in the outbox
// for their retry and are reported by `deliveries`.
func afterCycle(ctx context.Context, c *config.Config, db *store.DB, log *slog.Logger) error {
	g := &notify.Digester{Store: db, Now: db.Now, Log: log}
	var errs []error
	for _, d := range c.Digests {
		if !d.Instant {
			continue
		}
		if _, err := g.Run(ctx, digestSpec(c, d)); err != nil {
			log.Error("instant digest", "digest", d.ID, "error", err)
			errs = append(errs, err)
		}
	}
	o, err := newOutbox(c, db, log)
	if err != nil {
		return err
	}
	if _, err := o.RunDue(ctx); err != nil {
		return err
	}
	if len(errs) > 0 {
		return fmt.Errorf("instant digests: %w", errs[0])
	}
	return nil
}
