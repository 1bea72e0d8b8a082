package store

// postgresDSN returns the PostgreSQL connection string of d, or "" for a
// SQLite database.
func (d *DB) postgresDSN() string { return "" }
