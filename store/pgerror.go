package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// postgresFault reports the PostgreSQL errors that say the database cannot
// be written or read as it should (storageFault): the server cannot be
// reached, refuses writes (a read-only standby), lacks room or memory
// (class 53), is shutting down (57P), failed in its own storage (58) or
// found damage (XX).
func postgresFault(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) < 2 {
		return false
	}
	switch pe.Code[:2] {
	case "08", "53", "58", "XX":
		return true
	case "57":
		return pe.Code != "57014" // a cancelled statement says nothing of the storage
	case "25":
		return pe.Code == "25006" // read_only_sql_transaction
	}
	return false
}

// retryable reports whether a PostgreSQL transaction failed in a deadlock
// (40P01) or for want of serialization (40001): run again whole, it can
// succeed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
