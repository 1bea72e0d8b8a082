package main

import (
	"fmt"

	"github.com/storywatch/storywatch/notify"
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
	spec, ok := c.DigestByID(name)
	if !ok {
		return usagef("digest: no digest %q in %s (have %v)", name, c.Path, c.DigestIDs())
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
		return notify.WritePreview(a.stdout, dg, spec.SendEmpty)
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
	all, err := db.Deliveries(ctx)
	if err != nil {
		return err
	}
	failed, err := notify.WriteOutcome(a.stdout, dg, all)
	if err == nil && failed > 0 {
		err = fmt.Errorf("digest %s: %d of its deliveries not sent (see 'storywatch deliveries')", dg.Name, failed)
	}
	return err
}
