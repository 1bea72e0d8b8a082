-- The watchlist the stored hits were computed for, and the backtests still
-- owed, so that a change of the watchlist is backtested however the daemon
-- learns of it (a reload, or a start after the file was edited while it was
-- stopped), and a backtest cut short by a kill is finished by the next start.
-- Times are INTEGER Unix milliseconds (UTC).

-- watch_hashes: per tracked watch, a hash of its definition (its aliases,
-- or its query with the aliases of the actors it names).
CREATE TABLE watch_hashes (
    watch       TEXT    PRIMARY KEY,
    hash        TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
);

-- pending_backtests: a watch whose stored hits do not yet cover its
-- definition, for the items first seen since `since`.
CREATE TABLE pending_backtests (
    watch      TEXT    PRIMARY KEY,
    since      INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
