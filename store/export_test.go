package store

// ResetPool closes the pooled connections, so that the next statements
// open new ones: how a connection comes to be opened while the database
// is read-only.
func ResetPool(d *DB) {
	d.db.SetMaxIdleConns(0)
	d.db.SetMaxIdleConns(2)
}
