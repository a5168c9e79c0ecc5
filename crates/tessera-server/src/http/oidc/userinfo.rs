//! `GET|POST /realms/{realm}/protocol/openid-connect/userinfo` (OIDC Core §5.3), Bearer per RFC 6750.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use tessera_core::OAuthError;
use tessera_core::cors::CorsClient;
use tessera_core::sign_in::userinfo::{Presentation, UserInfoEndpoint};

use crate::http::cors::{request_origin, with_cors};
use crate::http::error::ApiError;
use crate::http::extract::{
    OAuthForm, PresentedCertificate, RealmInPath, authorization, dpop_proofs, is_form_urlencoded,
};
use crate::routes::Endpoint;
use crate::state::AppState;

/// RFC 6750 §2.1 (header) or §2.2 (form body); never both (§2: "MUST NOT use more than one method"). The
/// header may use RFC 9449 §7.1's `DPoP` scheme instead of `Bearer` (the flag says so).
async fn bearer_token(request: Request, state: &AppState) -> Result<(String, bool), ApiError> {
    let header = authorization(request.headers()).map(str::to_owned);
    let form_token = if request.method() == Method::POST && is_form_urlencoded(request.headers()) {
        let OAuthForm(form) = OAuthForm::from_request(request, state).await?;
        form.get("access_token").map(str::to_owned)
    } else {
        None
    };
    match (header, form_token) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request("the token was sent in more than one way").into()),
        (None, Some(token)) => Ok((token, false)),
        (Some(h), None) => match h.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
                Ok((token.trim().to_owned(), false))
            }
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("dpop") && !token.trim().is_empty() => {
                Ok((token.trim().to_owned(), true))
            }
            _ => Err(OAuthError::BearerMissing.into()),
        },
        (None, None) => Err(OAuthError::BearerMissing.into()),
    }
}

pub async fn userinfo(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
    PresentedCertificate(cert): PresentedCertificate,
    request: Request,
) -> Response {
    let origin = request_origin(request.headers()).map(str::to_owned);
    let endpoint = UserInfoEndpoint {
        realm: &realm,
        clients: state.directory.as_ref(),
        users: state.store.as_ref(),
        denylist: state.revocations.as_ref(),
        now: state.clock.now(),
        cors: CorsClient::default(),
        replay: state.replay.as_ref(),
        dpop_keys: &state.dpop_keys,
        master: &state.master,
    };
    let proofs: Vec<String> = dpop_proofs(request.headers()).into_iter().map(str::to_owned).collect();
    let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
    let method = request.method().as_str().to_owned();
    let uri = Endpoint::UserInfo.url(state.directory.public_url(), &realm.realm.name);
    let answer = match bearer_token(request, &state).await {
        Ok((token, dpop_scheme)) => {
            let certificate = cert.as_ref().map(|c| c.thumbprint.as_str());
            let presented = Presentation { dpop_scheme, proofs: &proofs, method: &method, uri: &uri, certificate };
            endpoint.handle(&token, &presented).await.map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    let response = match answer {
        Ok(info) => {
            let mut response = Json(info).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => e.into_response(),
    };
    with_cors(response, endpoint.cors.allowed(origin.as_deref()))
}
