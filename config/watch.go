package config

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch calls onChange after the config file at path changes, until ctx is
// done. It watches the file's folder rather than the file, because editors
// (and Kubernetes ConfigMaps) replace a file by writing a new one and
// renaming it over the old, which a watch on the old inode would miss.
// Bursts of events within debounce collapse into one call. Watch returns
// nil when ctx is done, or an error if the folder cannot be watched.
func Watch(ctx context.Context, path string, debounce time.Duration, onChange func()) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("watch %s: %w", path, err)
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", path, err)
	}
	defer w.Close()
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !relevant(ev, base) {
				continue
			}
			timer.Reset(debounce)
		case _, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow means events were lost: treat it as a change.
			timer.Reset(debounce)
		case <-timer.C:
			onChange()
		}
	}
}

// relevant reports whether an event in the config's folder may have changed
// the config: a write, create, rename or removal of the file itself or of a
// "..data" symlink (Kubernetes swaps one for mounted ConfigMaps). A chmod
// alone (touch, a permission change) is not an edit.
func relevant(ev fsnotify.Event, base string) bool {
	name := filepath.Base(ev.Name)
	if name != base && name != "..data" {
		return false
	}
	return ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) != 0
}
