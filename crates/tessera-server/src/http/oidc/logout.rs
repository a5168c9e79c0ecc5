//! `POST …/logout` with a `refresh_token`: Keycloak's non-interactive logout, answered `204` (errors as
//! RFC 6749 §5.2 JSON), with CORS for the client's web origins. Requests without a refresh token are a
//! browser's and get the pages of [`crate::http::login`].

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tessera_core::request::FormParams;
use tessera_core::token_logout::RefreshTokenLogout;

use crate::http::cors::{request_origin, with_cors};
use crate::http::error::ApiError;
use crate::http::extract::{RealmInPath, authorization};
use crate::state::AppState;

/// Whether a logout request is Keycloak's non-interactive kind (a POSTed `refresh_token`).
pub fn is_refresh_token_logout(posted: bool, params: Option<&FormParams>) -> bool {
    posted && params.is_some_and(|p| p.get("refresh_token").is_some())
}

pub async fn refresh_token_logout(
    state: &AppState,
    realm: Result<RealmInPath, ApiError>,
    headers: &HeaderMap,
    form: &FormParams,
    source_ip: Option<&str>,
) -> Response {
    let realm = match realm {
        Ok(RealmInPath(realm)) => realm,
        Err(e) => return e.into_response(),
    };
    let logout = RefreshTokenLogout {
        request: state.client_request(&realm, source_ip),
        store: state.store.as_ref(),
        revocations: state.revocations.as_ref(),
        deliveries: state.logout_deliveries.as_ref(),
    };
    let response = match logout.handle(authorization(headers), form).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    };
    with_cors(response, logout.request.cors.allowed(request_origin(headers)))
}
