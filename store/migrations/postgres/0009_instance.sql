-- instance holds one random id, made with the database
-- (migrations/0009_instance.sql): 32 lower-case hex digits, here from a
-- random UUID without its dashes.
CREATE TABLE instance (
    id TEXT NOT NULL
);
INSERT INTO instance (id) VALUES (replace(gen_random_uuid()::text, '-', ''));
