//! The statements, written once for every dialect: `$n` placeholders work on SQLite and PostgreSQL alike.

pub const BUMP_REVISION: &str = "UPDATE tessera_revision SET revision = revision + 1 WHERE id = 1";
pub const SELECT_REVISION: &str = "SELECT revision FROM tessera_revision WHERE id = 1";

pub const INSERT_REALM: &str = "INSERT INTO realms (id, name, display_name, enabled, access_token_lifespan, signing_alg, not_before, attributes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const SELECT_REALM_BY_NAME: &str = "SELECT id, name, display_name, enabled, access_token_lifespan, signing_alg, not_before, attributes, created_at FROM realms WHERE name = $1";
pub const SELECT_REALMS: &str = "SELECT id, name, display_name, enabled, access_token_lifespan, signing_alg, not_before, attributes, created_at FROM realms ORDER BY name";

pub const INSERT_SCOPE: &str = "INSERT INTO client_scopes (realm_id, name, description, include_in_token_scope, attributes) VALUES ($1, $2, $3, $4, $5)";
pub const SELECT_SCOPES: &str =
    "SELECT name, description, include_in_token_scope, attributes FROM client_scopes WHERE realm_id = $1 ORDER BY name";

pub const INSERT_USER: &str = "INSERT INTO users (realm_id, id, username, enabled, email, email_verified, first_name, last_name, password_hash, service_account_client_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
pub const DELETE_USER: &str = "DELETE FROM users WHERE realm_id = $1 AND id = $2";

pub const INSERT_CLIENT: &str = "INSERT INTO clients (id, realm_id, client_id, name, enabled, public_client, service_accounts_enabled, standard_flow_enabled, direct_access_grants_enabled, consent_required, redirect_uris, web_origins, default_scopes, optional_scopes, audiences, attributes, service_account_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
pub const SELECT_CLIENT: &str = "SELECT id, realm_id, client_id, name, enabled, public_client, service_accounts_enabled, standard_flow_enabled, direct_access_grants_enabled, consent_required, redirect_uris, web_origins, default_scopes, optional_scopes, audiences, attributes, service_account_user_id, created_at FROM clients WHERE realm_id = $1 AND client_id = $2";
pub const SELECT_CLIENTS: &str = "SELECT id, realm_id, client_id, name, enabled, public_client, service_accounts_enabled, standard_flow_enabled, direct_access_grants_enabled, consent_required, redirect_uris, web_origins, default_scopes, optional_scopes, audiences, attributes, service_account_user_id, created_at FROM clients WHERE realm_id = $1 ORDER BY client_id";
pub const SELECT_CLIENT_PK: &str =
    "SELECT id, service_account_user_id FROM clients WHERE realm_id = $1 AND client_id = $2";
pub const DELETE_CLIENT: &str = "DELETE FROM clients WHERE id = $1";

pub const INSERT_SECRET: &str =
    "INSERT INTO client_secrets (id, client_pk, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
pub const SELECT_SECRETS: &str = "SELECT id, client_pk, secret_hash, created_at, expires_at FROM client_secrets WHERE client_pk = $1 ORDER BY created_at";
pub const SELECT_REALM_SECRETS: &str = "SELECT s.id, s.client_pk, s.secret_hash, s.created_at, s.expires_at FROM client_secrets s JOIN clients c ON c.id = s.client_pk WHERE c.realm_id = $1 ORDER BY s.created_at";
pub const DELETE_SECRETS: &str = "DELETE FROM client_secrets WHERE client_pk = $1";

pub const INSERT_KEY: &str = "INSERT INTO signing_keys (kid, realm_id, alg, state, sealed_private_key, public_jwk, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const SELECT_KEYS: &str = "SELECT kid, realm_id, alg, state, sealed_private_key, public_jwk, created_at FROM signing_keys WHERE realm_id = $1 ORDER BY created_at";
