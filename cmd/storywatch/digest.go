package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
)

// cmdDigest prints the digest that is due now as text, recording nothing;
// with -send it records the digest and its deliveries and sends them.
func cmdDigest(a *app, args []string) error {
	fs := a.flags("digest")
	send := fs.Bool("send", false, "record the digest and deliver it")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("digest: want one digest name (digest NAME [-send])")
	}
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	name := pos[0]
	var names []string
	sendEmpty := false
	for _, d := range c.Digests {
		names = append(names, d.ID)
		if d.ID == name {
			sendEmpty = d.SendEmpty
		}
	}
	if !slices.Contains(names, name) {
		return usagef("digest: no digest %q in %s (have %v)", name, c.Path, names)
	}
	if !*send {
		if err := requireDatabase(c); err != nil {
			return err
		}
	}
	ctx := a.ctx
	log := a.logger()
	db, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := newDaemon(daemonOptions(c, db, log))
	if err != nil {
		return err
	}
	if !*send {
		dg, err := d.PreviewDigest(ctx, name)
		if err != nil {
			return err
		}
		r, err := notify.Render(dg)
		if err != nil {
			return err
		}
		fmt.Fprint(a.stdout, r.Text)
		if dg.Empty() && !sendEmpty {
			fmt.Fprintf(a.stdout, "\n(nothing new: -send would not send this digest)\n")
		}
		return nil
	}
	// Records the digest, then sends everything due: this digest's
	// deliveries and any left over.
	dg, err := d.Digest(ctx, name)
	if err != nil {
		return err
	}
	if dg == nil {
		fmt.Fprintf(a.stdout, "digest %s: nothing new, nothing sent\n", name)
		return nil
	}
	return reportDigest(ctx, a, db, dg)
}

// reportDigest prints the outcome of each delivery of a digest, and fails
// when any is not sent (it stays in the outbox for its retry).
func reportDigest(ctx context.Context, a *app, db *store.DB, dg *notify.Digest) error {
	all, err := db.Deliveries(ctx)
	if err != nil {
		return err
	}
	r, err := notify.Render(dg)
	if err != nil {
		return err
	}
	noun := "stories"
	if r.Stories == 1 {
		noun = "story"
	}
	fmt.Fprintf(a.stdout, "digest %s (%s): %d new %s\n", dg.Name, dg.ID, r.Stories, noun)
	failed := 0
	for _, dl := range all {
		if dl.DigestID != dg.ID {
			continue
		}
		line := fmt.Sprintf("  delivery %d to %s: %s", dl.ID, dl.Notifier, dl.Status)
		if dl.Status != notify.StatusSent {
			failed++
			line += ": " + dl.LastError
			if dl.Status == notify.StatusPending {
				line += fmt.Sprintf(" (next attempt %s)", dl.NextAttempt.Format("2006-01-02 15:04:05Z07:00"))
			}
		}
		fmt.Fprintln(a.stdout, line)
	}
	if failed > 0 {
		return fmt.Errorf("digest %s: %d of its deliveries not sent (see 'storywatch deliveries')", dg.Name, failed)
	}
	return nil
}
