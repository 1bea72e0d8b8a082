package notify

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// DeliveryJSON is a delivery as `storywatch deliveries -json` prints it;
// unknown times are null, and so is the next attempt of a delivery that
// is neither pending nor sending.
type DeliveryJSON struct {
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

// JSON returns the delivery as DeliveryJSON, times in RFC 3339 UTC.
func (dl Delivery) JSON() DeliveryJSON {
	ts := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.UTC().Format(time.RFC3339)
		return &s
	}
	out := DeliveryJSON{ID: dl.ID, DigestID: dl.DigestID, Digest: dl.Digest, Notifier: dl.Notifier,
		Status: string(dl.Status), Attempts: dl.Attempts, CreatedAt: ts(dl.CreatedAt), LastAttempt: ts(dl.LastAttempt),
		SentAt: ts(dl.SentAt), LastError: dl.LastError}
	if dl.waiting() {
		out.NextAttempt = ts(dl.NextAttempt)
	}
	return out
}

func (dl Delivery) waiting() bool {
	return dl.Status == StatusPending || dl.Status == StatusSending
}

// WriteDeliveries writes deliveries as one JSON object a line, or as a
// table for people with next attempts in loc (UTC when nil).
func WriteDeliveries(w io.Writer, all []Delivery, loc *time.Location, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, dl := range all {
			if err := enc.Encode(dl.JSON()); err != nil {
				return err
			}
		}
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDIGEST\tNOTIFIER\tSTATUS\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, dl := range all {
		next := "-"
		if dl.waiting() {
			next = dl.NextAttempt.In(loc).Format("2006-01-02 15:04:05 MST")
		}
		lastErr := dl.LastError
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", dl.ID, dl.DigestID, dl.Notifier, dl.Status, dl.Attempts, next, lastErr)
	}
	return tw.Flush()
}
