-- RFC 8628 device authorization grants. Both codes are bearer values and stored as their SHA-256 only;
-- a user code is unique while its row lives (a new one is drawn on a clash).
CREATE TABLE device_grants (
    device_code_hash TEXT PRIMARY KEY,
    user_code_hash TEXT NOT NULL UNIQUE,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    poll_interval BIGINT NOT NULL,
    last_polled_at BIGINT,
    status TEXT NOT NULL,
    user_id TEXT,
    auth_time BIGINT,
    redeemed_at BIGINT
);
-- The janitor purges expired grants realm by realm.
CREATE INDEX device_grants_by_expiry ON device_grants (realm_id, expires_at);
