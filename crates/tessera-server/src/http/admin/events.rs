//! `/admin/realms/{realm}/events` (the audit trail) and `/admin-events`, with Keycloak's query names.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use tessera_core::admin::events::AdminEventQuery;
use tessera_core::admin::{AdminError, Page};
use tessera_core::audit::AuditKind;
use tessera_proto::admin::{AdminEventRepresentation, EventRepresentation};

use super::openapi::tag;
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

/// The realm's user and client events (the audit trail), newest first.
#[utoipa::path(get, path = "/admin/realms/{realm}/events", tag = tag::EVENTS,
    params(
        ("type" = Option<String>, Query, description = "One kind of event, in any case (`LOGIN`, `TOKEN_ISSUED`, …)."),
        ("client" = Option<String>, Query, description = "The `clientId` the events concern."),
        ("first" = Option<usize>, Query, description = "The first result to return (paging)."),
        ("max" = Option<usize>, Query, description = "At most this many results."),
    ),
    responses((status = 200, description = "The events", body = [EventRepresentation])))]
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
    let found = api(&state, &caller).events(&realm, kind, get("client"), None, page(&get), false).await?;
    Ok(Json(found).into_response())
}

/// The realm's admin events: every write through the admin API, newest first.
#[utoipa::path(get, path = "/admin/realms/{realm}/admin-events", tag = tag::EVENTS,
    params(
        ("operationTypes" = Option<String>, Query, description = "`CREATE`, `UPDATE`, `DELETE` or `ACTION`."),
        ("resourceTypes" = Option<String>, Query, description = "`REALM`, `CLIENT`, `USER`, `GROUP`, …"),
        ("resourcePath" = Option<String>, Query, description = "The resource's path (`users/…`)."),
        ("first" = Option<usize>, Query, description = "The first result to return (paging)."),
        ("max" = Option<usize>, Query, description = "At most this many results."),
    ),
    responses((status = 200, description = "The admin events", body = [AdminEventRepresentation])))]
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
