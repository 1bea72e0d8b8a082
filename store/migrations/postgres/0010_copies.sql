-- Copies: each feed entry keeps what its feed said, stories are the
-- connected components of the copy graph, and hits can be retracted
-- (migrations/0010_copies.sql).

ALTER TABLE item_sources ADD COLUMN story_id BIGINT;
ALTER TABLE item_sources ADD COLUMN canonical_url TEXT NOT NULL DEFAULT '';
ALTER TABLE item_sources ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE item_sources ADD COLUMN title TEXT;
ALTER TABLE item_sources ADD COLUMN summary TEXT;
ALTER TABLE item_sources ADD COLUMN content TEXT;
ALTER TABLE item_sources ADD COLUMN author TEXT;
ALTER TABLE item_sources ADD COLUMN category TEXT;
ALTER TABLE item_sources ADD COLUMN outlet TEXT NOT NULL DEFAULT '';
ALTER TABLE item_sources ADD COLUMN published BIGINT;
ALTER TABLE item_sources ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_sources ADD COLUMN text_kept INTEGER NOT NULL DEFAULT 1;
ALTER TABLE item_sources ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_sources ADD COLUMN title_hash BIGINT;
ALTER TABLE item_sources ADD COLUMN simhash BIGINT;
ALTER TABLE item_sources ADD COLUMN band0 BIGINT;
ALTER TABLE item_sources ADD COLUMN band1 BIGINT;
ALTER TABLE item_sources ADD COLUMN band2 BIGINT;
ALTER TABLE item_sources ADD COLUMN band3 BIGINT;

CREATE INDEX item_sources_story ON item_sources (story_id);
CREATE INDEX item_sources_canonical ON item_sources (canonical_url, feed_id, first_seen, story_id)
    WHERE canonical_url <> '';
CREATE INDEX item_sources_title_hash ON item_sources (title_hash, first_seen, story_id)
    WHERE title_hash IS NOT NULL;
CREATE INDEX item_sources_text ON item_sources (simhash, story_id, first_seen, band0) WHERE simhash IS NOT NULL;
CREATE INDEX item_sources_band0 ON item_sources (band0, first_seen, simhash, story_id) WHERE band0 IS NOT NULL;
CREATE INDEX item_sources_band1 ON item_sources (band1, first_seen, simhash, story_id) WHERE band1 IS NOT NULL;
CREATE INDEX item_sources_band2 ON item_sources (band2, first_seen, simhash, story_id) WHERE band2 IS NOT NULL;
CREATE INDEX item_sources_band3 ON item_sources (band3, first_seen, simhash, story_id) WHERE band3 IS NOT NULL;

DROP INDEX items_title_hash;
DROP INDEX items_band0;
DROP INDEX items_band1;
DROP INDEX items_band2;
DROP INDEX items_band3;
ALTER TABLE items DROP COLUMN title_hash;
ALTER TABLE items DROP COLUMN simhash;
ALTER TABLE items DROP COLUMN band0;
ALTER TABLE items DROP COLUMN band1;
ALTER TABLE items DROP COLUMN band2;
ALTER TABLE items DROP COLUMN band3;

ALTER TABLE stories ADD COLUMN lead_feed_id BIGINT;
ALTER TABLE stories ADD COLUMN lead_key TEXT NOT NULL DEFAULT '';

CREATE TABLE story_merges (
    id        BIGINT PRIMARY KEY,
    into_id   BIGINT NOT NULL,
    merged_at BIGINT NOT NULL
);
CREATE INDEX story_merges_into ON story_merges (into_id);

ALTER TABLE hits ADD COLUMN feed_id BIGINT;
ALTER TABLE hits ADD COLUMN source_key TEXT NOT NULL DEFAULT '';
ALTER TABLE hits ADD COLUMN terms INTEGER;
ALTER TABLE hits ADD COLUMN retracted_at BIGINT;
ALTER TABLE hits ADD COLUMN retract_reason TEXT NOT NULL DEFAULT '';
