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
        Ok(events
            .into_iter()
            .map(|e| AdminEventRepresentation {
                time: e.at.saturating_mul(1000),
                realm_id: realm.id.clone(),
                auth_details: AuthDetailsRepresentation {
                    realm_id: e.auth_realm,
                    client_id: None,
                    user_id: e.auth_user_id,
                    ip_address: e.ip_address,
                },
                operation_type: e.operation,
                resource_type: e.resource_type,
                resource_path: e.resource_path,
                representation: e.representation,
            })
            .collect())
    }

    /// `GET /admin/realms/{realm}/events`: the audit trail, newest last as stored, `type` and `client` filters.
    pub async fn events(
        &self,
        realm: &str,
        kind: Option<AuditKind>,
        client: Option<String>,
        since: Option<i64>,
        page: Page,
    ) -> Result<Vec<EventRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewEvents).await?;
        let limit = (page.first.unwrap_or(0) + page.max.unwrap_or(100).min(super::api::MAX_PAGE)) as i64;
        let query = AuditQuery { realm: realm.name.clone(), since, kind, client_id: client, limit };
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
