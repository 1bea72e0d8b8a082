package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/store"
)

// cmdDeliveries lists the outbox, or with "retry ID" makes a dead delivery
// pending again and sends it.
func cmdDeliveries(a *app, args []string) error {
	fs := a.flags("deliveries")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	var retryID int64
	switch {
	case len(pos) == 0:
	case len(pos) == 2 && pos[0] == "retry":
		retryID, err = strconv.ParseInt(pos[1], 10, 64)
		if err != nil || retryID <= 0 {
			return usagef("deliveries retry: %q is not a delivery id", pos[1])
		}
	default:
		return usagef("deliveries: want no arguments or 'retry ID'")
	}
	c, db, err := a.openExistingStore()
	if err != nil {
		return err
	}
	ctx := a.ctx
	defer db.Close()

	if retryID != 0 {
		d, err := newDaemon(daemonOptions(c, db, a.logger()))
		if err != nil {
			return err
		}
		dl, err := d.Retry(ctx, db, retryID)
		if errors.Is(err, store.ErrNotFound) {
			return usagef("deliveries retry: no delivery %d", retryID)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "delivery %d to %s: %s\n", dl.ID, dl.Notifier, dl.Status)
		if dl.Status != notify.StatusSent {
			return fmt.Errorf("delivery %d not sent: %s", dl.ID, dl.LastError)
		}
		return nil
	}

	all, err := db.Deliveries(ctx)
	if err != nil {
		return err
	}
	return notify.WriteDeliveries(a.stdout, all, c.Timezone, *asJSON)
}
