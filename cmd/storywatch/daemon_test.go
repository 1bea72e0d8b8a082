package main

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// flakyDigestStore fails every call while failing is set and otherwise
// has nothing pending; it counts the digest runs it saw.
type flakyDigestStore struct {
	failing atomic.Bool
	runs    atomic.Int32
}

var errDatabase = errors.New("database is locked")

func (f *flakyDigestStore) PendingHits(context.Context, string, []string, time.Time, bool) ([]notify.Candidate, error) {
	return nil, nil
}

func (f *flakyDigestStore) DigestStart(_ context.Context, _ string, now time.Time, _ bool) (time.Time, error) {
	f.runs.Add(1)
	if f.failing.Load() {
		return time.Time{}, errDatabase
	}
	return now, nil
}

func (f *flakyDigestStore) HitTimes(context.Context, []string, time.Time) (map[string][]time.Time, error) {
	return nil, nil
}

func (f *flakyDigestStore) RecordDigest(context.Context, notify.Record) error { return nil }

func TestFailedInstantDigestIsRetriedAfterTheNextCycle(t *testing.T) {
	st := &flakyDigestStore{}
	st.failing.Store(true)
	d := &daemon{log: slog.New(slog.DiscardHandler), digestStore: st, kick: make(chan struct{}, 1)}
	d.gen.Store(&generation{digests: []notify.Spec{{Name: "breaking", Instant: true, Location: time.UTC,
		Watches: []notify.WatchInfo{{ID: "call-leak"}}}}})

	d.instantDigests(context.Background(), 3) // the cycle that found hits; the digest fails
	if st.runs.Load() != 1 {
		t.Fatalf("instant digest ran %d times after a cycle with hits, want 1", st.runs.Load())
	}
	st.failing.Store(false)
	d.instantDigests(context.Background(), 0) // next cycle, no new hits
	if st.runs.Load() != 2 {
		t.Fatalf("a failed instant digest was not retried after the next cycle (runs %d, want 2)", st.runs.Load())
	}
	d.instantDigests(context.Background(), 0) // it succeeded: quiet cycles skip it
	if st.runs.Load() != 2 {
		t.Errorf("instant digest ran again after succeeding with no new hits (runs %d, want 2)", st.runs.Load())
	}
}
