package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrStale is returned by DigestStore.RecordDigest when some of the digest's
// hits were included by another run in the meantime; the digest is then
// rebuilt.
var ErrStale = errors.New("digest hits already included elsewhere")

// ErrTickTaken is returned by DigestStore.RecordDigest for a record of a
// scheduled tick that is already recorded: another process sharing the
// database ran the digest's tick first. Nothing was stored.
var ErrTickTaken = errors.New("digest tick already recorded")

// DigestStore is the storage a Digester needs.
type DigestStore interface {
	// PendingHits returns the hits of the given watches, found at or after
	// since, that digest name has not yet included; withBackfilled false
	// leaves out hits found by a backtest.
	PendingHits(ctx context.Context, name string, watches []string, since time.Time, withBackfilled bool) ([]Candidate, error)
	// DigestStart returns when digest name first ran. When it never ran,
	// it returns now, and with record set stores now as its first run.
	DigestStart(ctx context.Context, name string, now time.Time, record bool) (time.Time, error)
	// HitTimes returns, per watch, when each new story found at or after
	// since got its first hit (the charts count new stories).
	HitTimes(ctx context.Context, watches []string, since time.Time) (map[string][]time.Time, error)
	// RecordDigest stores, in one transaction, the digest, its hits (each
	// at most once per digest name) and one pending delivery per notifier,
	// and, for a scheduled tick, the tick (at most once per digest name
	// and due time; ErrTickTaken when it is already stored). A record
	// without DigestID stores only its tick: the tick ran with nothing
	// to send.
	RecordDigest(ctx context.Context, rec Record) error
}

// DigestLocker is implemented by a DigestStore that several processes
// share: LockDigest runs fn holding a lock on digest name that no other
// process's LockDigest of that name gets until fn returned, and the
// RecordDigest calls of that name made with fn's context record inside
// the lock. A run that took the lock after another's sees everything the
// other recorded. now is the run's time, the digest's first run if it
// never ran (DigestStart).
type DigestLocker interface {
	LockDigest(ctx context.Context, name string, now time.Time, fn func(ctx context.Context) error) error
}

// Record is what RecordDigest stores.
type Record struct {
	DigestID  string
	Name      string
	CreatedAt time.Time
	// Payload is the Digest as JSON, from which every rendering is made.
	Payload   []byte
	HitIDs    []int64
	Notifiers []string
	// Tick is the scheduled time this record is the run of; zero for an
	// instant digest and a digest run by hand, which record no tick.
	Tick time.Time
}

// Digester builds and records digests.
type Digester struct {
	Store DigestStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

func (g *Digester) now() time.Time {
	if g.Now == nil {
		return time.Now()
	}
	return g.Now()
}

// Preview builds the digest that is due now, without recording anything.
func (g *Digester) Preview(ctx context.Context, spec Spec) (*Digest, error) {
	return g.build(ctx, spec, g.now(), false)
}

// build builds the digest due at now. record stores now as the digest's
// first run if it never ran.
func (g *Digester) build(ctx context.Context, spec Spec, now time.Time, record bool) (*Digest, error) {
	ids := make([]string, len(spec.Watches))
	for i, w := range spec.Watches {
		ids[i] = w.ID
	}
	start, err := g.Store.DigestStart(ctx, spec.Name, now, record)
	if err != nil {
		return nil, fmt.Errorf("digest %s: %w", spec.Name, err)
	}
	cands, err := g.Store.PendingHits(ctx, spec.Name, ids, start.Add(-spec.Backfill), !spec.Instant)
	if err != nil {
		return nil, fmt.Errorf("digest %s: %w", spec.Name, err)
	}
	times, err := g.Store.HitTimes(ctx, ids, ChartSince(now, spec.Location))
	if err != nil {
		return nil, fmt.Errorf("digest %s: %w", spec.Name, err)
	}
	return Build(spec, NewDigestID(spec.Name, now), now, cands, times), nil
}

// Run builds the digest that is due now and records it with one pending
// delivery per notifier of spec.To. It returns nil, and records nothing,
// when the digest is empty and spec.SendEmpty is false.
func (g *Digester) Run(ctx context.Context, spec Spec) (*Digest, error) {
	return g.run(ctx, spec, time.Time{})
}

// RunTick is Run for the scheduled tick due at tick: the tick is recorded
// with the digest, or alone when the digest is empty and not sent, so that
// of the processes sharing a store only the first records it. A tick
// already recorded returns ErrTickTaken and records nothing.
func (g *Digester) RunTick(ctx context.Context, spec Spec, tick time.Time) (*Digest, error) {
	return g.run(ctx, spec, tick)
}

// run builds and records the digest due now, for tick when it is not
// zero, inside the store's lock on the digest name when it has one.
func (g *Digester) run(ctx context.Context, spec Spec, tick time.Time) (*Digest, error) {
	var d *Digest
	var err error
	if l, ok := g.Store.(DigestLocker); ok {
		err = l.LockDigest(ctx, spec.Name, g.now(), func(ctx context.Context) error {
			var err error
			d, err = g.record(ctx, spec, tick)
			return err
		})
	} else {
		d, err = g.record(ctx, spec, tick)
	}
	if err != nil {
		return nil, err
	}
	if d != nil && g.Log != nil {
		g.Log.Info("digest recorded", "digest", spec.Name, "digest_id", d.ID,
			"hits", len(d.HitIDs), "deliveries", len(spec.To))
	}
	return d, nil
}

// record builds the digest due now and records it, building it again when
// another run included some of its hits meanwhile. It returns nil when
// there was nothing to send.
func (g *Digester) record(ctx context.Context, spec Spec, tick time.Time) (*Digest, error) {
	for attempt := 0; ; attempt++ {
		now := g.now()
		d, err := g.build(ctx, spec, now, true)
		if err != nil {
			return nil, err
		}
		if d.Empty() && !spec.SendEmpty {
			if tick.IsZero() {
				return nil, nil
			}
			if err := g.Store.RecordDigest(ctx, Record{Name: spec.Name, CreatedAt: now, Tick: tick}); err != nil {
				return nil, fmt.Errorf("record digest %s tick: %w", spec.Name, err)
			}
			return nil, nil
		}
		payload, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("digest %s: %w", spec.Name, err)
		}
		err = g.Store.RecordDigest(ctx, Record{DigestID: d.ID, Name: d.Name, CreatedAt: now,
			Payload: payload, HitIDs: d.HitIDs, Notifiers: spec.To, Tick: tick})
		if errors.Is(err, ErrStale) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("record digest %s: %w", spec.Name, err)
		}
		return d, nil
	}
}

// NewDigestID returns a fresh digest id: the digest's name, the time and a
// random suffix, e.g. "morning-20251126T070000Z-9f3a61c2".
func NewDigestID(name string, now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return SafeName(name) + "-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
