package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/storywatch/storywatch/secret"
)

// Status is the state of a delivery, as stored: package store writes these
// values into its SQL, so they are the only spelling of a status.
type Status string

// Delivery statuses.
const (
	// StatusPending marks a delivery waiting for its next attempt.
	StatusPending Status = "pending"
	// StatusSending marks a delivery whose send started. The claim lasts
	// until NextAttempt, which is at least the send timeout plus
	// Outbox.ClaimMargin away; if the process dies during the send, the
	// delivery is due again then.
	StatusSending Status = "sending"
	// StatusSent marks a delivery that succeeded; it is never sent again.
	StatusSent Status = "sent"
	// StatusDead marks a delivery that failed permanently or gave up; only
	// a manual retry makes it pending again.
	StatusDead Status = "dead"
)

// Delivery is one digest to be sent to one notifier.
type Delivery struct {
	ID           int64     `json:"id"`
	DigestID     string    `json:"digest_id"`
	Digest       string    `json:"digest"`
	Notifier     string    `json:"notifier"`
	Status       Status    `json:"status"`
	Attempts     int       `json:"attempts"`
	CreatedAt    time.Time `json:"created_at"`
	FirstAttempt time.Time `json:"first_attempt"`
	LastAttempt  time.Time `json:"last_attempt"`
	NextAttempt  time.Time `json:"next_attempt"`
	SentAt       time.Time `json:"sent_at"`
	LastError    string    `json:"last_error"`
	// RetriedAt is when `deliveries retry` last made the dead delivery
	// pending again; zero if never.
	RetriedAt time.Time `json:"retried_at"`
}

// GiveUpFrom returns when the give-up period of d started: its creation
// (when the digest was recorded), or its last manual retry.
func (d Delivery) GiveUpFrom() time.Time {
	if d.RetriedAt.After(d.CreatedAt) {
		return d.RetriedAt
	}
	return d.CreatedAt
}

// OutboxStore is the storage the Outbox needs.
type OutboxStore interface {
	// DueDeliveries returns up to limit pending or sending deliveries whose
	// next attempt is at or before now, oldest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// ClaimDelivery marks d as sending (one more attempt, at now, the first
	// attempt's time set if unset) and schedules its next attempt at next
	// in case the process dies during the send. It reports false when
	// another worker changed d since it was read.
	ClaimDelivery(ctx context.Context, d Delivery, now, next time.Time) (bool, error)
	// DigestPayload returns the stored Digest JSON of a digest id.
	DigestPayload(ctx context.Context, digestID string) ([]byte, error)
	// FinishDelivery stores the outcome of attempt number attempt: status
	// sent, pending (with next) or dead, and the error text ("" on
	// success). It reports false, storing nothing, when that attempt no
	// longer holds the claim.
	FinishDelivery(ctx context.Context, id int64, attempt int, status Status, at, next time.Time, errText string) (bool, error)
}

// Backoff configures retries (the delivery section of docs/config.md).
type Backoff struct {
	// RetryAfter is the delay after the first failure; it doubles after
	// each further failure up to RetryMax.
	RetryAfter time.Duration
	RetryMax   time.Duration
	// GiveUp is how long after its creation (when its digest was
	// recorded) a failing delivery is declared dead: a digest that old is
	// not worth sending any more. A manual retry starts a new period.
	GiveUp time.Duration
}

// Delay returns how long to wait after the given number of failed attempts
// (1 for the first failure).
func (b Backoff) Delay(attempts int) time.Duration {
	d := b.RetryAfter
	if d <= 0 {
		d = time.Minute
	}
	for i := 1; i < attempts; i++ {
		if b.RetryMax > 0 && d >= b.RetryMax {
			break
		}
		d *= 2
	}
	if b.RetryMax > 0 && d > b.RetryMax {
		d = b.RetryMax
	}
	return d
}

// Outbox sends due deliveries. It keeps no state of its own: everything is
// in the store, so a restart loses nothing.
type Outbox struct {
	Store   OutboxStore
	Senders map[string]Sender
	Backoff Backoff
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
	// OnResult, when set, is called after each attempt (for metrics).
	OnResult func(d Delivery, status Status, err error)
	// ClaimMargin is how long a claim outlasts the send timeout, so that
	// no other worker claims a delivery whose send may still be running;
	// 0 means DefaultClaimMargin.
	ClaimMargin time.Duration
	// Stop, when set and closed, makes RunDue start no further delivery,
	// as a cancelled context does, while the send in flight keeps its
	// context to finish (a shutdown's grace period).
	Stop <-chan struct{}
	// Secrets are scrubbed from every delivery error (nil for none).
	Secrets *secret.Set
}

// DefaultClaimMargin is the default Outbox.ClaimMargin: time enough for
// the store to record an outcome after the send timeout.
const DefaultClaimMargin = 15 * time.Second

func (o *Outbox) claimMargin() time.Duration {
	if o.ClaimMargin <= 0 {
		return DefaultClaimMargin
	}
	return o.ClaimMargin
}

func (o *Outbox) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o *Outbox) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// RunDue sends every delivery that is due now and returns how many were
// attempted. A delivery that fails is rescheduled in the future, so RunDue
// ends. Failed deliveries are logged, not returned: only storage errors
// are.
func (o *Outbox) RunDue(ctx context.Context) (int, error) {
	attempted := 0
	for {
		due, err := o.Store.DueDeliveries(ctx, o.now(), 50)
		if err != nil {
			return attempted, fmt.Errorf("outbox: %w", err)
		}
		if len(due) == 0 {
			return attempted, nil
		}
		progressed := false
		for _, d := range due {
			if err := ctx.Err(); err != nil {
				return attempted, err
			}
			select {
			case <-o.Stop:
				return attempted, nil
			default:
			}
			ok, err := o.attempt(ctx, d)
			if err != nil {
				return attempted, err
			}
			if ok {
				attempted++
				progressed = true
			}
		}
		if !progressed {
			// Everything was claimed by someone else; don't spin.
			return attempted, nil
		}
	}
}

// attempt claims and sends one delivery. It returns false when the
// delivery was claimed elsewhere.
func (o *Outbox) attempt(ctx context.Context, d Delivery) (bool, error) {
	now := o.now()
	attempts := d.Attempts + 1
	from := d.GiveUpFrom()
	timeout := sendTimeout(o.Senders[d.Notifier])
	// If we die during the send, the delivery is due again when a failure
	// would have been retried, but never before the send has surely ended:
	// until then the claim keeps every other worker off it, even at
	// give-up.
	next := o.nextAttempt(now, from, attempts)
	if hold := now.Add(timeout + o.claimMargin()); next.Before(hold) {
		next = hold
	}
	ok, err := o.Store.ClaimDelivery(ctx, d, now, next)
	if err != nil {
		return false, fmt.Errorf("outbox: claim delivery %d: %w", d.ID, err)
	}
	if !ok {
		return false, nil
	}
	log := o.log().With("delivery", d.ID, "digest", d.Digest, "digest_id", d.DigestID,
		"notifier", d.Notifier, "attempt", attempts)

	sendCtx, cancel := context.WithTimeout(ctx, timeout)
	sendErr := o.send(sendCtx, d)
	cancel()
	// Scrubbed once, here, before the error is logged, stored or reported:
	// a remote server may echo a token or a password.
	sendErr = o.Secrets.Error(sendErr)
	if ctx.Err() != nil && sendErr != nil {
		// Shutting down: leave the claim; the delivery is due again at next.
		return true, nil
	}
	done := o.now()
	status, errText := StatusSent, ""
	if sendErr != nil {
		// Senders redact what they know; this catches any URL a library
		// quoted (a Slack hook's path is its token).
		errText = RedactURLs(sendErr.Error())
	}
	switch {
	case sendErr == nil:
		log.Info("delivery sent")
	case IsPermanent(sendErr):
		status = StatusDead
		log.Error("delivery failed permanently", "error", errText)
	case !done.Before(from.Add(o.Backoff.GiveUp)) && o.Backoff.GiveUp > 0:
		status = StatusDead
		log.Error("delivery gave up", "error", errText)
		errText = "gave up: " + errText
	default:
		status = StatusPending
		next = o.nextAttempt(done, from, attempts)
		log.Warn("delivery failed, will retry", "error", errText, "next_attempt", next)
	}
	stored, err := o.Store.FinishDelivery(context.WithoutCancel(ctx), d.ID, attempts, status, done, next, errText)
	if err != nil {
		return true, fmt.Errorf("outbox: record delivery %d: %w", d.ID, err)
	}
	if !stored {
		// Our claim ran out and another worker took the delivery over; its
		// outcome is the one that counts.
		log.Warn("delivery outcome not recorded: a later attempt holds the delivery", "status", status)
	}
	if o.OnResult != nil {
		o.OnResult(d, status, sendErr)
	}
	return true, nil
}

// nextAttempt is when to retry after attempts failures, never later than
// the give-up time (counted from from), so the last attempt happens at
// give-up.
func (o *Outbox) nextAttempt(now, from time.Time, attempts int) time.Time {
	next := now.Add(o.Backoff.Delay(attempts))
	if o.Backoff.GiveUp > 0 {
		if limit := from.Add(o.Backoff.GiveUp); next.After(limit) {
			next = limit
		}
	}
	if next.Before(now) {
		next = now
	}
	return next
}

func (o *Outbox) send(ctx context.Context, d Delivery) error {
	sender, ok := o.Senders[d.Notifier]
	if !ok {
		// The notifier may come back with the next config; until give-up.
		return fmt.Errorf("notifier %s is not configured", d.Notifier)
	}
	payload, err := o.Store.DigestPayload(ctx, d.DigestID)
	if err != nil {
		return fmt.Errorf("load digest %s: %w", d.DigestID, err)
	}
	var dg Digest
	if err := json.Unmarshal(payload, &dg); err != nil {
		return Permanent(fmt.Errorf("decode digest %s: %w", d.DigestID, err))
	}
	r, err := Render(&dg)
	if err != nil {
		return Permanent(err)
	}
	if err := sender.Send(ctx, r); err != nil {
		return err
	}
	return nil
}

// ErrNotDead is returned when retrying a delivery that is not dead.
var ErrNotDead = errors.New("delivery is not dead")
