package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store/storetest"
)

// A database file cut short under a running store: readiness fails,
// where a ping of the connection pool still answered.
func TestReadyFailsOnATruncatedDatabase(t *testing.T) {
	t.Parallel()
	storetest.SQLiteOnly(t, "a SQLite file cut short")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sw.db")
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range 200 {
		st := monitor.FeedState{URL: "https://news.example/" + string(rune('a'+i%26)) + "/" + string(rune('0'+i/26)), LastError: "x"}
		if _, err := d.SaveFetch(ctx, monitor.FeedFetch{State: st}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Ready(ctx); err != nil {
		t.Fatalf("healthy database: %v", err)
	}
	d.checkpoint(ctx)
	if err := os.Truncate(path, 4096); err != nil {
		t.Fatal(err)
	}
	d.lastWrite.Store(nil)
	if err := d.Ready(ctx); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("Ready on a truncated database = %v, want it cut short", err)
	}
}

func TestReadyOnAFreshDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := storetest.Database(t)
	d, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}
