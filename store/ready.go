package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// readyWrite is how recent a successful write must be for Ready to take
// it as proof that the database takes writes; without one, Ready writes.
const readyWrite = 30 * time.Second

// writeOutcome is the result of the last write that reached the database.
type writeOutcome struct {
	at  time.Time
	err error // a storage fault (storageFault), or nil
}

// noteWrite records the outcome of a write for Ready. Errors that say
// nothing of the storage (a cancelled context, a constraint) are not
// recorded.
func (d *DB) noteWrite(err error) {
	if err != nil && !storageFault(err) {
		return
	}
	d.lastWrite.Store(&writeOutcome{at: d.now(), err: err})
}

// storageFault reports the errors of a database that cannot be written or
// read as it should: read-only, full, failing I/O, damaged or gone.
func storageFault(err error) bool {
	if postgresFault(err) {
		return true
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT,
		sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		return true
	}
	return false
}

const probeWrite = `INSERT INTO health (id, checked_at) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`

// Ready checks that the database can be read and written, for readiness
// probes. It checks that the file is as long as its header says (SQLite
// notices a file cut short only when it reads a page it does not cache),
// then reads the schema version; a write that succeeded within
// readyWrite then tells; otherwise it writes one row itself. While another
// write is running it does not wait for it: the last outcome tells, and a
// storage fault (read-only, full disk, damaged file) of the last write
// makes it fail until a write succeeds again.
func (d *DB) Ready(ctx context.Context) error {
	if err := d.checkFile(); err != nil {
		return err
	}
	if _, err := d.SchemaVersion(ctx); err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	o := d.lastWrite.Load()
	if o != nil && o.err == nil && d.now().Sub(o.at) < readyWrite {
		return nil
	}
	if !d.writeMu.TryLock() {
		if o != nil && o.err != nil {
			return fmt.Errorf("last write to the database failed: %w", o.err)
		}
		return nil
	}
	defer d.writeMu.Unlock()
	err := d.txLocked(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, probeWrite, d.now().UnixMilli())
		return err
	})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("write database: %w", err)
	}
	return nil
}

// checkFile checks the database file against its own header: a file cut
// shorter than the page count its header records has lost pages. The
// header's count is that of the last checkpoint, which the file always
// holds; newer pages may live in the write-ahead log.
func (d *DB) checkFile() error {
	if d.dialect.postgres {
		return nil
	}
	f, err := os.Open(d.path)
	if err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	defer f.Close()
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	if err != nil {
		return fmt.Errorf("read database: the file %s is %d bytes, not even a header: %w", d.path, n, err)
	}
	if string(h[:16]) != "SQLite format 3\x00" {
		return fmt.Errorf("read database: the file %s is not a SQLite database any more", d.path)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	counter, validFor := binary.BigEndian.Uint32(h[24:28]), binary.BigEndian.Uint32(h[92:96])
	if pages > 0 && counter == validFor && fi.Size() < pages*pageSize {
		return fmt.Errorf("read database: the file %s is %d bytes, its header says %d: it was cut short", d.path, fi.Size(), pages*pageSize)
	}
	return nil
}
