-- WebSub subscriptions (migrations/0008_websub.sql).
CREATE TABLE websub_subscriptions (
    feed_id      BIGINT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    hub          TEXT   NOT NULL,
    topic        TEXT   NOT NULL,
    secret       TEXT   NOT NULL,
    state        TEXT   NOT NULL,
    requested_at BIGINT NOT NULL,
    lease_until  BIGINT,
    last_push    BIGINT,
    last_error   TEXT   NOT NULL DEFAULT ''
);
