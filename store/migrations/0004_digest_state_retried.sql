-- Where each digest name starts, and when a dead delivery was sent again.
-- Times are INTEGER Unix milliseconds (UTC).

-- digest_state: a digest name includes only hits found after its first run
-- minus poll.backfill, so a new or renamed digest does not pick up every
-- hit in history. Digest names that already ran start at their first
-- recorded digest.
CREATE TABLE digest_state (
    name       TEXT    PRIMARY KEY,
    first_seen INTEGER NOT NULL
);
INSERT INTO digest_state (name, first_seen)
SELECT name, MIN(created_at) FROM digests GROUP BY name;

-- retried_at: `deliveries retry` gives a dead delivery a fresh give-up
-- period counted from then instead of from its creation.
ALTER TABLE deliveries ADD COLUMN retried_at INTEGER;
