-- RFC 7591 §3 initial access tokens (Keycloak's client initial access): the SHA-256 of the token, its
-- lifetime (0: none) and how many registrations remain, taken one at a time by a single UPDATE.
CREATE TABLE client_initial_access (
    id TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expiration BIGINT NOT NULL,
    count BIGINT NOT NULL,
    remaining BIGINT NOT NULL
);
CREATE INDEX client_initial_access_realm ON client_initial_access (realm_id, created_at);

-- RFC 7592 §3 registration access tokens: the SHA-256 of the one valid token of a client that registered
-- itself; gone with the client.
CREATE TABLE client_registration_tokens (
    client_pk TEXT PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);
