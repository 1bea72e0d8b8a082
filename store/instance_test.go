package store

import (
	"context"
	"regexp"
	"testing"

	"github.com/storywatch/storywatch/store/storetest"
)

func TestInstanceIDIsPermanentAndNewPerDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
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
	pathA, pathB := storetest.Database(t), storetest.Database(t)
	a := read(pathA)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a) {
		t.Errorf("instance id %q is not 32 hex digits", a)
	}
	if again := read(pathA); again != a {
		t.Errorf("instance id changed on reopening: %s, then %s", a, again)
	}
	if b := read(pathB); b == a {
		t.Errorf("two databases share the instance id %s", a)
	}
}
