-- WebSub subscriptions (docs/config.md, "WebSub"): one per feed whose hub
-- storywatch asked to push. secret signs the hub's pushes; state is
-- requested (waiting for the hub's verification), active (lease_until is
-- when the hub stops pushing unless renewed) or denied. Times are INTEGER
-- Unix milliseconds.
CREATE TABLE websub_subscriptions (
    feed_id      INTEGER PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    hub          TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    secret       TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    requested_at INTEGER NOT NULL,
    lease_until  INTEGER,
    last_push    INTEGER,
    last_error   TEXT    NOT NULL DEFAULT ''
);
