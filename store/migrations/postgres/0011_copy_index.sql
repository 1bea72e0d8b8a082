-- SQLite's 0011 replaces the B-tree indexes of the story keys with the
-- in-memory copy index, which sees only one process's copies. Replicas on
-- PostgreSQL each see the others' copies only in the database, so here
-- the key indexes (canonical URL, title hash, SimHash bands and text) stay:
-- the story lookup reads them (store/cluster.go). The rest is as in
-- migrations/0011_copy_index.sql.
DROP INDEX items_canonical_url;
CREATE INDEX item_sources_first_seen ON item_sources (first_seen);

CREATE INDEX items_unpruned ON items (first_seen) WHERE pruned = 0;
CREATE INDEX item_sources_unpruned ON item_sources (first_seen) WHERE pruned = 0;
