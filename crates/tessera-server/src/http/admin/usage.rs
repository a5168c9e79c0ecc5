//! `/admin/realms/{realm}/tessera/usage`: usage per client (tokens per minute, failures, networks, scopes,
//! revoked tokens presented) for the console; Tessera's own path, beside Keycloak's.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_core::admin::AdminError;
use tessera_core::usage::{UsageQuery, parse_since};

use super::openapi::tag;
use super::{Admin, Params, api};
use crate::http::error::AdminApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    /// One client (`clientId`); every client of the realm without it.
    client: Option<String>,
    /// Unix seconds, or a duration ago (`15m`, `2h`, `1d`); one hour ago by default, at most two days.
    since: Option<String>,
}

/// Usage per client over a window, busiest first.
#[utoipa::path(get, path = "/admin/realms/{realm}/tessera/usage", tag = tag::EVENTS, params(UsageParams),
    responses((status = 200, description = "Usage per client", content_type = "application/json")))]
pub async fn usage(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Params(params): Params<UsageParams>,
) -> Result<Response, AdminApiError> {
    let now = state.clock.now();
    let since = match params.since.as_deref() {
        None => now - 3_600,
        Some(s) => parse_since(s, now).ok_or_else(|| AdminError::Invalid(format!("invalid since {s:?}")))?,
    };
    let query = UsageQuery { realm, client: params.client, since };
    let report = api(&state, &caller).usage(state.usage.as_ref(), query).await?;
    Ok(Json(report).into_response())
}
