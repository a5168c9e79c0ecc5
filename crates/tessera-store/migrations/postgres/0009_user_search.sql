-- Admin user search (issue #16) in a fixed number of index lookups, whatever the realm's size.
-- Each searchable field gets a lower-cased copy written by the store (`search_key` in tessera-core, so the
-- value searched for and the value stored are folded by the same function on both backends), with an index
-- per realm: an exact value is an equality, a prefix a range on it. The copies are in the "C" collation so
-- that a range [prefix, next) holds exactly the values starting with the prefix (code-point order, as
-- SQLite's BINARY); a language collation would scatter them. Rows written before are folded here.
ALTER TABLE users ADD COLUMN username_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_key TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN first_name_key TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN last_name_key TEXT COLLATE "C";
UPDATE users SET username_key = lower(username), email_key = lower(email), first_name_key = lower(first_name),
    last_name_key = lower(last_name);
CREATE INDEX users_by_username_key ON users (realm_id, username_key);
CREATE INDEX users_by_email_key ON users (realm_id, email_key);
CREATE INDEX users_by_first_name_key ON users (realm_id, first_name_key);
CREATE INDEX users_by_last_name_key ON users (realm_id, last_name_key);
