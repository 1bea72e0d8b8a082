-- The canonical URL joins copies of an article across feeds only within
-- the story window (monitor.StoryWindow) and only across feeds: within one
-- feed two items with different keys are two items even when their links
-- canonicalize alike (live-blog entries whose links differ by #fragment, a
-- "latest" page reused for a new report). So the canonical URL is no
-- longer unique; it is an index for the lookup, newest first.
DROP INDEX items_canonical_url;
CREATE INDEX items_canonical_url ON items (canonical_url, first_seen) WHERE canonical_url <> '';
