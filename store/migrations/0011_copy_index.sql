-- The story lookup reads an in-memory index of the story window's copies
-- (docs/architecture.md, "Stories"), built at start from item_sources by
-- first_seen. The B-tree indexes it replaces had random keys: each new copy
-- wrote a random page of each, and each lookup read one, so saving slowed
-- as history grew. The key columns stay: a lookup before the index's
-- horizon (a clock set far back) still reads them, by first_seen. With
-- the index every copy with text is a representative of it, so the text
-- index goes too.
DROP INDEX item_sources_canonical;
DROP INDEX item_sources_title_hash;
DROP INDEX item_sources_band0;
DROP INDEX item_sources_band1;
DROP INDEX item_sources_band2;
DROP INDEX item_sources_band3;
DROP INDEX item_sources_text;
DROP INDEX items_canonical_url;
CREATE INDEX item_sources_first_seen ON item_sources (first_seen);

-- Retention finds the rows whose text it has not removed yet through
-- these, so a prune with nothing to do reads nothing.
CREATE INDEX items_unpruned ON items (first_seen) WHERE pruned = 0;
CREATE INDEX item_sources_unpruned ON item_sources (first_seen) WHERE pruned = 0;

-- Items stored from now on keep no text of their own: it lives with their
-- copies, once (store.Item reads it from the copy an item is shown by).
