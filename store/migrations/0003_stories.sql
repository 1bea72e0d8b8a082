-- Stories: copies of one report grouped together (DESIGN §5).
-- Times are INTEGER Unix milliseconds (UTC).

-- stories holds one row per report; its lead is the first copy seen, and
-- its id is the lead's id. lead_item_id has no foreign key: SQLite would
-- scan stories on every item insert to check it while the transaction has
-- a deferred violation outstanding.
CREATE TABLE stories (
    id           INTEGER PRIMARY KEY,
    lead_item_id INTEGER NOT NULL,                    -- an items id, the same as id
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,                    -- when the latest copy joined
    copies       INTEGER NOT NULL DEFAULT 1           -- member items
);
CREATE INDEX stories_first_seen ON stories (first_seen);
CREATE INDEX stories_last_seen ON stories (last_seen);

-- Each item belongs to one story. The clustering keys are kept on the item
-- so that a new item finds its story through indexes: title_hash is a hash
-- of the normalized title (NULL when too short); simhash and its four
-- 16-bit bands are NULL when the text is too short to compare. The
-- indexes cover the lookup, so it never reads an item's row. An item and
-- the story it leads are written in one transaction, in either order.
ALTER TABLE items ADD COLUMN story_id INTEGER REFERENCES stories (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE items ADD COLUMN title_hash INTEGER;
ALTER TABLE items ADD COLUMN simhash INTEGER;
ALTER TABLE items ADD COLUMN band0 INTEGER;
ALTER TABLE items ADD COLUMN band1 INTEGER;
ALTER TABLE items ADD COLUMN band2 INTEGER;
ALTER TABLE items ADD COLUMN band3 INTEGER;
CREATE INDEX items_story ON items (story_id);
CREATE INDEX items_title_hash ON items (title_hash, first_seen, story_id) WHERE title_hash IS NOT NULL;
CREATE INDEX items_band0 ON items (band0, first_seen, story_id, simhash) WHERE band0 IS NOT NULL;
CREATE INDEX items_band1 ON items (band1, first_seen, story_id, simhash) WHERE band1 IS NOT NULL;
CREATE INDEX items_band2 ON items (band2, first_seen, story_id, simhash) WHERE band2 IS NOT NULL;
CREATE INDEX items_band3 ON items (band3, first_seen, story_id, simhash) WHERE band3 IS NOT NULL;

-- Items stored before stories existed become stories of their own, under
-- their own id, so that every item has a story.
INSERT INTO stories (id, lead_item_id, first_seen, last_seen, copies)
SELECT id, id, first_seen, first_seen, 1 FROM items;
UPDATE items SET story_id = id;
