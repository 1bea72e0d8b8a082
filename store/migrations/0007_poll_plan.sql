-- A feed's poll plan (docs/config.md, "When feeds are polled"): when it is
-- due next and why, the interval the plan was built on, the end of a hit
-- boost, the publisher's hint from its last parsed document (kept across
-- 304 answers) and the WebSub hub and topic it declares. Durations are
-- INTEGER milliseconds. Feeds stored before this migration are due at once.
ALTER TABLE feeds ADD COLUMN next_poll INTEGER;
ALTER TABLE feeds ADD COLUMN poll_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN poll_interval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN boost_until INTEGER;
ALTER TABLE feeds ADD COLUMN feed_hint INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN feed_hint_source TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN websub_hub TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN websub_self TEXT NOT NULL DEFAULT '';
