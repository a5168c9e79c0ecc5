//! `POST /realms/{realm}/protocol/openid-connect/token/introspect` (RFC 7662 §2).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tessera_core::client_auth::ClientRequest;
use tessera_core::introspection::{INTROSPECTION_JWT_MEDIA_TYPE, TokenIntrospection};

use crate::http::cors::{request_origin, with_cors};
use crate::http::error::ApiError;
use crate::http::extract::PresentedCertificate;
use crate::http::extract::{OAuthForm, RealmInPath, SourceIp, accepts, authorization};
use crate::state::AppState;

pub async fn introspect(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    SourceIp(ip): SourceIp,
    PresentedCertificate(cert): PresentedCertificate,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Response {
    let introspection = TokenIntrospection {
        request: ClientRequest { certificate: cert.as_ref(), ..state.client_request(&realm, ip.as_deref()) },
        denylist: state.revocations.as_ref(),
        fail_open: state.introspection_fail_open,
        refresh_tokens: Some(state.store.as_ref()),
    };
    // RFC 9701 §4: a caller that accepts the JWT media type gets a signed answer.
    let answer = if accepts(&headers, INTROSPECTION_JWT_MEDIA_TYPE) {
        introspection.handle_signed(authorization(&headers), &form).await.map(|(jwt, active)| {
            let mut response = jwt.into_response();
            let media_type = HeaderValue::from_static(INTROSPECTION_JWT_MEDIA_TYPE);
            response.headers_mut().insert(header::CONTENT_TYPE, media_type);
            (response, active)
        })
    } else {
        introspection.handle(authorization(&headers), &form).await.map(|body| {
            let active = body.active;
            (Json(body).into_response(), active)
        })
    };
    if let Some(metrics) = &state.metrics {
        let outcome = match &answer {
            Ok((_, true)) => "active",
            Ok((_, false)) => "inactive",
            Err(_) => "error",
        };
        metrics.introspection(&realm.realm.name, outcome);
    }
    let response = match answer {
        Ok((mut response, _)) => {
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
