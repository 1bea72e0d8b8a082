package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

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
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	if err := requireDatabase(c); err != nil {
		return err
	}
	ctx := a.ctx
	db, err := openStore(ctx, c, a.logger())
	if err != nil {
		return err
	}
	defer db.Close()

	if retryID != 0 {
		if err := db.RetryDelivery(ctx, retryID, db.Now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return usagef("deliveries retry: no delivery %d", retryID)
			}
			return err
		}
		d, err := newDaemon(daemonOptions(c, db, a.logger()))
		if err != nil {
			return err
		}
		if err := d.SendDue(ctx); err != nil {
			return err
		}
		dl, err := db.Delivery(ctx, retryID)
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
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, dl := range all {
			if err := enc.Encode(deliveryJSON(dl)); err != nil {
				return err
			}
		}
		return nil
	}
	loc := c.Timezone
	if loc == nil {
		loc = time.UTC
	}
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tDIGEST\tNOTIFIER\tSTATUS\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, dl := range all {
		next := "-"
		if dl.Status == notify.StatusPending || dl.Status == notify.StatusSending {
			next = dl.NextAttempt.In(loc).Format("2006-01-02 15:04:05 MST")
		}
		lastErr := dl.LastError
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", dl.ID, dl.DigestID, dl.Notifier, dl.Status, dl.Attempts, next, lastErr)
	}
	return w.Flush()
}

// deliveryOut is a delivery as printed by -json; unknown times are null.
type deliveryOut struct {
	ID          int64   `json:"id"`
	DigestID    string  `json:"digest_id"`
	Digest      string  `json:"digest"`
	Notifier    string  `json:"notifier"`
	Status      string  `json:"status"`
	Attempts    int     `json:"attempts"`
	CreatedAt   *string `json:"created_at"`
	LastAttempt *string `json:"last_attempt"`
	NextAttempt *string `json:"next_attempt"`
	SentAt      *string `json:"sent_at"`
	LastError   string  `json:"last_error"`
}

func deliveryJSON(dl notify.Delivery) deliveryOut {
	ts := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.UTC().Format(time.RFC3339)
		return &s
	}
	out := deliveryOut{ID: dl.ID, DigestID: dl.DigestID, Digest: dl.Digest, Notifier: dl.Notifier,
		Status: string(dl.Status), Attempts: dl.Attempts, CreatedAt: ts(dl.CreatedAt), LastAttempt: ts(dl.LastAttempt),
		SentAt: ts(dl.SentAt), LastError: dl.LastError}
	if dl.Status == notify.StatusPending || dl.Status == notify.StatusSending {
		out.NextAttempt = ts(dl.NextAttempt)
	}
	return out
}
