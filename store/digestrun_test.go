package store

import (
	"context"
	"testing"
	"time"

	"github.com/storywatch/storywatch/store/storetest"
)

func TestDigestRunsAreRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Open(ctx, storetest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	at := time.Date(2025, 11, 24, 12, 0, 0, 0, time.UTC)
	if _, err := d.DigestStart(ctx, "morning", at.Add(-time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if err := d.DigestRan(ctx, "morning", at); err != nil {
		t.Fatal(err)
	}
	if err := d.DigestRan(ctx, "hourly", at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	runs, err := d.DigestRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !runs["morning"].Equal(at) || !runs["hourly"].Equal(at.Add(time.Minute)) || len(runs) != 2 {
		t.Errorf("runs = %v", runs)
	}
	// The first run stays where it was.
	if start, _ := d.DigestStart(ctx, "morning", at, false); !start.Equal(at.Add(-time.Hour)) {
		t.Errorf("first run moved to %v", start)
	}
}
