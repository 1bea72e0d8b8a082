-- Copies: each feed entry keeps what its feed said, stories are the
-- connected components of the copy graph over entries (docs/stories.md),
-- and hits can be retracted. Times are INTEGER Unix milliseconds (UTC).

-- item_sources rows become copies: one feed's entry for an article, with
-- its own text (matched by polls and backtests alike), its own story keys
-- and its story (the same as its item's, kept here so that the lookup of
-- linked copies reads indexes only). text_kept is 0 for entries recorded
-- before this migration other than an item's first, whose text was not
-- kept; pruned is 1 once retention removed the text.
ALTER TABLE item_sources ADD COLUMN story_id INTEGER;
ALTER TABLE item_sources ADD COLUMN canonical_url TEXT NOT NULL DEFAULT '';
ALTER TABLE item_sources ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE item_sources ADD COLUMN title TEXT;
ALTER TABLE item_sources ADD COLUMN summary TEXT;
ALTER TABLE item_sources ADD COLUMN content TEXT;
ALTER TABLE item_sources ADD COLUMN author TEXT;
ALTER TABLE item_sources ADD COLUMN category TEXT;
ALTER TABLE item_sources ADD COLUMN outlet TEXT NOT NULL DEFAULT '';
ALTER TABLE item_sources ADD COLUMN published INTEGER;
ALTER TABLE item_sources ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_sources ADD COLUMN text_kept INTEGER NOT NULL DEFAULT 1;
ALTER TABLE item_sources ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_sources ADD COLUMN title_hash INTEGER;
ALTER TABLE item_sources ADD COLUMN simhash INTEGER;
ALTER TABLE item_sources ADD COLUMN band0 INTEGER;
ALTER TABLE item_sources ADD COLUMN band1 INTEGER;
ALTER TABLE item_sources ADD COLUMN band2 INTEGER;
ALTER TABLE item_sources ADD COLUMN band3 INTEGER;

UPDATE item_sources SET
    story_id = i.story_id, canonical_url = i.canonical_url, url = i.url, title = i.title,
    outlet = i.outlet, published = i.published, held_back = i.held_back, pruned = i.pruned,
    title_hash = i.title_hash, simhash = i.simhash,
    band0 = i.band0, band1 = i.band1, band2 = i.band2, band3 = i.band3, text_kept = 0
FROM items i WHERE i.id = item_sources.item_id;

-- An item's text is its first feed's.
UPDATE item_sources SET summary = i.summary, content = i.content, author = i.author,
    category = i.category, text_kept = 1
FROM items i
WHERE i.id = item_sources.item_id
  AND NOT EXISTS (SELECT 1 FROM item_sources o WHERE o.item_id = item_sources.item_id
                  AND (o.first_seen < item_sources.first_seen
                       OR (o.first_seen = item_sources.first_seen AND o.feed_id < item_sources.feed_id)));

CREATE INDEX item_sources_story ON item_sources (story_id);
CREATE INDEX item_sources_canonical ON item_sources (canonical_url, feed_id, first_seen, story_id)
    WHERE canonical_url <> '';
CREATE INDEX item_sources_title_hash ON item_sources (title_hash, first_seen, story_id)
    WHERE title_hash IS NOT NULL;
-- Only a text's representatives carry bands: copies of one text in one
-- story are found through the text index (store/cluster.go).
CREATE INDEX item_sources_text ON item_sources (simhash, story_id, first_seen, band0) WHERE simhash IS NOT NULL;
CREATE INDEX item_sources_band0 ON item_sources (band0, first_seen, simhash, story_id) WHERE band0 IS NOT NULL;
CREATE INDEX item_sources_band1 ON item_sources (band1, first_seen, simhash, story_id) WHERE band1 IS NOT NULL;
CREATE INDEX item_sources_band2 ON item_sources (band2, first_seen, simhash, story_id) WHERE band2 IS NOT NULL;
CREATE INDEX item_sources_band3 ON item_sources (band3, first_seen, simhash, story_id) WHERE band3 IS NOT NULL;

-- The keys now live on the copies.
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

-- A story's lead is a copy, chosen by rule (story.Rank), and its id is
-- no longer the lead's: it is the id of the story's oldest part, kept
-- through merges. copies counts the story's feed entries.
ALTER TABLE stories ADD COLUMN lead_feed_id INTEGER;
ALTER TABLE stories ADD COLUMN lead_key TEXT NOT NULL DEFAULT '';
UPDATE stories SET (lead_feed_id, lead_key) = (
    SELECT s.feed_id, s.key FROM item_sources s WHERE s.item_id = stories.lead_item_id
    ORDER BY s.first_seen, s.feed_id LIMIT 1)
WHERE EXISTS (SELECT 1 FROM item_sources s WHERE s.item_id = stories.lead_item_id);
UPDATE stories SET copies = (
    SELECT COUNT(*) FROM items i JOIN item_sources s ON s.item_id = i.id WHERE i.story_id = stories.id)
WHERE EXISTS (SELECT 1 FROM items i JOIN item_sources s ON s.item_id = i.id WHERE i.story_id = stories.id);

-- story_merges remembers where a merged story went, so that its old id
-- still finds it.
CREATE TABLE story_merges (
    id        INTEGER PRIMARY KEY,                    -- the story that is gone
    into_id   INTEGER NOT NULL,                       -- the story it joined
    merged_at INTEGER NOT NULL
);
CREATE INDEX story_merges_into ON story_merges (into_id);

-- A hit records the copy whose text gave its evidence (feed_id, source_key:
-- the best-scoring, then the first by story.Rank), how many distinct terms
-- matched, and, once a backtest applied its drop, when and why it was
-- retracted: a retracted hit is kept but shown nowhere and sent in no
-- future digest.
ALTER TABLE hits ADD COLUMN feed_id INTEGER;
ALTER TABLE hits ADD COLUMN source_key TEXT NOT NULL DEFAULT '';
ALTER TABLE hits ADD COLUMN terms INTEGER;
ALTER TABLE hits ADD COLUMN retracted_at INTEGER;
ALTER TABLE hits ADD COLUMN retract_reason TEXT NOT NULL DEFAULT '';
UPDATE hits SET (feed_id, source_key) = (
    SELECT s.feed_id, s.key FROM item_sources s WHERE s.item_id = hits.item_id
    ORDER BY s.first_seen, s.feed_id LIMIT 1)
WHERE EXISTS (SELECT 1 FROM item_sources s WHERE s.item_id = hits.item_id);
