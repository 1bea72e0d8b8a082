package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

func TestWatchSeesReplaceByRename(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "storywatch.yaml")
	if err := os.WriteFile(path, []byte("listen: \"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, path, 20*time.Millisecond, func() { changes <- struct{}{} })
	}()

	// An unrelated file in the same folder is not a change of the config.
	// Editors write a temporary file and rename it over the original; keep
	// doing that until the watcher (which starts asynchronously) reports.
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		if err := os.WriteFile(filepath.Join(dir, "other.txt"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, ".storywatch.yaml.swp")
		if err := os.WriteFile(tmp, []byte("listen: \"127.0.0.1:0\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		select {
		case <-changes:
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Watch returned %v", err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no change reported within 10s of replacing the file by rename")
		}
	}
}

func TestWatchIgnoresOtherFiles(t *testing.T) {
	t.Parallel()
	if relevant(fsEvent("/etc/storywatch/other.yaml"), "config.yaml") {
		t.Error("a change to another file in the folder counted as a config change")
	}
	if !relevant(fsEvent("/etc/storywatch/config.yaml"), "config.yaml") {
		t.Error("a change to the config file itself was ignored")
	}
	if !relevant(fsEvent("/etc/storywatch/..data"), "config.yaml") {
		t.Error("a ConfigMap ..data swap was ignored")
	}
}

func TestWatchIgnoresChmod(t *testing.T) {
	t.Parallel()
	for _, op := range []fsnotify.Op{fsnotify.Chmod, fsnotify.Write, fsnotify.Create, fsnotify.Rename, fsnotify.Remove} {
		ev := fsnotify.Event{Name: "/etc/storywatch/config.yaml", Op: op}
		if got, want := relevant(ev, "config.yaml"), op != fsnotify.Chmod; got != want {
			t.Errorf("relevant(%v) = %v, want %v", op, got, want)
		}
	}
}

func TestWatchMissingFolder(t *testing.T) {
	t.Parallel()
	err := Watch(context.Background(), filepath.Join(t.TempDir(), "nope", "x.yaml"), time.Millisecond, func() {})
	if err == nil {
		t.Fatal("watching a file in a missing folder succeeded")
	}
}

func fsEvent(name string) fsnotify.Event { return fsnotify.Event{Name: name, Op: fsnotify.Create} }
