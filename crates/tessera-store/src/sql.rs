//! The statements, written once for every dialect: `$n` placeholders work on SQLite and PostgreSQL alike.

pub const BUMP_REVISION: &str = "UPDATE tessera_revision SET revision = revision + 1 WHERE id = 1";
pub const SELECT_REVISION: &str = "SELECT revision FROM tessera_revision WHERE id = 1";

pub const INSERT_REALM: &str = "INSERT INTO realms (id, name, display_name, enabled, access_token_lifespan, signing_alg, not_before, attributes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const SELECT_REALM_BY_NAME: &str = "SELECT id, name, display_name, enabled, access_token_lifespan, signing_alg, not_before, attributes, created_at FROM realms WHERE name = $1";
pub const UPDATE_REALM: &str =
    "UPDATE realms SET display_name = $2, enabled = $3, access_token_lifespan = $4, attributes = $5 WHERE id = $1";
pub const DELETE_REALM: &str = "DELETE FROM realms WHERE id = $1";
pub const SELECT_REALMS: &str = "SELECT id, name, display_name, enabled, access_token_lifespan, signing_alg, not_before, attributes, created_at FROM realms ORDER BY name";

pub const INSERT_SCOPE: &str = "INSERT INTO client_scopes (realm_id, name, description, include_in_token_scope, attributes, protocol_mappers) VALUES ($1, $2, $3, $4, $5, $6)";
pub const UPDATE_SCOPE: &str = "UPDATE client_scopes SET description = $3, include_in_token_scope = $4, attributes = $5, protocol_mappers = $6 WHERE realm_id = $1 AND name = $2";
pub const DELETE_SCOPE: &str = "DELETE FROM client_scopes WHERE realm_id = $1 AND name = $2";
pub const SELECT_SCOPES: &str = "SELECT name, description, include_in_token_scope, attributes, protocol_mappers FROM client_scopes WHERE realm_id = $1 ORDER BY name";

/// `$14`..`$17` are the search keys of username, email, first and last name (`search_key`).
pub const INSERT_USER: &str = "INSERT INTO users (realm_id, id, username, enabled, email, email_verified, first_name, last_name, password_hash, service_account_client_id, created_at, required_actions, attributes, username_key, email_key, first_name_key, last_name_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";
pub const DELETE_USER: &str = "DELETE FROM users WHERE realm_id = $1 AND id = $2";

pub const INSERT_CLIENT: &str = "INSERT INTO clients (id, realm_id, client_id, name, enabled, public_client, service_accounts_enabled, standard_flow_enabled, direct_access_grants_enabled, consent_required, redirect_uris, web_origins, default_scopes, optional_scopes, audiences, attributes, service_account_user_id, not_before, created_at, protocol_mappers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)";
/// The client and its secrets (one row per secret, or one with NULL secret), in one round trip.
macro_rules! select_client_with_secrets {
    ($key:literal) => {
        concat!(
            "SELECT c.id, c.realm_id, c.client_id, c.name, c.enabled, c.public_client, c.service_accounts_enabled, c.standard_flow_enabled, c.direct_access_grants_enabled, c.consent_required, c.redirect_uris, c.web_origins, c.default_scopes, c.optional_scopes, c.audiences, c.attributes, c.service_account_user_id, c.not_before, c.created_at, c.protocol_mappers, s.id AS secret_id, s.secret_hash, s.created_at AS secret_created_at, s.expires_at AS secret_expires_at, s.sealed_secret AS secret_sealed FROM clients c LEFT JOIN client_secrets s ON s.client_pk = c.id WHERE c.realm_id = $1 AND ",
            $key,
            " = $2 ORDER BY s.created_at"
        )
    };
}
/// One round trip per cache miss.
pub const SELECT_CLIENT_WITH_SECRETS: &str = select_client_with_secrets!("c.client_id");
/// By internal id (Keycloak's admin paths name clients by it).
pub const SELECT_CLIENT_BY_PK_WITH_SECRETS: &str = select_client_with_secrets!("c.id");
pub const SELECT_CLIENTS: &str = "SELECT id, realm_id, client_id, name, enabled, public_client, service_accounts_enabled, standard_flow_enabled, direct_access_grants_enabled, consent_required, redirect_uris, web_origins, default_scopes, optional_scopes, audiences, attributes, service_account_user_id, not_before, created_at, protocol_mappers FROM clients WHERE realm_id = $1 ORDER BY client_id";
pub const UPDATE_CLIENT: &str = "UPDATE clients SET name = $3, enabled = $4, public_client = $5, service_accounts_enabled = $6, standard_flow_enabled = $7, direct_access_grants_enabled = $8, consent_required = $9, redirect_uris = $10, web_origins = $11, default_scopes = $12, optional_scopes = $13, audiences = $14, attributes = $15, service_account_user_id = $16, protocol_mappers = $17 WHERE realm_id = $1 AND id = $2";
pub const USER_EXISTS: &str = "SELECT 1 FROM users WHERE realm_id = $1 AND id = $2";
pub const SELECT_CLIENT_PK: &str =
    "SELECT id, service_account_user_id FROM clients WHERE realm_id = $1 AND client_id = $2";
pub const DELETE_CLIENT: &str = "DELETE FROM clients WHERE id = $1";

pub const INSERT_SECRET: &str = "INSERT INTO client_secrets (id, client_pk, secret_hash, created_at, expires_at, sealed_secret) VALUES ($1, $2, $3, $4, $5, $6)";
pub const SELECT_REALM_SECRETS: &str = "SELECT s.id, s.client_pk, s.secret_hash, s.created_at, s.expires_at, s.sealed_secret FROM client_secrets s JOIN clients c ON c.id = s.client_pk WHERE c.realm_id = $1 ORDER BY s.created_at";
pub const DELETE_SECRETS: &str = "DELETE FROM client_secrets WHERE client_pk = $1";

pub const INSERT_KEY: &str = "INSERT INTO signing_keys (kid, realm_id, alg, state, sealed_private_key, public_jwk, created_at, retired_at, not_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const SELECT_KEYS: &str = "SELECT kid, realm_id, alg, state, sealed_private_key, public_jwk, created_at, retired_at, not_after FROM signing_keys WHERE realm_id = $1 ORDER BY created_at";
/// The atomic claim: only one process can move this key from next to active.
pub const PROMOTE_KEY: &str =
    "UPDATE signing_keys SET state = 'active' WHERE realm_id = $1 AND kid = $2 AND state = 'next'";
pub const RETIRE_ACTIVE_KEYS: &str = "UPDATE signing_keys SET state = 'retired', retired_at = $3, not_after = $4 WHERE realm_id = $1 AND state = 'active' AND kid <> $2";
pub const DELETE_RETIRED_KEY: &str = "DELETE FROM signing_keys WHERE realm_id = $1 AND kid = $2 AND state = 'retired'";

pub const SET_REALM_NOT_BEFORE: &str = "UPDATE realms SET not_before = $2 WHERE id = $1";
pub const SET_CLIENT_NOT_BEFORE: &str = "UPDATE clients SET not_before = $3 WHERE realm_id = $1 AND client_id = $2";
/// The client's live refresh tokens issued before its new not-before (offline ones too): revoked with it.
pub const REVOKE_CLIENT_REFRESH: &str = "UPDATE refresh_tokens SET revoked_at = $3 WHERE realm_id = $1 AND client_id = $2 AND revoked_at IS NULL AND rotated_at IS NULL AND issued_at < $3 AND expires_at > $3";
pub const EXPIRE_OLD_SECRETS: &str =
    "UPDATE client_secrets SET expires_at = $2 WHERE client_pk = $1 AND (expires_at IS NULL OR expires_at > $2)";

pub const INSERT_REVOCATION: &str = "INSERT INTO revoked_tokens (jti, realm_id, client_id, exp, revoked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (jti) DO NOTHING";
pub const SELECT_REVOCATIONS_SINCE: &str =
    "SELECT seq, jti, realm_id, client_id, exp, revoked_at FROM revoked_tokens WHERE seq > $1 ORDER BY seq LIMIT $2";
pub const PURGE_REVOCATIONS: &str = "DELETE FROM revoked_tokens WHERE exp < $1";

pub const END_USER_SESSIONS: &str =
    "UPDATE sso_sessions SET ended_at = $3 WHERE realm_id = $1 AND user_id = $2 AND ended_at IS NULL";
pub const REVOKE_USER_REFRESH: &str = "UPDATE refresh_tokens SET revoked_at = $3 WHERE realm_id = $1 AND user_id = $2 AND revoked_at IS NULL AND rotated_at IS NULL AND expires_at > $3";
pub const EXPIRE_USER_CODES: &str = "UPDATE authorization_codes SET expires_at = $3 WHERE realm_id = $1 AND user_id = $2 AND redeemed_at IS NULL AND expires_at > $3";
pub const INSERT_USER_NOT_BEFORE: &str =
    "INSERT INTO user_not_before (realm_id, user_id, not_before, expires_at) VALUES ($1, $2, $3, $4)";
pub const SELECT_USER_NOT_BEFORE_SINCE: &str =
    "SELECT seq, realm_id, user_id, not_before, expires_at FROM user_not_before WHERE seq > $1 ORDER BY seq LIMIT $2";
pub const PURGE_USER_NOT_BEFORE: &str = "DELETE FROM user_not_before WHERE expires_at < $1";

pub const INSERT_REVOCATION_EVENT: &str =
    "INSERT INTO revocation_events (realm_id, kind, subject, at, expires_at) VALUES ($1, $2, $3, $4, $5)";
pub const SELECT_REVOCATION_EVENTS: &str = "SELECT id, kind, subject, at, expires_at FROM revocation_events WHERE realm_id = $1 AND id > $2 AND (expires_at IS NULL OR expires_at > $3) ORDER BY id LIMIT $4";
pub const PURGE_EXPIRED_REVOCATION_EVENTS: &str = "DELETE FROM revocation_events WHERE expires_at < $1";
pub const PURGE_REPLACED_REVOCATION_EVENTS: &str = "DELETE FROM revocation_events WHERE expires_at IS NULL AND EXISTS (SELECT 1 FROM revocation_events newer WHERE newer.realm_id = revocation_events.realm_id AND newer.kind = revocation_events.kind AND newer.subject = revocation_events.subject AND newer.id > revocation_events.id)";

pub const INSERT_AUDIT: &str = "INSERT INTO audit_events (at, realm, kind, client_id, subject, source_ip, outcome, reason, count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const SELECT_AUDIT: &str = "SELECT at, realm, kind, client_id, subject, source_ip, outcome, reason, count FROM audit_events WHERE realm = $1 AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR client_id = $4) ORDER BY id LIMIT $5";
/// [`SELECT_AUDIT`], newest first.
pub const SELECT_AUDIT_NEWEST: &str = "SELECT at, realm, kind, client_id, subject, source_ip, outcome, reason, count FROM audit_events WHERE realm = $1 AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR kind = $3) AND ($4 IS NULL OR client_id = $4) ORDER BY id DESC LIMIT $5";

pub const ENSURE_JOB: &str =
    "INSERT INTO job_claims (name, claimed_until, node) VALUES ($1, 0, '') ON CONFLICT (name) DO NOTHING";
pub const CLAIM_JOB: &str =
    "UPDATE job_claims SET claimed_until = $3, node = $4 WHERE name = $1 AND claimed_until <= $2";
pub const PING: &str = "SELECT 1";

pub const SELECT_USER: &str = "SELECT realm_id, id, username, enabled, email, email_verified, first_name, last_name, password_hash, service_account_client_id, created_at, required_actions, attributes FROM users WHERE realm_id = $1 AND username = $2";
pub const SELECT_USERS: &str = "SELECT realm_id, id, username, enabled, email, email_verified, first_name, last_name, password_hash, service_account_client_id, created_at, required_actions, attributes FROM users WHERE realm_id = $1 ORDER BY username";
pub const SET_USER_PASSWORD: &str =
    "UPDATE users SET password_hash = $3, required_actions = $4 WHERE realm_id = $1 AND username = $2";
pub const COMPLETE_PASSWORD_UPDATE: &str =
    "UPDATE users SET password_hash = $3, required_actions = $4 WHERE realm_id = $1 AND id = $2 AND enabled = 1";
pub const SET_USER_ENABLED: &str = "UPDATE users SET enabled = $3 WHERE realm_id = $1 AND username = $2";
pub const SELECT_USER_BY_ID: &str = "SELECT realm_id, id, username, enabled, email, email_verified, first_name, last_name, password_hash, service_account_client_id, created_at, required_actions, attributes FROM users WHERE realm_id = $1 AND id = $2";

pub const INSERT_CODE: &str = "INSERT INTO authorization_codes (code_hash, realm_id, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, auth_time, created_at, expires_at, resources, dpop_jkt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
/// One statement: only an unexpired, unredeemed code of this client in this realm ($7) is redeemed, by exactly
/// one caller.
pub const REDEEM_CODE: &str = "UPDATE authorization_codes SET redeemed_at = $3, access_jti = $4, access_exp = $5, family_id = $6 WHERE code_hash = $1 AND client_id = $2 AND realm_id = $7 AND redeemed_at IS NULL AND expires_at > $3 RETURNING code_hash, realm_id, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, auth_time, created_at, expires_at, resources, dpop_jkt";
pub const SELECT_REDEEMED_CODE: &str = "SELECT access_jti, access_exp, family_id FROM authorization_codes WHERE code_hash = $1 AND client_id = $2 AND realm_id = $3 AND redeemed_at IS NOT NULL";

pub const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens (token_hash, family_id, realm_id, client_id, user_id, session_id, scope, auth_time, offline, issued_at, expires_at, access_jti, access_exp, rotated_at, revoked_at, successor, resources, dpop_jkt, cert_thumbprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
pub const SELECT_REFRESH: &str = "SELECT token_hash, family_id, realm_id, client_id, user_id, session_id, scope, auth_time, offline, issued_at, expires_at, access_jti, access_exp, rotated_at, revoked_at, successor, resources, dpop_jkt, cert_thumbprint FROM refresh_tokens WHERE token_hash = $1";
pub const ROTATE_REFRESH: &str = "UPDATE refresh_tokens SET rotated_at = $2, successor = $3 WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL";
pub const REVOKE_FAMILY: &str = "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL";
pub const FAMILY_ACCESS_TOKENS: &str =
    "SELECT access_jti, client_id, access_exp FROM refresh_tokens WHERE family_id = $1 AND access_exp > $2";
pub const REVOKE_SESSION_REFRESH: &str =
    "UPDATE refresh_tokens SET revoked_at = $2 WHERE session_id = $1 AND offline = 0 AND revoked_at IS NULL";
pub const SESSION_ACCESS_TOKENS: &str = "SELECT access_jti, client_id, access_exp FROM refresh_tokens WHERE session_id = $1 AND offline = 0 AND access_exp > $2";

pub const INSERT_SESSION: &str = "INSERT INTO sso_sessions (id, cookie_hash, realm_id, user_id, auth_time, last_seen_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const SELECT_SESSION_BY_COOKIE: &str = "SELECT id, cookie_hash, realm_id, user_id, auth_time, last_seen_at, ended_at FROM sso_sessions WHERE realm_id = $1 AND cookie_hash = $2";
pub const SELECT_USER_SESSIONS: &str = "SELECT id, cookie_hash, realm_id, user_id, auth_time, last_seen_at, ended_at FROM sso_sessions WHERE realm_id = $1 AND user_id = $2 AND ended_at IS NULL ORDER BY auth_time DESC LIMIT $3";
pub const SELECT_SESSION: &str = "SELECT id, cookie_hash, realm_id, user_id, auth_time, last_seen_at, ended_at FROM sso_sessions WHERE realm_id = $1 AND id = $2";
pub const SESSION_CLIENTS: &str = "SELECT client_id FROM refresh_tokens WHERE session_id = $1 UNION SELECT client_id FROM authorization_codes WHERE session_id = $1";
pub const TOUCH_SESSION: &str = "UPDATE sso_sessions SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL";
pub const END_SESSION: &str = "UPDATE sso_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL";

pub const SELECT_CONSENT: &str =
    "SELECT scopes FROM user_consents WHERE realm_id = $1 AND user_id = $2 AND client_id = $3";
pub const UPSERT_CONSENT: &str = "INSERT INTO user_consents (realm_id, user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (realm_id, user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at";

/// One upsert: a failure outside the current window ($4 = now - window) starts a new one.
pub const RECORD_LOGIN_FAILURE: &str = "INSERT INTO login_failures (realm_id, subject_key, failures, window_start) VALUES ($1, $2, 1, $3) ON CONFLICT (realm_id, subject_key) DO UPDATE SET failures = CASE WHEN login_failures.window_start <= $4 THEN 1 ELSE login_failures.failures + 1 END, window_start = CASE WHEN login_failures.window_start <= $4 THEN $3 ELSE login_failures.window_start END RETURNING failures, window_start";
pub const SELECT_LOGIN_FAILURES: &str =
    "SELECT failures, window_start FROM login_failures WHERE realm_id = $1 AND subject_key = $2";
pub const CLEAR_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE realm_id = $1 AND subject_key = $2";

// The janitor's purges (tessera-core/src/janitor.rs says why each row is kept until then). $2 is `dead_by`.
/// A code goes once expired, with its access token expired and its refresh family dead.
pub const PURGE_CODES: &str = "DELETE FROM authorization_codes WHERE realm_id = $1 AND expires_at <= $2 AND (access_exp IS NULL OR access_exp <= $2) AND (family_id IS NULL OR NOT EXISTS (SELECT 1 FROM refresh_tokens f WHERE f.family_id = authorization_codes.family_id AND (f.expires_at > $2 OR f.access_exp > $2)))";
/// A family goes whole, once every token and every access token issued with them has expired.
pub const PURGE_REFRESH: &str = "DELETE FROM refresh_tokens WHERE realm_id = $1 AND expires_at <= $2 AND access_exp <= $2 AND NOT EXISTS (SELECT 1 FROM refresh_tokens f WHERE f.family_id = refresh_tokens.family_id AND (f.expires_at > $2 OR f.access_exp > $2))";
/// A session goes once ended, idle ($3) or too old ($4), unless a usable refresh token or a live code names it.
pub const PURGE_SESSIONS: &str = "DELETE FROM sso_sessions WHERE realm_id = $1 AND (ended_at <= $2 OR last_seen_at <= $3 OR auth_time <= $4) AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = sso_sessions.id AND r.revoked_at IS NULL AND r.expires_at > $2) AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.session_id = sso_sessions.id AND c.expires_at > $2)";
pub const PURGE_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE realm_id = $1 AND window_start <= $2";

pub const INSERT_ROLE: &str =
    "INSERT INTO roles (id, realm_id, client_id, name, description) VALUES ($1, $2, $3, $4, $5)";
pub const INSERT_ROLE_COMPOSITE: &str =
    "INSERT INTO role_composites (parent_id, child_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
pub const DELETE_ROLE_COMPOSITES: &str = "DELETE FROM role_composites WHERE parent_id = $1";
pub const SELECT_ROLES: &str = "SELECT r.id, r.realm_id, r.client_id, r.name, r.description, c.child_id FROM roles r LEFT JOIN role_composites c ON c.parent_id = r.id WHERE r.realm_id = $1 ORDER BY r.client_id, r.name, c.child_id";
pub const UPDATE_ROLE: &str = "UPDATE roles SET name = $3, description = $4 WHERE realm_id = $1 AND id = $2";
pub const UPDATE_GROUP: &str = "UPDATE realm_groups SET name = $3, attributes = $4 WHERE realm_id = $1 AND id = $2";
pub const DELETE_ROLE: &str = "DELETE FROM roles WHERE realm_id = $1 AND id = $2";
pub const DELETE_CLIENT_ROLES: &str = "DELETE FROM roles WHERE realm_id = $1 AND client_id = $2";
pub const INSERT_GROUP: &str =
    "INSERT INTO realm_groups (id, realm_id, parent_id, name, attributes) VALUES ($1, $2, $3, $4, $5)";
pub const SELECT_GROUPS: &str = "SELECT g.id, g.realm_id, g.parent_id, g.name, g.attributes, m.role_id FROM realm_groups g LEFT JOIN group_roles m ON m.group_id = g.id WHERE g.realm_id = $1 ORDER BY g.id, m.role_id";
pub const DELETE_GROUP: &str = "DELETE FROM realm_groups WHERE realm_id = $1 AND id = $2";
pub const SELECT_SUBGROUPS: &str = "SELECT id FROM realm_groups WHERE realm_id = $1 AND parent_id = $2";
pub const INSERT_GROUP_ROLE: &str = "INSERT INTO group_roles (group_id, role_id) SELECT g.id, r.id FROM realm_groups g, roles r WHERE g.realm_id = $1 AND g.id = $2 AND r.realm_id = $1 AND r.id = $3 ON CONFLICT DO NOTHING";
pub const DELETE_GROUP_ROLE: &str = "DELETE FROM group_roles WHERE group_id IN (SELECT id FROM realm_groups WHERE realm_id = $1 AND id = $2) AND role_id = $3";
pub const INSERT_USER_ROLE: &str = "INSERT INTO user_roles (realm_id, user_id, role_id) SELECT u.realm_id, u.id, r.id FROM users u, roles r WHERE u.realm_id = $1 AND u.id = $2 AND r.realm_id = $1 AND r.id = $3 ON CONFLICT DO NOTHING";
pub const DELETE_USER_ROLE: &str = "DELETE FROM user_roles WHERE realm_id = $1 AND user_id = $2 AND role_id = $3";
pub const INSERT_USER_GROUP: &str = "INSERT INTO user_groups (realm_id, user_id, group_id) SELECT u.realm_id, u.id, g.id FROM users u, realm_groups g WHERE u.realm_id = $1 AND u.id = $2 AND g.realm_id = $1 AND g.id = $3 ON CONFLICT DO NOTHING";
pub const DELETE_USER_GROUP: &str = "DELETE FROM user_groups WHERE realm_id = $1 AND user_id = $2 AND group_id = $3";
/// One round trip for a user's direct mappings: `kind` is `r` (role) or `g` (group).
pub const SELECT_USER_MAPPINGS: &str = "SELECT 'r' AS kind, role_id AS id FROM user_roles WHERE realm_id = $1 AND user_id = $2 UNION ALL SELECT 'g' AS kind, group_id AS id FROM user_groups WHERE realm_id = $1 AND user_id = $2 ORDER BY kind, id";
/// Every user's direct mappings in a realm, in one round trip (listing users reads no row per user).
pub const SELECT_REALM_USER_MAPPINGS: &str = "SELECT user_id, 'r' AS kind, role_id AS id FROM user_roles WHERE realm_id = $1 UNION ALL SELECT user_id, 'g' AS kind, group_id AS id FROM user_groups WHERE realm_id = $1 ORDER BY user_id, kind, id";
/// The service accounts' direct mappings in a realm, in one round trip (listing clients).
pub const SELECT_SERVICE_ACCOUNT_MAPPINGS: &str = "SELECT m.user_id, 'r' AS kind, m.role_id AS id FROM clients c JOIN user_roles m ON m.realm_id = c.realm_id AND m.user_id = c.service_account_user_id WHERE c.realm_id = $1 UNION ALL SELECT m.user_id, 'g' AS kind, m.group_id AS id FROM clients c JOIN user_groups m ON m.realm_id = c.realm_id AND m.user_id = c.service_account_user_id WHERE c.realm_id = $1 ORDER BY user_id, kind, id";

pub const INSERT_ADMIN_EVENT: &str = "INSERT INTO admin_events (at, realm, operation, resource_type, resource_path, representation, auth_realm, auth_user_id, ip_address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/// Newest first; every filter optional (`NULL` matches all).
pub const SELECT_ADMIN_EVENTS: &str = "SELECT at, realm, operation, resource_type, resource_path, representation, auth_realm, auth_user_id, ip_address FROM admin_events WHERE realm = $1 AND ($2 IS NULL OR operation = $2) AND ($3 IS NULL OR resource_type = $3) AND ($4 IS NULL OR resource_path = $4) AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at <= $6) ORDER BY id DESC LIMIT $7 OFFSET $8";

// RFC 8628 device grants. Answering and redeeming are each one conditional statement.
pub const INSERT_DEVICE_GRANT: &str = "INSERT INTO device_grants (device_code_hash, user_code_hash, realm_id, client_id, scope, created_at, expires_at, poll_interval, last_polled_at, status, user_id, auth_time, redeemed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
pub const SELECT_DEVICE_GRANT: &str = "SELECT device_code_hash, user_code_hash, realm_id, client_id, scope, created_at, expires_at, poll_interval, last_polled_at, status, user_id, auth_time, redeemed_at FROM device_grants WHERE realm_id = $1 AND device_code_hash = $2";
pub const SELECT_DEVICE_GRANT_BY_USER_CODE: &str = "SELECT device_code_hash, user_code_hash, realm_id, client_id, scope, created_at, expires_at, poll_interval, last_polled_at, status, user_id, auth_time, redeemed_at FROM device_grants WHERE realm_id = $1 AND user_code_hash = $2";
/// Only a pending, unexpired grant takes an answer, once.
pub const DECIDE_DEVICE_GRANT: &str = "UPDATE device_grants SET status = $3, user_id = $4, auth_time = $5 WHERE realm_id = $1 AND user_code_hash = $2 AND status = 'pending' AND expires_at > $6";
pub const RECORD_DEVICE_POLL: &str =
    "UPDATE device_grants SET last_polled_at = $2, poll_interval = $3 WHERE device_code_hash = $1";
/// One statement: only an approved, unredeemed, unexpired grant of this client is redeemed, by exactly one caller.
pub const REDEEM_DEVICE_GRANT: &str = "UPDATE device_grants SET redeemed_at = $4 WHERE realm_id = $1 AND device_code_hash = $2 AND client_id = $3 AND status = 'approved' AND redeemed_at IS NULL AND expires_at > $4 RETURNING device_code_hash, user_code_hash, realm_id, client_id, scope, created_at, expires_at, poll_interval, last_polled_at, status, user_id, auth_time, redeemed_at";
/// An expired grant is refused whether or not its row is there.
pub const INSERT_PUSHED_REQUEST: &str = "INSERT INTO pushed_authorization_requests (request_uri_hash, realm_id, client_id, parameters, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
/// RFC 9126 §4: one statement, so of concurrent takers exactly one gets the row.
pub const TAKE_PUSHED_REQUEST: &str = "DELETE FROM pushed_authorization_requests WHERE realm_id = $1 AND request_uri_hash = $2 AND client_id = $3 AND expires_at > $4 RETURNING request_uri_hash, realm_id, client_id, parameters, created_at, expires_at";
pub const PURGE_PUSHED_REQUESTS: &str =
    "DELETE FROM pushed_authorization_requests WHERE realm_id = $1 AND expires_at <= $2";
/// An initial access token with no registration left, or past its lifetime (`expiration` 0: none), as
/// Keycloak's scheduled clean-up removes them: neither can register a client again.
pub const PURGE_INITIAL_ACCESS: &str = "DELETE FROM client_initial_access WHERE realm_id = $1 AND (remaining <= 0 OR (expiration > 0 AND created_at + expiration <= $2))";
pub const PURGE_DEVICE_GRANTS: &str = "DELETE FROM device_grants WHERE realm_id = $1 AND expires_at <= $2";
/// `$10`..`$12` are the search keys of email, first and last name.
pub const UPDATE_USER_PROFILE: &str = "UPDATE users SET enabled = $3, email = $4, email_verified = $5, first_name = $6, last_name = $7, attributes = $8, required_actions = $9, email_key = $10, first_name_key = $11, last_name_key = $12 WHERE realm_id = $1 AND id = $2";

// Keycloak's user search (tessera-core `model/user_search.rs`), one static statement per shape. Every shape
// starts with the same filters, `$1` the realm and then `LIKE` patterns on the lower-cased search keys,
// `NULL` for "no condition": `$2`..`$5` username, email, first and last name, `$6`..`$10` the words of
// `search` (each matched by any of the four). A shape may add a driving condition that an index answers:
// `$11`..`$13` a range [from, to) and the pattern of one term, on one key or on any of the four.
macro_rules! people {
    () => {
        concat!(
            "realm_id = $1 AND service_account_client_id IS NULL",
            " AND ($2 IS NULL OR username_key LIKE $2 ESCAPE '\\') AND ($3 IS NULL OR email_key LIKE $3 ESCAPE '\\')",
            " AND ($4 IS NULL OR first_name_key LIKE $4 ESCAPE '\\') AND ($5 IS NULL OR last_name_key LIKE $5 ESCAPE '\\')",
            people!(word 6), people!(word 7), people!(word 8), people!(word 9), people!(word 10)
        )
    };
    (word $n:literal) => {
        concat!(" AND ($", $n, " IS NULL OR username_key LIKE $", $n, " ESCAPE '\\' OR email_key LIKE $", $n,
            " ESCAPE '\\' OR first_name_key LIKE $", $n, " ESCAPE '\\' OR last_name_key LIKE $", $n, " ESCAPE '\\')")
    };
    (range $key:literal) => {
        concat!("(", $key, " >= $11 AND ", $key, " < $12 AND ", $key, " LIKE $13 ESCAPE '\\')")
    };
    (drive any) => {
        concat!(" AND (", people!(range "username_key"), " OR ", people!(range "email_key"), " OR ",
            people!(range "first_name_key"), " OR ", people!(range "last_name_key"), ")")
    };
    (drive $key:literal) => {
        concat!(" AND ", people!(range $key))
    };
}
macro_rules! people_statements {
    ($page:ident, $probe:ident, $($drive:tt)+) => {
        /// One page (`$14` rows from `$15`), found through the driving index and sorted by username.
        pub const $page: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE ", people!(), people!(drive $($drive)+), " ORDER BY username LIMIT $14 OFFSET $15");
        /// How many match, counted up to `$14`: the count itself below that, else "many".
        pub const $probe: &str = concat!("SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE ", people!(), people!(drive $($drive)+), " LIMIT $14) m");
    };
}
macro_rules! user_columns {
    () => {
        "realm_id, id, username, enabled, email, email_verified, first_name, last_name, password_hash, service_account_client_id, created_at, required_actions, attributes"
    };
}
people_statements!(PEOPLE_BY_ANY_KEY, PROBE_BY_ANY_KEY, any);
people_statements!(PEOPLE_BY_USERNAME_KEY, PROBE_BY_USERNAME_KEY, "username_key");
people_statements!(PEOPLE_BY_EMAIL_KEY, PROBE_BY_EMAIL_KEY, "email_key");
people_statements!(PEOPLE_BY_FIRST_NAME_KEY, PROBE_BY_FIRST_NAME_KEY, "first_name_key");
people_statements!(PEOPLE_BY_LAST_NAME_KEY, PROBE_BY_LAST_NAME_KEY, "last_name_key");
// A "contains" term through the trigram index of migration 0016, `$11` its query; then `$12` rows from
// `$13` (a page) or a count up to `$12` (a probe). SQLite: an FTS5 query, whose rowids `user_search_rows` maps
// back to people; the candidates come first, each person then read by primary key (`CROSS JOIN` fixes SQLite's
// join order: left to its own planner, it walks the realm in username order to spare the sort, and tests each
// person against the index). PostgreSQL: the term's pattern, which pg_trgm's GIN indexes answer.
macro_rules! contains_statements {
    ($page:ident, $probe:ident, from $from:literal, and $drive:literal) => {
        /// One page of a contains-search, found through the trigram index and sorted by username.
        pub const $page: &str = concat!("SELECT ", user_columns!(), " FROM ", $from, " WHERE ", people!(), $drive, " ORDER BY username LIMIT $12 OFFSET $13");
        /// How many a contains-search finds, counted up to `$12`.
        pub const $probe: &str = concat!("SELECT COUNT(*) FROM (SELECT 1 FROM ", $from, " WHERE ", people!(), $drive, " LIMIT $12) m");
    };
    ($page:ident, $few:ident, $probe:ident, containing $drive:literal) => {
        contains_statements!($page, $probe, from "users", and $drive);
        /// `$page` once the probe has found the matches few: they are read through the index in a subquery
        /// the planner cannot flatten (`OFFSET 0`). It estimates trigram matches from their frequencies
        /// (`%4341%`: 1,030 for 30 real ones) and, for `ORDER BY username LIMIT`, would rather walk the realm
        /// in username order, hoping to meet them early: 61 ms measured, against 0.3 ms through the index.
        pub const $few: &str = concat!("SELECT ", user_columns!(), " FROM (SELECT * FROM users WHERE TRUE", $drive, " OFFSET 0) users WHERE ", people!(), " ORDER BY username LIMIT $12 OFFSET $13");
    };
}
contains_statements!(
    PEOPLE_BY_TRIGRAMS,
    PROBE_BY_TRIGRAMS,
    from "(SELECT r.realm_id AS candidate_realm, r.id AS candidate FROM user_search_trigrams CROSS JOIN user_search_rows r ON r.row = user_search_trigrams.rowid WHERE user_search_trigrams MATCH $11) CROSS JOIN users ON realm_id = candidate_realm AND id = candidate",
    and ""
);
contains_statements!(
    PEOPLE_CONTAINING_USERNAME,
    FEW_CONTAINING_USERNAME,
    PROBE_CONTAINING_USERNAME,
    containing " AND username_key LIKE $11 ESCAPE '\\'"
);
contains_statements!(
    PEOPLE_CONTAINING_EMAIL,
    FEW_CONTAINING_EMAIL,
    PROBE_CONTAINING_EMAIL,
    containing " AND email_key LIKE $11 ESCAPE '\\'"
);
contains_statements!(
    PEOPLE_CONTAINING_FIRST_NAME,
    FEW_CONTAINING_FIRST_NAME,
    PROBE_CONTAINING_FIRST_NAME,
    containing " AND first_name_key LIKE $11 ESCAPE '\\'"
);
contains_statements!(
    PEOPLE_CONTAINING_LAST_NAME,
    FEW_CONTAINING_LAST_NAME,
    PROBE_CONTAINING_LAST_NAME,
    containing " AND last_name_key LIKE $11 ESCAPE '\\'"
);
contains_statements!(
    PEOPLE_CONTAINING_ANY,
    FEW_CONTAINING_ANY,
    PROBE_CONTAINING_ANY,
    containing " AND (username_key LIKE $11 ESCAPE '\\' OR email_key LIKE $11 ESCAPE '\\' OR first_name_key LIKE $11 ESCAPE '\\' OR last_name_key LIKE $11 ESCAPE '\\')"
);
/// No driving condition: the realm's people in username order, filtered, until the page (`$11` rows from
/// `$12`) is full. Cheap when matches are many; when they are few, every row is read.
pub const PEOPLE_IN_ORDER: &str =
    concat!("SELECT ", user_columns!(), " FROM users WHERE ", people!(), " ORDER BY username LIMIT $11 OFFSET $12");
/// As `PEOPLE_IN_ORDER` (`$12` rows from `$13`), reading no further than the first `$11` people.
pub const PEOPLE_IN_ORDER_WITHIN: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM (SELECT ",
    user_columns!(),
    ", username_key, email_key, first_name_key, last_name_key FROM users WHERE realm_id = $1 AND service_account_client_id IS NULL ORDER BY username LIMIT $11) people WHERE ",
    people!(),
    " ORDER BY username LIMIT $12 OFFSET $13"
);
pub const COUNT_PEOPLE: &str = concat!("SELECT COUNT(*) FROM users WHERE ", people!());
