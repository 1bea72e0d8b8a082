-- instance holds one random id, made with the database. It makes the ids
-- storywatch mints (those of Atom entries) unique across installations, and
-- a database created again gets a new one, so old ids are never reused.
CREATE TABLE instance (
    id TEXT NOT NULL
);
INSERT INTO instance (id) VALUES (lower(hex(randomblob(16))));
