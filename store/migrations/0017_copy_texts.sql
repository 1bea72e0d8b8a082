-- The bulky text of copies (summary, content, author, category) moves to
-- copy_texts, one row per copy that has text, so that item_sources rows
-- stay small and retention deletes text rows instead of rewriting copies.
-- A copy's text_id names its text row; NULL once retention removed it, or
-- when the copy had no text.
CREATE TABLE copy_texts (
    id       INTEGER PRIMARY KEY,
    summary  TEXT,
    content  TEXT,
    author   TEXT,
    category TEXT
);
ALTER TABLE item_sources ADD COLUMN text_id INTEGER;
INSERT INTO copy_texts (id, summary, content, author, category)
SELECT rowid, summary, content, author, category FROM item_sources
WHERE COALESCE(summary, '') <> '' OR COALESCE(content, '') <> ''
   OR COALESCE(author, '') <> '' OR COALESCE(category, '') <> '';
UPDATE item_sources SET text_id = rowid WHERE rowid IN (SELECT id FROM copy_texts);

-- Retention walks item_sources_first_seen and items_first_seen from where
-- its last run stopped (retention.pruned_before), so a prune with nothing
-- to do reads one index entry; the partial indexes of unpruned rows, a
-- B-tree insert per new row, go.
DROP INDEX items_unpruned;
DROP INDEX item_sources_unpruned;
ALTER TABLE item_sources DROP COLUMN summary;
ALTER TABLE item_sources DROP COLUMN content;
ALTER TABLE item_sources DROP COLUMN author;
ALTER TABLE item_sources DROP COLUMN category;

-- retention holds one row: everything first seen before pruned_before has
-- had its text removed. 0 until the first prune after this migration,
-- which therefore walks the whole history once.
CREATE TABLE retention (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_before INTEGER NOT NULL
);
INSERT INTO retention (id, pruned_before) VALUES (1, 0);
