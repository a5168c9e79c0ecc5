//! `POST /admin/realms/{realm}/partialImport`: Keycloak's partial import into an existing realm.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use tessera_proto::admin::{PartialImportRepresentation, PartialImportResults};

use super::openapi::tag;
use super::{Admin, Body, api};
use crate::http::error::AdminApiError;
use crate::state::AppState;

/// Add users, clients, groups and roles to an existing realm (partial import).
///
/// `ifResourceExists` says what to do with those that exist: `FAIL` (the default: 409 and nothing
/// written), `SKIP` or `OVERWRITE`.
#[utoipa::path(post, path = "/admin/realms/{realm}/partialImport", tag = tag::REALMS,
    request_body = PartialImportRepresentation,
    responses((status = 200, description = "What was added, skipped, overwritten", body = PartialImportResults)))]
pub async fn partial_import(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Body(rep): Body<PartialImportRepresentation>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).partial_import(&realm, &rep).await?).into_response())
}
