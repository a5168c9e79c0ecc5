//! `POST /admin/realms/{realm}/partialImport`: Keycloak's partial import into an existing realm.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use tessera_proto::admin::PartialImportRepresentation;

use super::{Admin, Body, api};
use crate::http::error::AdminApiError;
use crate::state::AppState;

pub async fn partial_import(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(realm): Path<String>,
    Body(rep): Body<PartialImportRepresentation>,
) -> Result<Response, AdminApiError> {
    Ok(Json(api(&state, &caller).partial_import(&realm, &rep).await?).into_response())
}
