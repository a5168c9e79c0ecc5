-- "Contains" user searches (Keycloak's `username=` filter, `search=*foo*`) through trigram indexes instead
-- of reading every person of the realm (issue #16): pg_trgm's GIN operator class answers `LIKE '%foo%'`
-- (https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-INDEX).
--
-- pg_trgm is a contrib extension, trusted since PostgreSQL 13 (a database owner may create it). Where it
-- cannot be created (an older server, a role without the right), the migration still succeeds without the
-- indexes and searches read the realm as before. The extension goes into `public`, never the schema being
-- migrated: dropping one deployment's schema must not drop another's indexes with it. The indexes are
-- written through (`fastupdate = off`): a pending list of new entries would be read in full by every search
-- until the next vacuum (measured: 19 ms instead of 0.2 ms after loading 10^5 people).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pg_trgm unavailable (%): contains-searches of users will read the whole realm', SQLERRM;
        END;
    END IF;
END $$;

DO $$
DECLARE
    ops TEXT;
BEGIN
    SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF ops IS NOT NULL THEN
        EXECUTE format('CREATE INDEX users_by_username_trigram ON users USING gin (username_key %s) WITH (fastupdate = off)', ops);
        EXECUTE format('CREATE INDEX users_by_email_trigram ON users USING gin (email_key %s) WITH (fastupdate = off)', ops);
        EXECUTE format('CREATE INDEX users_by_first_name_trigram ON users USING gin (first_name_key %s) WITH (fastupdate = off)', ops);
        EXECUTE format('CREATE INDEX users_by_last_name_trigram ON users USING gin (last_name_key %s) WITH (fastupdate = off)', ops);
    END IF;
END $$;
