-- Feed leases: the PostgreSQL twin of migrations/0015_feed_leases.sql
-- (docs/architecture.md, "Feed leases"). lease_until is BIGINT Unix
-- milliseconds; every claim first updates the one row of feed_claims, whose
-- row lock makes claims run one at a time, so that the per_host count of a
-- claim sees the leases of every claim before it.
ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
ALTER TABLE feeds ADD COLUMN lease_until BIGINT;
ALTER TABLE feeds ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN poll_host TEXT NOT NULL DEFAULT '';
CREATE INDEX feeds_lease_until ON feeds (lease_until);
CREATE TABLE feed_claims (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    claims BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO feed_claims (id, claims) VALUES (1, 0);
