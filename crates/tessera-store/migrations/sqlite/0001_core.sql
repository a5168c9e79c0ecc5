-- Types follow what sqlx's Any driver carries on every backend: TEXT, BIGINT (booleans as 0/1, instants as
-- Unix seconds, lists and maps as JSON text).
CREATE TABLE tessera_revision (
    id BIGINT PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO tessera_revision (id, revision) VALUES (1, 0);

CREATE TABLE realms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT,
    enabled BIGINT NOT NULL,
    access_token_lifespan BIGINT NOT NULL,
    signing_alg TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    attributes TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE client_scopes (
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    include_in_token_scope BIGINT NOT NULL,
    attributes TEXT NOT NULL,
    PRIMARY KEY (realm_id, name)
);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    name TEXT,
    enabled BIGINT NOT NULL,
    public_client BIGINT NOT NULL,
    service_accounts_enabled BIGINT NOT NULL,
    standard_flow_enabled BIGINT NOT NULL,
    direct_access_grants_enabled BIGINT NOT NULL,
    consent_required BIGINT NOT NULL,
    redirect_uris TEXT NOT NULL,
    web_origins TEXT NOT NULL,
    default_scopes TEXT NOT NULL,
    optional_scopes TEXT NOT NULL,
    audiences TEXT NOT NULL,
    attributes TEXT NOT NULL,
    service_account_user_id TEXT,
    not_before BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (realm_id, client_id)
);

CREATE TABLE client_secrets (
    id TEXT PRIMARY KEY,
    client_pk TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX client_secrets_by_client ON client_secrets (client_pk);

CREATE TABLE users (
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    username TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    email TEXT,
    email_verified BIGINT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    password_hash TEXT,
    service_account_client_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (realm_id, id),
    UNIQUE (realm_id, username)
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    alg TEXT NOT NULL,
    state TEXT NOT NULL,
    sealed_private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT,
    -- No token this key signed is valid after this instant; the key is unpublished then.
    not_after BIGINT
);
CREATE INDEX signing_keys_by_realm ON signing_keys (realm_id);

-- Revoked access tokens, remembered until they expire. `seq` orders them so that every node can tail the
-- table into its in-memory denylist.
CREATE TABLE revoked_tokens (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    jti TEXT NOT NULL UNIQUE,
    realm_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    exp BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_by_exp ON revoked_tokens (exp);

-- Append-only security events.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    realm TEXT NOT NULL,
    kind TEXT NOT NULL,
    client_id TEXT,
    subject TEXT,
    source_ip TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    count BIGINT NOT NULL
);
CREATE INDEX audit_events_by_realm_time ON audit_events (realm, at);

-- Background work that must happen once across nodes: a node claims a job by moving `claimed_until` forward.
CREATE TABLE job_claims (
    name TEXT PRIMARY KEY,
    claimed_until BIGINT NOT NULL,
    node TEXT NOT NULL
);
