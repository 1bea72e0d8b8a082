package store

import (
	"context"
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// writeFailed recovers what a failed write says can be recovered and
// returns err unchanged:
//
//   - "attempt to write a readonly database": the connections of the pool
//     may have been opened while the file or its folder was read-only, and
//     such a connection stays read-only when the fault has passed. They
//     are closed, so that the next write opens a new one.
//   - "database or disk is full": the write-ahead log may hold most of the
//     disk (it is copied back only every wal_autocheckpoint pages). It is
//     checkpointed and truncated, so that the retry has room when the
//     database's own growth still fits (guardWAL keeps it so).
func (d *DB) writeFailed(ctx context.Context, err error) error {
	d.noteWrite(err)
	switch sqliteCode(err) {
	case sqlite3.SQLITE_READONLY:
		d.log.Warn("database is read-only; reopening its connections", "database", d.path, "error", err)
		d.db.SetMaxIdleConns(0)
		d.db.SetMaxIdleConns(maxIdleConns)
	case sqlite3.SQLITE_FULL:
		d.log.Warn("disk full; checkpointing and truncating the write-ahead log", "database", d.path, "error", err)
		d.checkpoint(ctx)
	}
	return err
}

// sqliteCode returns the primary SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	// Errors that lost their type on the way keep their text.
	switch msg := err.Error(); {
	case strings.Contains(msg, "attempt to write a readonly database"):
		return sqlite3.SQLITE_READONLY
	case strings.Contains(msg, "database or disk is full"):
		return sqlite3.SQLITE_FULL
	}
	return 0
}
