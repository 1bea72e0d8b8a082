-- Where each digest name starts, and when a dead delivery was sent again
-- (migrations/0004_digest_state_retried.sql).

CREATE TABLE digest_state (
    name       TEXT   PRIMARY KEY,
    first_seen BIGINT NOT NULL
);

ALTER TABLE deliveries ADD COLUMN retried_at BIGINT;
