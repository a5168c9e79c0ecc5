//! `POST /realms/{realm}/protocol/openid-connect/revoke` (RFC 7009 §2).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tessera_core::client_auth::ClientRequest;
use tessera_core::revocation::TokenRevocation;

use crate::http::cors::{request_origin, with_cors};
use crate::http::error::ApiError;
use crate::http::extract::PresentedCertificate;
use crate::http::extract::{OAuthForm, RealmInPath, SourceIp, authorization};
use crate::state::AppState;

pub async fn revoke(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    PresentedCertificate(cert): PresentedCertificate,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Response {
    let revocation = TokenRevocation {
        request: ClientRequest { certificate: cert.as_ref(), ..state.client_request(&realm, ip.as_deref()) },
        revocations: state.revocations.as_ref(),
        refresh_tokens: Some(state.store.as_ref()),
    };
    // §2.2: 200 whether or not there was anything to revoke.
    let response = match revocation.handle(authorization(&headers), &form).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => {
            if let Some(metrics) = &state.metrics {
                metrics.refusal(&realm.realm.name, "revocation", &e);
            }
            ApiError::from(e).into_response()
        }
    };
    with_cors(response, revocation.request.cors.allowed(request_origin(&headers)))
}
