package store

import (
	"context"
	"os"
	"path/filepath"
)

// walGuardFrom is the write-ahead log size below which guardWAL does not
// look at the disk: a log this small cannot fill one that still works.
const walGuardFrom = 1 << 20

// guardWAL checkpoints and truncates the write-ahead log once it holds a
// quarter of the disk's free space. The log is copied back into the
// database only every wal_autocheckpoint pages (40 MB, see dsn), which a
// small disk may not have: without the guard the log fills it, and then
// even a checkpoint fails, for want of room for the database to grow into.
// Checkpointing while three times the log is still free leaves that room.
func (d *DB) guardWAL(ctx context.Context) {
	if d.dialect.postgres {
		return
	}
	wal, ok := fileSize(d.path + "-wal")
	if !ok || wal < walGuardFrom {
		return
	}
	free, ok := freeSpace(filepath.Dir(d.path))
	if !ok || wal*4 <= free {
		return
	}
	d.log.Info("write-ahead log holds a quarter of the free disk; checkpointing it", "database", d.path,
		"wal_bytes", wal, "free_bytes", free)
	d.checkpoint(ctx)
}

// checkpoint copies the write-ahead log into the database and truncates it.
func (d *DB) checkpoint(ctx context.Context) {
	var busy, frames, done int
	err := d.db.QueryRowContext(context.WithoutCancel(ctx), `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done)
	switch {
	case err != nil:
		d.log.Warn("checkpoint the write-ahead log", "database", d.path, "error", err)
	case busy != 0:
		d.log.Warn("checkpoint the write-ahead log: readers kept it from finishing", "database", d.path,
			"frames", frames, "checkpointed", done)
	}
}

func fileSize(path string) (int64, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return fi.Size(), true
}
