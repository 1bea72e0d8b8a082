package main

import (
	"context"
	"fmt"

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
	d, ok := findDigest(c, pos[0])
	if !ok {
		var names []string
		for _, d := range c.Digests {
			names = append(names, d.ID)
		}
		return usagef("digest: no digest %q in %s (have %v)", pos[0], c.Path, names)
	}
	ctx := a.ctx
	db, err := openStore(ctx, c, a.logger())
	if err != nil {
		return err
	}
	defer db.Close()
	log := a.logger()
	spec := digestSpec(c, d)
	g := &notify.Digester{Store: db, Now: db.Now, Log: log}

	if !*send {
		dg, err := g.Preview(ctx, spec)
		if err != nil {
			return err
		}
		r, err := notify.Render(dg)
		if err != nil {
			return err
		}
		fmt.Fprint(a.stdout, r.Text)
		if dg.Empty() && !spec.SendEmpty {
			fmt.Fprintf(a.stdout, "\n(nothing new: -send would not send this digest)\n")
		}
		return nil
	}

	dg, err := g.Run(ctx, spec)
	if err != nil {
		return err
	}
	o, err := newOutbox(c, db, log)
	if err != nil {
		return err
	}
	// Send everything due, this digest's deliveries and any left over.
	if _, err := o.RunDue(ctx); err != nil {
		return err
	}
	if dg == nil {
		fmt.Fprintf(a.stdout, "digest %s: nothing new, nothing sent\n", spec.Name)
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
