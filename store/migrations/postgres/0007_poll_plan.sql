-- A feed's poll plan (migrations/0007_poll_plan.sql). Durations are
-- BIGINT milliseconds.
ALTER TABLE feeds ADD COLUMN next_poll BIGINT;
ALTER TABLE feeds ADD COLUMN poll_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN poll_interval BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN boost_until BIGINT;
ALTER TABLE feeds ADD COLUMN feed_hint BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN feed_hint_source TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN websub_hub TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN websub_self TEXT NOT NULL DEFAULT '';
