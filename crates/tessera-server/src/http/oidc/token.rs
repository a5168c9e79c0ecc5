//! `POST /realms/{realm}/protocol/openid-connect/token` (RFC 6749 §3.2).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tessera_core::client_auth::ClientRequest;
use tessera_core::token_endpoint::TokenEndpoint;

use crate::http::cors::{request_origin, with_cors};
use crate::http::error::ApiError;
use crate::http::extract::PresentedCertificate;
use crate::http::extract::{OAuthForm, RealmInPath, SourceIp, authorization, dpop_proofs};
use crate::routes::Endpoint;
use crate::state::AppState;

pub async fn token(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    PresentedCertificate(cert): PresentedCertificate,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Response {
    let dpop_proofs = dpop_proofs(&headers);
    // The proofs' `htu` (RFC 9449 §4.3 check 9) is all it is for: not built for a request without one.
    let endpoint_url = if dpop_proofs.is_empty() {
        String::new()
    } else {
        Endpoint::Token.url(state.directory.public_url(), &realm.realm.name)
    };
    let endpoint = TokenEndpoint {
        request: ClientRequest { certificate: cert.as_ref(), ..state.client_request(&realm, ip.as_deref()) },
        issued: state.issued.as_ref(),
        revocations: state.revocations.as_ref(),
        store: state.store.as_ref(),
        master: &state.master,
        passwords: state.passwords.as_ref(),
        dpop_proofs: &dpop_proofs,
        endpoint_url: &endpoint_url,
    };
    let response = match endpoint.exchange(authorization(&headers), &form).await {
        Ok(body) => {
            if let Some(metrics) = &state.metrics {
                metrics.token_issued(&realm.realm.name, form.get("grant_type"), realm.keys.active().alg());
            }
            let mut response = Json(body).into_response();
            // RFC 6749 §5.1
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => {
            if let Some(metrics) = &state.metrics {
                metrics.refusal(&realm.realm.name, "token", &e);
            }
            ApiError::from(e).into_response()
        }
    };
    with_cors(response, endpoint.request.cors.allowed(request_origin(&headers)))
}
