//! `/admin/realms/{realm}/events` (the audit trail) and `/admin-events`, with Keycloak's query names.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::events::AdminEventQuery;
use tessera_core::admin::{AdminError, Page};
use tessera_core::audit::AuditKind;

use super::{Admin, api};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// The first value of each query parameter (Keycloak's lists, such as `type`, are read one value deep).
fn params(raw: Option<String>) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn page(get: &impl Fn(&str) -> Option<String>) -> Page {
    Page { first: get("first").and_then(|v| v.parse().ok()), max: get("max").and_then(|v| v.parse().ok()) }
}

pub async fn events(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AdminApiError> {
    let get = params(raw);
    let kind = match get("type") {
        None => None,
        Some(t) => Some(
            AuditKind::parse(&t.to_ascii_lowercase())
                .ok_or_else(|| AdminError::Invalid(format!("unknown event type {t:?}")))?,
        ),
    };
    let found = api(&state, &caller).events(&realm, kind, get("client"), None, page(&get)).await?;
    Ok(Json(found).into_response())
}

pub async fn admin_events(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AdminApiError> {
    let get = params(raw);
    let query = AdminEventQuery {
        realm,
        operation: get("operationTypes"),
        resource_type: get("resourceTypes"),
        resource_path: get("resourcePath"),
        ..AdminEventQuery::default()
    };
    let found = api(&state, &caller).admin_events(query, page(&get)).await?;
    Ok(Json(found).into_response())
}
