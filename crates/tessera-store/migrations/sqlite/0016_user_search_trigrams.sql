-- "Contains" user searches (Keycloak's `username=` filter, `search=*foo*`) through a trigram index instead of
-- reading every person of the realm (issue #16). SQLite's FTS5 `trigram` tokenizer
-- (https://sqlite.org/fts5.html#the_trigram_tokenizer) indexes the four search keys of migration 0009; a
-- phrase of three characters or more matches exactly the values containing it, and the search statements
-- still test every condition on `users` itself, so the index only narrows the rows read.
--
-- The index keeps no copy of the keys (contentless: a row is deleted with the values it was indexed with, which
-- the triggers have as `old.*`; `contentless_delete` would need SQLite 3.43, newer than tools such as
-- Debian 12's sqlite3 that may write to the database). Its rowids come from
-- `user_search_rows`, whose INTEGER PRIMARY KEY is stable: `users` has no integer key of its own, and its
-- implicit rowids may be renumbered by VACUUM (https://sqlite.org/lang_vacuum.html).
-- Keys are lower-cased by the store already; `case_sensitive 1` leaves them as they are.
CREATE TABLE user_search_rows (
    row INTEGER PRIMARY KEY,
    realm_id TEXT NOT NULL,
    id TEXT NOT NULL,
    UNIQUE (realm_id, id)
);
CREATE VIRTUAL TABLE user_search_trigrams USING fts5(
    username_key, email_key, first_name_key, last_name_key,
    content = '', tokenize = 'trigram case_sensitive 1'
);

-- Kept in step with `users` by triggers, so every write path (and a realm's cascading delete) keeps it.
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO user_search_rows (realm_id, id) VALUES (new.realm_id, new.id);
    INSERT INTO user_search_trigrams (rowid, username_key, email_key, first_name_key, last_name_key)
    VALUES ((SELECT row FROM user_search_rows WHERE realm_id = new.realm_id AND id = new.id),
            new.username_key, new.email_key, new.first_name_key, new.last_name_key);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO user_search_trigrams (user_search_trigrams, rowid, username_key, email_key, first_name_key, last_name_key)
    VALUES ('delete', (SELECT row FROM user_search_rows WHERE realm_id = old.realm_id AND id = old.id),
            old.username_key, old.email_key, old.first_name_key, old.last_name_key);
    DELETE FROM user_search_rows WHERE realm_id = old.realm_id AND id = old.id;
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF username_key, email_key, first_name_key, last_name_key ON users BEGIN
    INSERT INTO user_search_trigrams (user_search_trigrams, rowid, username_key, email_key, first_name_key, last_name_key)
    VALUES ('delete', (SELECT row FROM user_search_rows WHERE realm_id = old.realm_id AND id = old.id),
            old.username_key, old.email_key, old.first_name_key, old.last_name_key);
    INSERT INTO user_search_trigrams (rowid, username_key, email_key, first_name_key, last_name_key)
    VALUES ((SELECT row FROM user_search_rows WHERE realm_id = new.realm_id AND id = new.id),
            new.username_key, new.email_key, new.first_name_key, new.last_name_key);
END;

-- The people already there.
INSERT INTO user_search_rows (realm_id, id) SELECT realm_id, id FROM users;
INSERT INTO user_search_trigrams (rowid, username_key, email_key, first_name_key, last_name_key)
SELECT r.row, u.username_key, u.email_key, u.first_name_key, u.last_name_key
FROM users u JOIN user_search_rows r ON r.realm_id = u.realm_id AND r.id = u.id;
