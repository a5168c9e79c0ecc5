-- Admin user search (issue #16) in a fixed number of index lookups, whatever the realm's size.
-- Each searchable field gets a lower-cased copy written by the store (`search_key` in tessera-core, so the
-- value searched for and the value stored are folded by the same function on both backends), with an index
-- per realm: an exact value is an equality, a prefix a range on it. Rows written before this migration are
-- folded here with SQL's lower(), which on SQLite folds ASCII letters only, as the search did until now.
ALTER TABLE users ADD COLUMN username_key TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_key TEXT;
ALTER TABLE users ADD COLUMN first_name_key TEXT;
ALTER TABLE users ADD COLUMN last_name_key TEXT;
UPDATE users SET username_key = lower(username), email_key = lower(email), first_name_key = lower(first_name),
    last_name_key = lower(last_name);
CREATE INDEX users_by_username_key ON users (realm_id, username_key);
CREATE INDEX users_by_email_key ON users (realm_id, email_key);
CREATE INDEX users_by_first_name_key ON users (realm_id, first_name_key);
CREATE INDEX users_by_last_name_key ON users (realm_id, last_name_key);

-- Without statistics SQLite takes `realm_id = ?` for a selective condition and walks the realm's username
-- index for every search (measured: 14 ms for one exact username among 10^5). These fixed statistics
-- (https://sqlite.org/lang_analyze.html, "fixed results of ANALYZE") describe the case that matters, one
-- large realm: realm_id selects every row, a username or an email one, a first or last name a few. An
-- ANALYZE run later replaces them with measured ones.
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1 WHERE tbl = 'users';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('users', 'sqlite_autoindex_users_1', '1000000 1000000 1'),
    ('users', 'sqlite_autoindex_users_2', '1000000 1000000 1'),
    ('users', 'users_by_username_key', '1000000 1000000 1'),
    ('users', 'users_by_email_key', '1000000 1000000 1'),
    ('users', 'users_by_first_name_key', '1000000 1000000 10'),
    ('users', 'users_by_last_name_key', '1000000 1000000 10');
