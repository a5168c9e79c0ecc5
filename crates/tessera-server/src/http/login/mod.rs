//! The pages people see: the authorization endpoint, the login and consent forms and logout. Handlers here
//! are adapters like the others: [`BrowserRequest`] reads the parameters and cookies, one step of
//! `tessera_core::sign_in::SignIn` decides, and the [`Step`](tessera_core::sign_in::Step) it returns is
//! rendered.

mod cookies;
pub mod pages;
mod render;

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use tessera_core::request::FormParams;
use tessera_core::sign_in::{Browser, SignInError, Step, View};

use self::cookies::BrowserCookies;
use self::render::render_step;
use crate::http::error::ApiError;
use crate::http::extract::{OAuthForm, RealmInPath, SourceIp};
use crate::http::oidc::logout::{is_refresh_token_logout, refresh_token_logout};
use crate::state::AppState;

/// One browser request: the realm in the path, the parameters (from the query of a GET, the form of a
/// POST; `None` when a parameter is repeated or unreadable), our cookies and the client's address.
pub struct BrowserRequest {
    realm: String,
    params: Option<FormParams>,
    posted: bool,
    cookies: BrowserCookies,
    source_ip: Option<String>,
}

impl FromRequest<AppState> for BrowserRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let realm = Path::<String>::from_request_parts(&mut parts, state).await.map(|Path(r)| r).unwrap_or_default();
        let SourceIp(source_ip) = SourceIp::from_request_parts(&mut parts, state).await?;
        let cookies = BrowserCookies::read(&parts.headers, state.secure_cookies);
        let posted = parts.method == Method::POST;
        let params = if posted {
            let request = Request::from_parts(parts, body);
            OAuthForm::from_request(request, state).await.ok().map(|OAuthForm(f)| f)
        } else {
            FormParams::from_urlencoded(parts.uri.query().unwrap_or("").as_bytes()).ok()
        };
        Ok(Self { realm, params, posted, cookies, source_ip })
    }
}

impl BrowserRequest {
    fn browser(&self) -> Browser<'_> {
        Browser {
            session_cookie: self.cookies.session(),
            csrf_cookie: self.cookies.csrf(),
            source_ip: self.source_ip.as_deref(),
        }
    }

    fn render(&self, step: Step, state: &AppState) -> Response {
        render_step(step, &self.realm, state.secure_cookies)
    }
}

/// `GET|POST /auth` (RFC 6749 §4.1.1; OIDC Core §3.1.2.1 allows the form POST).
pub async fn authorize(State(state): State<AppState>, mut request: BrowserRequest) -> Response {
    let step = state.sign_in().authorize(&request.realm, request.params.take(), request.browser()).await;
    if let (Some(metrics), View::Error(SignInError::RateLimited(refusal))) = (&state.metrics, &step.view) {
        metrics.rate_limited(&request.realm, "authorization", refusal.scope);
    }
    request.render(step, &state)
}

/// `POST /login-actions/authenticate`: the login form.
pub async fn authenticate(State(state): State<AppState>, mut request: BrowserRequest) -> Response {
    let step = state.sign_in().authenticate(&request.realm, request.params.take(), request.browser()).await;
    request.render(step, &state)
}

/// `POST /login-actions/required-action`: the new-password form of a user with a temporary password.
pub async fn required_action(State(state): State<AppState>, mut request: BrowserRequest) -> Response {
    let step = state.sign_in().update_password(&request.realm, request.params.take(), request.browser()).await;
    request.render(step, &state)
}

/// `POST /login-actions/consent`: the consent form.
pub async fn consent(State(state): State<AppState>, mut request: BrowserRequest) -> Response {
    let step = state.sign_in().consent(&request.realm, request.params.take(), request.browser()).await;
    request.render(step, &state)
}

/// `GET|POST /logout` (OIDC RP-Initiated Logout §2): from a client, or the confirmation page's form; a
/// POSTed `refresh_token` is Keycloak's non-interactive logout instead.
pub async fn logout(
    State(state): State<AppState>,
    realm: Result<RealmInPath, ApiError>,
    headers: HeaderMap,
    mut request: BrowserRequest,
) -> Response {
    if is_refresh_token_logout(request.posted, request.params.as_ref()) {
        let form = request.params.take().unwrap_or_default();
        return refresh_token_logout(&state, realm, &headers, &form, request.source_ip.as_deref()).await;
    }
    let (params, posted) = (request.params.take(), request.posted);
    let step = state.sign_in().logout(&request.realm, params, posted, request.browser()).await;
    request.render(step, &state)
}

/// `GET|POST /device` (RFC 8628 §3.3): the code form, or the code from it or from the link.
pub async fn device(State(state): State<AppState>, mut request: BrowserRequest) -> Response {
    let (params, posted) = (request.params.take(), request.posted);
    let step = state.sign_in().device(&request.realm, params, posted, request.browser()).await;
    request.render(step, &state)
}

/// `POST /device/login`: the device flow's login form.
pub async fn device_login(State(state): State<AppState>, mut request: BrowserRequest) -> Response {
    let step = state.sign_in().device_login(&request.realm, request.params.take(), request.browser()).await;
    request.render(step, &state)
}

/// `POST /device/consent`: allow or deny the device.
pub async fn device_consent(State(state): State<AppState>, mut request: BrowserRequest) -> Response {
    let step = state.sign_in().device_consent(&request.realm, request.params.take(), request.browser()).await;
    request.render(step, &state)
}
