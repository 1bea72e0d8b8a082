-- Stories: copies of one report grouped together (migrations/0003_stories.sql).
-- The item's story key is checked at commit (DEFERRABLE INITIALLY
-- DEFERRED): an item and the story it leads are written in one
-- transaction, in either order.

CREATE TABLE stories (
    id           BIGINT PRIMARY KEY,
    lead_item_id BIGINT NOT NULL,
    first_seen   BIGINT NOT NULL,
    last_seen    BIGINT NOT NULL,
    copies       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX stories_first_seen ON stories (first_seen);
CREATE INDEX stories_last_seen ON stories (last_seen);

ALTER TABLE items ADD COLUMN story_id BIGINT REFERENCES stories (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE items ADD COLUMN title_hash BIGINT;
ALTER TABLE items ADD COLUMN simhash BIGINT;
ALTER TABLE items ADD COLUMN band0 BIGINT;
ALTER TABLE items ADD COLUMN band1 BIGINT;
ALTER TABLE items ADD COLUMN band2 BIGINT;
ALTER TABLE items ADD COLUMN band3 BIGINT;
CREATE INDEX items_story ON items (story_id);
CREATE INDEX items_title_hash ON items (title_hash, first_seen, story_id) WHERE title_hash IS NOT NULL;
CREATE INDEX items_band0 ON items (band0, first_seen, story_id, simhash) WHERE band0 IS NOT NULL;
CREATE INDEX items_band1 ON items (band1, first_seen, story_id, simhash) WHERE band1 IS NOT NULL;
CREATE INDEX items_band2 ON items (band2, first_seen, story_id, simhash) WHERE band2 IS NOT NULL;
CREATE INDEX items_band3 ON items (band3, first_seen, story_id, simhash) WHERE band3 IS NOT NULL;
