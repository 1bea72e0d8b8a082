-- health holds the one row that readiness probes write, to learn that the
-- database still takes writes (a read-only file, a full disk).
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL
);
