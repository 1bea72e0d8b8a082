-- Feeds, items, the feeds each item was seen in, and hits.
-- Times are INTEGER Unix milliseconds (UTC); NULL means unknown or never.

-- feeds holds one row per configured feed URL (the key: a permanent redirect
-- changes fetch_url, never url) and its fetch state.
CREATE TABLE feeds (
    id                 INTEGER PRIMARY KEY,
    url                TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL DEFAULT '',   -- from the config, may be empty
    title              TEXT    NOT NULL DEFAULT '',   -- the feed's own title
    fetch_url          TEXT    NOT NULL DEFAULT '',   -- after 301/308; '' means url
    etag               TEXT    NOT NULL DEFAULT '',
    last_modified      TEXT    NOT NULL DEFAULT '',
    last_fetch         INTEGER,
    last_success       INTEGER,
    last_status        INTEGER NOT NULL DEFAULT 0,    -- HTTP status of the last attempt, 0 if none
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT    NOT NULL DEFAULT '',
    next_attempt       INTEGER,                       -- not fetched before this (backoff, Retry-After)
    item_count         INTEGER NOT NULL DEFAULT 0,    -- item sources recorded for this feed
    first_poll_done    INTEGER NOT NULL DEFAULT 0
);

-- items holds one row per article. The same canonical URL seen in several
-- feeds is one item; items without a usable link have canonical_url ''.
-- The text columns are set to NULL after the retention period (hits stay).
-- A later migration adds story_id.
CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    canonical_url TEXT    NOT NULL DEFAULT '',
    key           TEXT    NOT NULL,                   -- key in the first feed that had it
    url           TEXT    NOT NULL DEFAULT '',
    title         TEXT,
    summary       TEXT,
    content       TEXT,
    author        TEXT,
    category      TEXT,
    outlet        TEXT    NOT NULL DEFAULT '',
    published     INTEGER,
    first_seen    INTEGER NOT NULL,
    pruned        INTEGER NOT NULL DEFAULT 0          -- 1 once the text was removed
);
CREATE UNIQUE INDEX items_canonical_url ON items (canonical_url) WHERE canonical_url <> '';
CREATE INDEX items_first_seen ON items (first_seen);

-- item_sources says which feeds an item was seen in, under which key.
-- (feed_id, key) is the identity of "seen": an item is never matched twice.
CREATE TABLE item_sources (
    feed_id    INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (feed_id, key)
);
CREATE INDEX item_sources_item ON item_sources (item_id);

-- hits: an item satisfies a watch, at most once per (item, watch).
-- backfilled marks hits found by a backtest rather than a poll.
CREATE TABLE hits (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    watch      TEXT    NOT NULL,
    score      INTEGER NOT NULL,
    matches    TEXT    NOT NULL DEFAULT '[]',         -- JSON array of match.Match
    found_at   INTEGER NOT NULL,
    backfilled INTEGER NOT NULL DEFAULT 0,
    UNIQUE (item_id, watch)
);
CREATE INDEX hits_found_at ON hits (found_at);
CREATE INDEX hits_watch_found_at ON hits (watch, found_at);
