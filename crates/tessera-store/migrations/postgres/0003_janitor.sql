-- The janitor (tessera-core/src/janitor.rs) finds dead rows by realm and expiry, and keeps a session while an
-- unexpired code names it: without these its purges would read whole tables.
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (realm_id, expires_at);
CREATE INDEX authorization_codes_by_session ON authorization_codes (session_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (realm_id, expires_at);
