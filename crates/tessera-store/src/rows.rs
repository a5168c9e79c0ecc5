//! Model values into columns (`json`, `flag`) and rows back into the model. A value that does not parse is
//! `Corrupt`, never a silent default.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;
use tessera_core::audit::{AuditEvent, AuditKind, Outcome};
use tessera_core::model::Resources;
use tessera_core::model::SigningAlgorithm;
use tessera_core::model::UserNotBefore;
use tessera_core::model::{
    AuthorizationCode, Client, ClientScope, ClientSecret, DeviceGrant, DeviceStatus, KeyState, LoginFailures, Realm,
    RefreshToken, RevokedToken, RoleMappings, SecretHash, SsoSession, StoredSigningKey, User,
};
use tessera_core::model::{RevocationEvent, RevocationEventKind};
use tessera_core::ports::{IssuedAccessToken, StoreError};
use tessera_core::proto::ScopeSet;

use crate::error::map_err;

pub fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// Booleans are integers in both dialects.
pub fn flag(b: bool) -> i64 {
    i64::from(b)
}

fn get<T>(row: &AnyRow, column: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(map_err)
}

fn get_json<T: DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T, StoreError> {
    let raw: String = get(row, column)?;
    serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Scopes are stored space-separated; a value that is not a scope set is `Corrupt`, never "no scopes".
pub fn get_scopes(row: &AnyRow, column: &str) -> Result<ScopeSet, StoreError> {
    let raw: String = get(row, column)?;
    ScopeSet::parse(&raw).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn get_flag(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    Ok(get::<i64>(row, column)? != 0)
}

pub fn realm_from_row(row: &AnyRow) -> Result<Realm, StoreError> {
    let alg: String = get(row, "signing_alg")?;
    Ok(Realm {
        id: get(row, "id")?,
        name: get(row, "name")?,
        display_name: get(row, "display_name")?,
        enabled: get_flag(row, "enabled")?,
        access_token_lifespan: u64::try_from(get::<i64>(row, "access_token_lifespan")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        signing_alg: SigningAlgorithm::parse(&alg).ok_or_else(|| StoreError::Corrupt(format!("algorithm {alg}")))?,
        not_before: get(row, "not_before")?,
        attributes: get_json(row, "attributes")?,
        created_at: get(row, "created_at")?,
    })
}

pub fn scope_from_row(row: &AnyRow) -> Result<ClientScope, StoreError> {
    Ok(ClientScope {
        name: get(row, "name")?,
        description: get(row, "description")?,
        include_in_token_scope: get_flag(row, "include_in_token_scope")?,
        attributes: get_json(row, "attributes")?,
        protocol_mappers: get_json(row, "protocol_mappers")?,
    })
}

/// The columns of one row, whichever driver read it: sqlx for every query, rusqlite for the synchronous
/// client read on SQLite ([`crate::sync_read`]); so a client has one decoder.
pub trait Columns {
    fn text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<Option<i64>, StoreError>;
}

impl Columns for AnyRow {
    fn text(&self, column: &str) -> Result<Option<String>, StoreError> {
        get(self, column)
    }

    fn int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        get(self, column)
    }
}

fn not_null<T>(value: Option<T>, column: &str) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::Corrupt(format!("{column} is NULL")))
}

pub(crate) fn text<R: Columns>(row: &R, column: &str) -> Result<String, StoreError> {
    not_null(row.text(column)?, column)
}

fn int<R: Columns>(row: &R, column: &str) -> Result<i64, StoreError> {
    not_null(row.int(column)?, column)
}

fn json_of<R: Columns, T: DeserializeOwned>(row: &R, column: &str) -> Result<T, StoreError> {
    serde_json::from_str(&text(row, column)?).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

pub fn client_from_row<R: Columns>(row: &R) -> Result<Client, StoreError> {
    Ok(Client {
        id: text(row, "id")?,
        realm_id: text(row, "realm_id")?,
        client_id: text(row, "client_id")?,
        name: row.text("name")?,
        enabled: int(row, "enabled")? != 0,
        public_client: int(row, "public_client")? != 0,
        service_accounts_enabled: int(row, "service_accounts_enabled")? != 0,
        standard_flow_enabled: int(row, "standard_flow_enabled")? != 0,
        direct_access_grants_enabled: int(row, "direct_access_grants_enabled")? != 0,
        consent_required: int(row, "consent_required")? != 0,
        redirect_uris: json_of(row, "redirect_uris")?,
        web_origins: json_of(row, "web_origins")?,
        default_scopes: json_of(row, "default_scopes")?,
        optional_scopes: json_of(row, "optional_scopes")?,
        audiences: json_of(row, "audiences")?,
        attributes: json_of(row, "attributes")?,
        service_account_user_id: row.text("service_account_user_id")?,
        secrets: Vec::new(),
        not_before: int(row, "not_before")?,
        created_at: int(row, "created_at")?,
        protocol_mappers: json_of(row, "protocol_mappers")?,
        service_account_roles: RoleMappings::default(),
        claims_memo: Default::default(),
    })
}

/// (client primary key, secret)
pub fn secret_from_row(row: &AnyRow) -> Result<(String, ClientSecret), StoreError> {
    Ok((
        get(row, "client_pk")?,
        ClientSecret {
            id: get(row, "id")?,
            hash: SecretHash(get(row, "secret_hash")?),
            created_at: get(row, "created_at")?,
            expires_at: get(row, "expires_at")?,
            sealed: get(row, "sealed_secret")?,
        },
    ))
}

pub fn signing_key_from_row(row: &AnyRow) -> Result<StoredSigningKey, StoreError> {
    let alg: String = get(row, "alg")?;
    let state: String = get(row, "state")?;
    Ok(StoredSigningKey {
        kid: get(row, "kid")?,
        realm_id: get(row, "realm_id")?,
        alg: SigningAlgorithm::parse(&alg).ok_or_else(|| StoreError::Corrupt(format!("algorithm {alg}")))?,
        state: KeyState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("key state {state}")))?,
        sealed_private_key: get(row, "sealed_private_key")?,
        public_jwk: get_json(row, "public_jwk")?,
        created_at: get(row, "created_at")?,
        retired_at: get(row, "retired_at")?,
        not_after: get(row, "not_after")?,
    })
}

/// (sequence number, revocation)
pub fn user_not_before_from_row(row: &AnyRow) -> Result<(i64, UserNotBefore), StoreError> {
    Ok((
        get(row, "seq")?,
        UserNotBefore {
            realm_id: get(row, "realm_id")?,
            user_id: get(row, "user_id")?,
            not_before: get(row, "not_before")?,
            expires_at: get(row, "expires_at")?,
        },
    ))
}

pub fn revocation_from_row(row: &AnyRow) -> Result<(i64, RevokedToken), StoreError> {
    Ok((
        get(row, "seq")?,
        RevokedToken {
            jti: get(row, "jti")?,
            realm_id: get(row, "realm_id")?,
            client_id: get(row, "client_id")?,
            exp: get(row, "exp")?,
            revoked_at: get(row, "revoked_at")?,
        },
    ))
}

pub fn revocation_event_from_row(row: &AnyRow) -> Result<RevocationEvent, StoreError> {
    let kind: String = get(row, "kind")?;
    Ok(RevocationEvent {
        id: get(row, "id")?,
        kind: RevocationEventKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown revocation event kind {kind:?}")))?,
        subject: get(row, "subject")?,
        at: get(row, "at")?,
        expires_at: get(row, "expires_at")?,
    })
}

pub fn audit_from_row(row: &AnyRow) -> Result<AuditEvent, StoreError> {
    let kind: String = get(row, "kind")?;
    let outcome: String = get(row, "outcome")?;
    Ok(AuditEvent {
        at: get(row, "at")?,
        realm: get(row, "realm")?,
        kind: AuditKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("audit kind {kind}")))?,
        client_id: get(row, "client_id")?,
        subject: get(row, "subject")?,
        source_ip: get(row, "source_ip")?,
        outcome: if outcome == "failure" { Outcome::Failure } else { Outcome::Success },
        reason: get(row, "reason")?,
        count: u64::try_from(get::<i64>(row, "count")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// The secret columns of a client-with-secrets row; `None` for a client without secrets.
pub fn joined_secret_from_row<R: Columns>(row: &R) -> Result<Option<ClientSecret>, StoreError> {
    let Some(id) = row.text("secret_id")? else { return Ok(None) };
    Ok(Some(ClientSecret {
        id,
        hash: SecretHash(text(row, "secret_hash")?),
        created_at: int(row, "secret_created_at")?,
        expires_at: row.int("secret_expires_at")?,
        sealed: row.text("secret_sealed")?,
    }))
}

pub fn user_from_row<R: Columns>(row: &R) -> Result<User, StoreError> {
    Ok(User {
        id: text(row, "id")?,
        realm_id: text(row, "realm_id")?,
        username: text(row, "username")?,
        enabled: int(row, "enabled")? != 0,
        email: row.text("email")?,
        email_verified: int(row, "email_verified")? != 0,
        first_name: row.text("first_name")?,
        last_name: row.text("last_name")?,
        password_hash: row.text("password_hash")?,
        service_account_client_id: row.text("service_account_client_id")?,
        required_actions: text(row, "required_actions")?
            .split(' ')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: int(row, "created_at")?,
        attributes: json_of(row, "attributes")?,
        // Filled by the finder (one more round trip), not by this row.
        roles: RoleMappings::default(),
    })
}

pub fn code_from_row(row: &AnyRow) -> Result<AuthorizationCode, StoreError> {
    Ok(AuthorizationCode {
        code_hash: get(row, "code_hash")?,
        realm_id: get(row, "realm_id")?,
        client_id: get(row, "client_id")?,
        user_id: get(row, "user_id")?,
        session_id: get(row, "session_id")?,
        redirect_uri: get(row, "redirect_uri")?,
        scope: get_scopes(row, "scope")?,
        nonce: get(row, "nonce")?,
        code_challenge: get(row, "code_challenge")?,
        resources: Resources::from_stored(&get::<String>(row, "resources")?),
        auth_time: get(row, "auth_time")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
        dpop_jkt: get(row, "dpop_jkt")?,
    })
}

pub fn refresh_from_row(row: &AnyRow) -> Result<RefreshToken, StoreError> {
    Ok(RefreshToken {
        token_hash: get(row, "token_hash")?,
        family_id: get(row, "family_id")?,
        realm_id: get(row, "realm_id")?,
        client_id: get(row, "client_id")?,
        user_id: get(row, "user_id")?,
        session_id: get(row, "session_id")?,
        scope: get_scopes(row, "scope")?,
        resources: Resources::from_stored(&get::<String>(row, "resources")?),
        auth_time: get(row, "auth_time")?,
        offline: get_flag(row, "offline")?,
        issued_at: get(row, "issued_at")?,
        expires_at: get(row, "expires_at")?,
        access_jti: get(row, "access_jti")?,
        access_exp: get(row, "access_exp")?,
        rotated_at: get(row, "rotated_at")?,
        revoked_at: get(row, "revoked_at")?,
        successor: get(row, "successor")?,
        dpop_jkt: get(row, "dpop_jkt")?,
        cert_thumbprint: get(row, "cert_thumbprint")?,
    })
}

pub fn session_from_row(row: &AnyRow) -> Result<SsoSession, StoreError> {
    Ok(SsoSession {
        id: get(row, "id")?,
        cookie_hash: get(row, "cookie_hash")?,
        realm_id: get(row, "realm_id")?,
        user_id: get(row, "user_id")?,
        auth_time: get(row, "auth_time")?,
        last_seen_at: get(row, "last_seen_at")?,
        ended_at: get(row, "ended_at")?,
    })
}

pub fn login_failures_from_row(row: &AnyRow) -> Result<LoginFailures, StoreError> {
    let failures: i64 = get(row, "failures")?;
    Ok(LoginFailures {
        failures: u32::try_from(failures).map_err(|_| StoreError::Corrupt("login_failures.failures".into()))?,
        window_start: get(row, "window_start")?,
    })
}

pub fn access_token_from_row(row: &AnyRow) -> Result<IssuedAccessToken, StoreError> {
    Ok(IssuedAccessToken {
        jti: get(row, "access_jti")?,
        client_id: get(row, "client_id")?,
        exp: get(row, "access_exp")?,
    })
}

pub fn device_grant_from_row(row: &AnyRow) -> Result<DeviceGrant, StoreError> {
    let status: String = get(row, "status")?;
    let status = match status.as_str() {
        "pending" => DeviceStatus::Pending,
        "denied" => DeviceStatus::Denied,
        "approved" => DeviceStatus::Approved {
            user_id: get::<Option<String>>(row, "user_id")?.ok_or_else(|| StoreError::Corrupt("user_id".into()))?,
            auth_time: get::<Option<i64>>(row, "auth_time")?.ok_or_else(|| StoreError::Corrupt("auth_time".into()))?,
        },
        other => return Err(StoreError::Corrupt(format!("device grant status {other}"))),
    };
    Ok(DeviceGrant {
        device_code_hash: get(row, "device_code_hash")?,
        user_code_hash: get(row, "user_code_hash")?,
        realm_id: get(row, "realm_id")?,
        client_id: get(row, "client_id")?,
        scope: get_scopes(row, "scope")?,
        created_at: get(row, "created_at")?,
        expires_at: get(row, "expires_at")?,
        interval: get(row, "poll_interval")?,
        last_polled_at: get(row, "last_polled_at")?,
        status,
        redeemed_at: get(row, "redeemed_at")?,
    })
}
