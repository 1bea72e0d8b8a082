-- held_back marks an item a feed's first poll recorded without matching
-- (migrations/0006_items_held_back.sql).
ALTER TABLE items ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;
