//! Admin events: every write through the admin API, with who made it, from where, on what, and the
//! representation it sent (secrets and passwords never kept). Read back at `GET …/admin-events`; the
//! audit trail's events at `GET …/events`, both in Keycloak's shapes.

use tessera_proto::admin::{AdminEventRepresentation, AuthDetailsRepresentation, EventRepresentation};

use super::AdminError;
use super::api::{AdminApi, Page};
use super::caller::AdminRight;
use crate::audit::{AuditKind, AuditQuery, Outcome};

/// One administrator's write, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminEvent {
    pub at: i64,
    /// The realm written to (by name).
    pub realm: String,
    pub operation: String,
    pub resource_type: String,
    pub resource_path: String,
    /// The JSON the administrator sent, secrets removed.
    pub representation: Option<String>,
    pub auth_realm: String,
    pub auth_user_id: String,
    pub ip_address: Option<String>,
}

impl AdminEvent {
    /// Keycloak's `AdminEventRepresentation` of this event in the realm with id `realm_id`.
    pub fn representation(self, realm_id: &str) -> AdminEventRepresentation {
        AdminEventRepresentation {
            time: self.at.saturating_mul(1000),
            realm_id: realm_id.to_owned(),
            auth_details: AuthDetailsRepresentation {
                realm_id: self.auth_realm,
                client_id: None,
                user_id: self.auth_user_id,
                ip_address: self.ip_address,
            },
            operation_type: self.operation,
            resource_type: self.resource_type,
            resource_path: self.resource_path,
            representation: self.representation,
        }
    }
}

/// Keycloak's admin event operation types.
pub const OPERATION_TYPES: [&str; 4] = ["CREATE", "UPDATE", "DELETE", "ACTION"];

/// Keycloak's admin event resource types (`org.keycloak.events.admin.ResourceType`), the names filters take.
pub const RESOURCE_TYPES: [&str; 36] = [
    "REALM",
    "REALM_ROLE",
    "REALM_ROLE_MAPPING",
    "REALM_SCOPE_MAPPING",
    "AUTH_FLOW",
    "AUTH_EXECUTION_FLOW",
    "AUTH_EXECUTION",
    "AUTHENTICATOR_CONFIG",
    "REQUIRED_ACTION",
    "IDENTITY_PROVIDER",
    "IDENTITY_PROVIDER_MAPPER",
    "PROTOCOL_MAPPER",
    "USER",
    "USER_LOGIN_FAILURE",
    "USER_SESSION",
    "USER_FEDERATION_PROVIDER",
    "USER_FEDERATION_MAPPER",
    "GROUP",
    "GROUP_MEMBERSHIP",
    "CLIENT",
    "CLIENT_INITIAL_ACCESS_MODEL",
    "CLIENT_ROLE",
    "CLIENT_ROLE_MAPPING",
    "CLIENT_SCOPE",
    "CLIENT_SCOPE_MAPPING",
    "CLIENT_SCOPE_CLIENT_MAPPING",
    "CLUSTER_NODE",
    "COMPONENT",
    "AUTHORIZATION_RESOURCE_SERVER",
    "AUTHORIZATION_RESOURCE",
    "AUTHORIZATION_SCOPE",
    "AUTHORIZATION_POLICY",
    "CUSTOM",
    "USER_PROFILE",
    "ORGANIZATION",
    "ORGANIZATION_MEMBERSHIP",
];

/// Filters of `GET …/admin-events` (Keycloak's names), newest first.
#[derive(Debug, Clone, Default)]
pub struct AdminEventQuery {
    pub realm: String,
    pub operation: Option<String>,
    pub resource_type: Option<String>,
    pub resource_path: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Keycloak's event type for one of our audit kinds.
fn keycloak_type(kind: AuditKind, outcome: Outcome) -> String {
    let name = match kind {
        AuditKind::Login => "LOGIN",
        AuditKind::LoginFailed => "LOGIN_ERROR",
        AuditKind::Logout => "LOGOUT",
        AuditKind::TokenIssued => "CLIENT_LOGIN",
        AuditKind::ClientAuthFailed => "CLIENT_LOGIN_ERROR",
        AuditKind::TokenRevoked => "REVOKE_GRANT",
        AuditKind::RefreshTokenReused => "REFRESH_TOKEN_ERROR",
        AuditKind::CodeReplayed => "CODE_TO_TOKEN_ERROR",
        AuditKind::PasswordUpdated => "UPDATE_PASSWORD",
        AuditKind::UserLockedOut => "USER_DISABLED_BY_TEMPORARY_LOCKOUT",
        other => return other.as_str().to_ascii_uppercase(),
    };
    if outcome == Outcome::Failure && !name.ends_with("_ERROR") && !name.contains("LOCKOUT") {
        format!("{name}_ERROR")
    } else {
        name.to_owned()
    }
}

impl AdminApi<'_> {
    /// Records one write. A failure to record is logged by the store's caller, never hidden: it fails the
    /// request, so no write goes unrecorded.
    pub(super) async fn admin_event(
        &self,
        realm: &str,
        operation: &str,
        resource_type: &str,
        resource_path: String,
        representation: Option<String>,
    ) -> Result<(), AdminError> {
        let event = AdminEvent {
            at: self.now,
            realm: realm.to_owned(),
            operation: operation.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_path,
            representation,
            auth_realm: self.caller.realm.clone(),
            auth_user_id: self.caller.user_id.clone(),
            ip_address: self.caller.source_ip.clone(),
        };
        Ok(self.store.append_admin_event(&event).await?)
    }

    /// `GET /admin/realms/{realm}/admin-events`.
    pub async fn admin_events(
        &self,
        mut query: AdminEventQuery,
        page: Page,
    ) -> Result<Vec<AdminEventRepresentation>, AdminError> {
        let realm = self.realm_for(&query.realm, AdminRight::ViewEvents).await?;
        query.limit = page.max.unwrap_or(100).min(super::api::MAX_PAGE) as i64;
        query.offset = page.first.unwrap_or(0) as i64;
        let events = self.store.admin_events(&query).await?;
        Ok(events.into_iter().map(|e| e.representation(&realm.id)).collect())
    }

    /// `GET /admin/realms/{realm}/events`: the audit trail, newest last as stored (or `newest_first`, as the
    /// console shows it), `type` and `client` filters.
    pub async fn events(
        &self,
        realm: &str,
        kind: Option<AuditKind>,
        client: Option<String>,
        since: Option<i64>,
        page: Page,
        newest_first: bool,
    ) -> Result<Vec<EventRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewEvents).await?;
        let limit = (page.first.unwrap_or(0) + page.max.unwrap_or(100).min(super::api::MAX_PAGE)) as i64;
        let query = AuditQuery { realm: realm.name.clone(), since, kind, client_id: client, limit, newest_first };
        let events = self.store.audit_events(&query).await?;
        let shown = events.into_iter().map(|e| {
            let mut details = std::collections::BTreeMap::new();
            if let Some(reason) = &e.reason {
                details.insert("reason".to_owned(), reason.clone());
            }
            if e.count > 1 {
                details.insert("count".to_owned(), e.count.to_string());
            }
            EventRepresentation {
                time: e.at.saturating_mul(1000),
                kind: keycloak_type(e.kind, e.outcome),
                realm_id: realm.id.clone(),
                client_id: e.client_id,
                user_id: e.subject,
                ip_address: e.source_ip,
                error: (e.outcome == Outcome::Failure).then(|| e.reason.clone().unwrap_or_else(|| "error".to_owned())),
                details,
            }
        });
        Ok(page.apply(shown.collect()))
    }
}
