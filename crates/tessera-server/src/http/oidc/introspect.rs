//! `POST /realms/{realm}/protocol/openid-connect/token/introspect` (RFC 7662 §2).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tessera_core::introspection::TokenIntrospection;

use crate::http::cors::{request_origin, with_cors};
use crate::http::error::ApiError;
use crate::http::extract::{OAuthForm, RealmInPath, SourceIp, authorization};
use crate::state::AppState;

pub async fn introspect(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Response {
    let introspection = TokenIntrospection {
        request: state.client_request(&realm, ip.as_deref()),
        denylist: state.revocations.as_ref(),
        fail_open: state.introspection_fail_open,
        refresh_tokens: Some(state.store.as_ref()),
    };
    let answer = introspection.handle(authorization(&headers), &form).await;
    if let Some(metrics) = &state.metrics {
        let outcome = match &answer {
            Ok(body) if body.active => "active",
            Ok(_) => "inactive",
            Err(_) => "error",
        };
        metrics.introspection(&realm.realm.name, outcome);
    }
    let response = match answer {
        Ok(body) => {
            let mut response = Json(body).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => {
            if let Some(metrics) = &state.metrics {
                metrics.refusal(&realm.realm.name, "introspection", &e);
            }
            ApiError::from(e).into_response()
        }
    };
    with_cors(response, introspection.request.cors.allowed(request_origin(&headers)))
}
