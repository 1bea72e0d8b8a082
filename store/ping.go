package store

import (
	"context"
	"errors"
	"time"
)

// openBusyFor bounds how long Open retries a first connection that SQLite
// reports busy, as long as the busy timeout its connections wait.
const openBusyFor = 10 * time.Second

// ping opens the first connection. On SQLite it retries while the database
// is busy: switching a new file to WAL, which the first connection of
// every process asks for, needs a lock that another process opening the
// same new file at that moment may hold, and SQLite answers SQLITE_BUSY
// then without waiting on the busy timeout.
func (d *DB) ping(ctx context.Context) error {
	err := d.db.PingContext(ctx)
	if d.dialect.postgres {
		return err
	}
	deadline := time.Now().Add(openBusyFor)
	for delay := time.Millisecond; err != nil && sqliteBusy(err) && time.Now().Before(deadline); delay = min(2*delay, 100*time.Millisecond) {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		err = d.db.PingContext(ctx)
	}
	return err
}

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY (5) or one of its
// extended codes.
func sqliteBusy(err error) bool {
	var c interface{ Code() int }
	return errors.As(err, &c) && c.Code()&0xff == 5
}
