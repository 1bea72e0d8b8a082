package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// dbLock is an exclusive lock that one daemon holds on its database, so
// that a second `run` on the same file refuses to start instead of polling
// and sending everything twice. Read-only commands do not take it.
type dbLock struct {
	f    *os.File
	path string
}

// lockDatabase takes the lock file "<db>.lock" beside a SQLite database
// (several replicas may share a PostgreSQL one). The
// kernel releases the lock when the process dies, so a crash never leaves
// a stale lock behind. Symbolic links in the path are resolved first, so
// that a second daemon given a link to the same database finds the same
// lock.
func lockDatabase(dbPath string) (*dbLock, error) {
	path := realPath(dbPath) + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another storywatch run is already using the database %s (it holds %s); stop it first, or give this one another database", dbPath, path)
		}
		return nil, fmt.Errorf("lock database %s: %w", path, err)
	}
	// Who holds it, for a person looking at the file.
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "%d\n", os.Getpid())
	return &dbLock{f: f, path: path}, nil
}

// release drops the lock. The file stays: removing it would let a third
// process lock a new file while a second still waits on the old one.
func (l *dbLock) release() {
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

// realPath resolves the symbolic links of path; for a file not created
// yet, those of its folder.
func realPath(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		return filepath.Join(dir, filepath.Base(path))
	}
	return path
}
