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
use crate::http::oidc::{
    certs, device, discovery, introspect, realm_info, registration, revocation_feed, revoke, token, userinfo,
};
use crate::routes::Endpoint;
use crate::state::AppState;
use crate::telemetry::{RecordStatus, RequestSpan};

/// RFC 6797: once a browser has seen us over https, it never tries plain http for a year.
const HSTS: &str = "max-age=31536000";

pub fn router(state: AppState) -> Router {
    let https = state.secure_cookies;
    let limits = state.limits.clone();
    let metrics = state.metrics.clone().map(crate::metrics::http::HttpMetricsLayer);
    let mut router = Router::new();
    for endpoint in Endpoint::ALL {
        let method_router = match endpoint {
            Endpoint::Token => post(token::token).options(cors::preflight_post),
            Endpoint::Introspect => post(introspect::introspect).options(cors::preflight_post),
            Endpoint::Revoke => post(revoke::revoke).options(cors::preflight_post),
            Endpoint::RevocationFeed => {
                get(revocation_feed::revocation_feed_get).post(revocation_feed::revocation_feed_post)
            }
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
            Endpoint::ClientRegistration => post(registration::register),
            Endpoint::ClientConfiguration => {
                get(registration::read).put(registration::update).delete(registration::delete)
            }
            Endpoint::DeviceVerification => get(login::device).post(login::device),
            Endpoint::DeviceLogin => post(login::device_login),
            Endpoint::DeviceConsent => post(login::device_consent),
            Endpoint::HealthLive => get(health::live),
            Endpoint::HealthReady => get(health::ready),
        };
        router = router.route(endpoint.route(), method_router.fallback(error::method_not_allowed));
    }
    let mut admin = crate::http::admin::routes(&state).merge(crate::http::console::routes(&state));
    if metrics.is_some() {
        // The one layer inside routing, only with metrics on and only on the admin API's and the console's
        // routes, whose templates (ids in paths) only the router knows: it hands the matched template to the
        // outer metrics layer through the response. The OIDC endpoints' templates the metrics layer finds
        // itself (each layer here costs each request of its routes a clone of the boxed route, allocations).
        admin = admin.layer(axum::middleware::map_response(crate::metrics::http::matched_route_to_response));
    }
    let routes = router.merge(admin).fallback(error::not_found).with_state(state);
    // The layers wrap the router once, in front of routing, rather than through `Router::layer`, which
    // wraps every route's handler in each layer, boxed: that stack was cloned, one allocation per box, on
    // every request (13 allocations, about 2 µs of an ES256 token request). Outermost first.
    let layered = tower::ServiceBuilder::new()
        // Outermost, so that refusals by the limits and caught panics are counted too.
        .layer(tower::util::option_layer(metrics))
        .map_response(IntoResponse::into_response)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
        .layer(TraceLayer::new_for_http().make_span_with(RequestSpan).on_response(RecordStatus))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::OAuth(OAuthError::Internal("a handler panicked".into())).into_response()
        }))
        .layer(tower::util::option_layer(https.then(|| {
            SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS))
        })))
        .layer(limits)
        .service(routes);
    Router::new().fallback_service(layered)
}
