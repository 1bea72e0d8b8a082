-- The canonical URL is no longer unique: it joins copies only within the
-- story window and across feeds (migrations/0005_canonical_url_window.sql).
DROP INDEX items_canonical_url;
CREATE INDEX items_canonical_url ON items (canonical_url, first_seen) WHERE canonical_url <> '';
