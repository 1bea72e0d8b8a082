-- Digests, the hits each digest name has included, and the delivery outbox.
-- Times are INTEGER Unix milliseconds (UTC); NULL means never.

-- digests holds every recorded digest with the payload every rendering is
-- made from (notify.Digest as JSON), so a retry sends the same message.
CREATE TABLE digests (
    id         TEXT    PRIMARY KEY,                 -- e.g. morning-20251126T070000Z-9f3a61c2
    name       TEXT    NOT NULL,                    -- the digest's id in the config
    created_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL
);
CREATE INDEX digests_name_created ON digests (name, created_at);

-- digest_hits: a hit goes into a given digest name at most once, however
-- many times the digest runs.
CREATE TABLE digest_hits (
    name      TEXT    NOT NULL,
    hit_id    INTEGER NOT NULL REFERENCES hits (id) ON DELETE CASCADE,
    digest_id TEXT    NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    PRIMARY KEY (name, hit_id)
);
CREATE INDEX digest_hits_digest ON digest_hits (digest_id);

-- deliveries is the outbox: one row per (digest, notifier).
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    digest_id     TEXT    NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    notifier      TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending', -- pending | sending | sent | dead
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    first_attempt INTEGER,
    last_attempt  INTEGER,
    next_attempt  INTEGER NOT NULL,
    sent_at       INTEGER,
    last_error    TEXT    NOT NULL DEFAULT '',
    UNIQUE (digest_id, notifier)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt);
