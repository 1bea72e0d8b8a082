-- The watchlist the stored hits were computed for, and the backtests still
-- owed (migrations/0013_watchlist_backtests.sql).
CREATE TABLE watch_hashes (
    watch       TEXT   PRIMARY KEY,
    hash        TEXT   NOT NULL,
    recorded_at BIGINT NOT NULL
);

CREATE TABLE pending_backtests (
    watch      TEXT   PRIMARY KEY,
    since      BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
