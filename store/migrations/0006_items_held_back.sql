-- held_back marks an item that a feed's first poll recorded as seen without
-- matching, because it was older than poll.backfill. Backtests leave these
-- items out, exactly as the poll did; items stored before this migration
-- are all taken as matched.
ALTER TABLE items ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;
