package store

// postgres reports whether the database is PostgreSQL.
func (d *DB) postgres() bool { return false }
