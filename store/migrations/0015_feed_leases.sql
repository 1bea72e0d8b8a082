-- Feed leases (docs/architecture.md, "Feed leases"): a replica claims a due
-- feed until lease_until (Unix milliseconds) under its lease_owner name;
-- lease_token grows with every claim and fences the save of the fetch.
-- poll_host is the host the feed is fetched from, which per_host counts
-- across replicas. feed_claims has the one row that every claim on
-- PostgreSQL updates first (there, claims run one at a time by its row
-- lock; on SQLite the write lock does it).
ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
ALTER TABLE feeds ADD COLUMN lease_until INTEGER;
ALTER TABLE feeds ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN poll_host TEXT NOT NULL DEFAULT '';
CREATE INDEX feeds_lease_until ON feeds (lease_until);
CREATE TABLE feed_claims (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    claims INTEGER NOT NULL DEFAULT 0
);
INSERT INTO feed_claims (id, claims) VALUES (1, 0);
