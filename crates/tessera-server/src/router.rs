//! The router, built from the one table of endpoints in [`crate::routes`], with the layers every request
//! goes through.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tessera_core::OAuthError;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::http::cors;
use crate::http::error::{self, ApiError};
use crate::http::health;
use crate::http::login;
use crate::http::oidc::{certs, device, discovery, introspect, realm_info, revoke, token, userinfo};
use crate::routes::Endpoint;
use crate::state::AppState;

/// RFC 6797: once a browser has seen us over https, it never tries plain http for a year.
const HSTS: &str = "max-age=31536000";

pub fn router(state: AppState) -> Router {
    let https = state.secure_cookies;
    let limits = state.limits.clone();
    let mut router = Router::new();
    for endpoint in Endpoint::ALL {
        let method_router = match endpoint {
            Endpoint::Token => post(token::token).options(cors::preflight_post),
            Endpoint::Introspect => post(introspect::introspect).options(cors::preflight_post),
            Endpoint::Revoke => post(revoke::revoke).options(cors::preflight_post),
            Endpoint::Certs => get(certs::certs).options(cors::preflight_get),
            Endpoint::OpenIdConfiguration => get(discovery::openid_configuration),
            Endpoint::OAuthServerMetadata | Endpoint::OAuthServerMetadataWellKnown => {
                get(discovery::oauth_server_metadata)
            }
            Endpoint::Authorize => get(login::authorize).post(login::authorize),
            Endpoint::LoginAuthenticate => post(login::authenticate),
            Endpoint::LoginConsent => post(login::consent),
            Endpoint::LoginRequiredAction => post(login::required_action),
            Endpoint::UserInfo => get(userinfo::userinfo).post(userinfo::userinfo).options(cors::preflight_get_post),
            Endpoint::Logout => get(login::logout).post(login::logout).options(cors::preflight_post),
            Endpoint::LoginStylesheet => get(login::pages::stylesheet),
            Endpoint::RealmInfo => get(realm_info::realm_info),
            Endpoint::ThirdPartyCookiesProbe => get(login::pages::third_party_cookies_probe),
            Endpoint::DeviceAuthorization => post(device::device_authorization),
            Endpoint::PushedAuthorizationRequest => post(device::pushed_authorization_request),
            Endpoint::DeviceVerification => get(login::device).post(login::device),
            Endpoint::DeviceLogin => post(login::device_login),
            Endpoint::DeviceConsent => post(login::device_consent),
            Endpoint::HealthLive => get(health::live),
            Endpoint::HealthReady => get(health::ready),
        };
        router = router.route(endpoint.route(), method_router.fallback(error::method_not_allowed));
    }
    router
        .merge(crate::http::admin::routes())
        .fallback(error::not_found)
        .with_state(state)
        .layer(limits)
        .layer(tower::util::option_layer(https.then(|| {
            SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS))
        })))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::OAuth(OAuthError::Internal("a handler panicked".into())).into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
