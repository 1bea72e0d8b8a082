// Package store is the only package that speaks SQL. It keeps storywatch's
// state in an embedded SQLite database (modernc.org/sqlite, pure Go) or in
// a PostgreSQL one shared by replicas (pgx, dialect.go): feeds
// and their fetch state, items and their copies (each feed's entry, with
// that feed's text), stories, hits, digests and deliveries. Stories are
// kept equal to the connected components of the copy graph with the pure
// decisions of package story (cluster.go, docs/stories.md); a new copy's
// linked copies are found in an in-memory index of the story window
// (indexfinder.go, package copyindex), not in B-trees; on PostgreSQL, in the
// key indexes, under locks of the keys (clusterlock.go).
//
// The schema is built by embedded, numbered migrations (migrations/NNNN_*.sql)
// recorded in schema_migrations (migrations/postgres/NNNN_*.sql on
// PostgreSQL). Times are stored as Unix milliseconds in UTC (INTEGER,
// BIGINT on PostgreSQL; NULL when unknown); use millis and fromMillis. On
// SQLite every write transaction starts IMMEDIATE, so concurrent writers
// queue on the busy timeout instead of failing to upgrade a read lock. Fetches are saved
// by one writer goroutine, several feeds per transaction (writer.go).
//
// Inserts are idempotent (ON CONFLICT DO NOTHING) and report what was truly
// new, so a poll cycle interrupted at any point and run again neither loses
// committed rows nor repeats them.
package store
