package store

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"
)

func TestInstanceIDIsPermanentAndNewPerDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	read := func(path string) string {
		t.Helper()
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		id, err := db.InstanceID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := read(filepath.Join(dir, "a.db"))
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a) {
		t.Errorf("instance id %q is not 32 hex digits", a)
	}
	if again := read(filepath.Join(dir, "a.db")); again != a {
		t.Errorf("instance id changed on reopening: %s, then %s", a, again)
	}
	if b := read(filepath.Join(dir, "b.db")); b == a {
		t.Errorf("two databases share the instance id %s", a)
	}
}
