-- Per-user revocation ("log out everywhere"): a user's not-before instant, read by every node in sequence
-- like revoked_tokens, and kept until every access token issued before it has expired (expires_at).
CREATE TABLE user_not_before (
    seq BIGSERIAL PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX user_not_before_by_expiry ON user_not_before (expires_at);

-- Finding everything one user holds without reading whole tables.
CREATE INDEX sso_sessions_by_user ON sso_sessions (realm_id, user_id);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (realm_id, user_id);
