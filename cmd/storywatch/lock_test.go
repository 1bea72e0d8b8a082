package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A second daemon given a symbolic link to the database, or a path
// through a linked folder, finds the first one's lock.
func TestLockFollowsSymbolicLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "sw.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(db, link); err != nil {
		t.Fatal(err)
	}
	linkedDir := filepath.Join(dir, "linked")
	if err := os.Symlink(filepath.Dir(db), linkedDir); err != nil {
		t.Fatal(err)
	}
	lock, err := lockDatabase(db)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.release()
	for _, other := range []string{link, filepath.Join(linkedDir, "sw.db"), filepath.Join(linkedDir, "..", "data", "sw.db")} {
		l, err := lockDatabase(other)
		if err == nil {
			l.release()
			t.Errorf("%s: a second lock was taken", other)
		} else if !strings.Contains(err.Error(), "another storywatch run") {
			t.Errorf("%s: %v", other, err)
		}
	}
	// A database not created yet, in a linked folder: the folder resolves.
	fresh, err := lockDatabase(filepath.Join(linkedDir, "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.release()
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), "new.db.lock")); err != nil {
		t.Errorf("the lock of a new database is not in the real folder: %v", err)
	}
}
