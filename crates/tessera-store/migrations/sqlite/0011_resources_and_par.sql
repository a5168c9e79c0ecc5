-- RFC 8707 resource indicators: the resources a code or a refresh token was granted for (space-separated
-- absolute URIs; empty: none named, the client's configured audience applies).
ALTER TABLE authorization_codes ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN resources TEXT NOT NULL DEFAULT '';

-- RFC 9126 pushed authorization requests: the parameters of a checked authorization request, kept for
-- 60 s behind the SHA-256 of its request_uri, taken (deleted) by exactly one authorization request.
CREATE TABLE pushed_authorization_requests (
    request_uri_hash TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    parameters TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pushed_authorization_requests_expiry ON pushed_authorization_requests (realm_id, expires_at);
