-- health holds the one row that readiness probes write (migrations/0012_health.sql).
CREATE TABLE health (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at BIGINT  NOT NULL
);
