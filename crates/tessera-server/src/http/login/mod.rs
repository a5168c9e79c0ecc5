//! The pages people see: the authorization endpoint, the login and consent forms and logout. Handlers here
//! are adapters like the others: they read the parameters and cookies, call one step of
//! `tessera_core::sign_in::SignIn`, and render the [`Step`](tessera_core::sign_in::Step) it returns.

mod cookies;
pub mod pages;
mod render;

use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::request::FormParams;
use tessera_core::sign_in::Browser;

use self::cookies::BrowserCookies;
use self::render::render_step;
use crate::http::extract::{OAuthForm, SourceIp};
use crate::state::AppState;

/// The parameters of a GET, or `None` when a parameter is repeated or unreadable.
fn params_from_query(query: Option<&str>) -> Option<FormParams> {
    FormParams::from_urlencoded(query.unwrap_or("").as_bytes()).ok()
}

/// The parameters of a form POST, or `None` when the body is not a readable form.
async fn params_from_form(request: Request, state: &AppState) -> Option<FormParams> {
    OAuthForm::from_request(request, state).await.ok().map(|OAuthForm(f)| f)
}

fn browser<'a>(cookies: &'a BrowserCookies, ip: &'a Option<String>) -> Browser<'a> {
    Browser { session_cookie: cookies.session(), csrf_cookie: cookies.csrf(), source_ip: ip.as_deref() }
}

/// `GET /auth`: parameters in the query (RFC 6749 §4.1.1).
pub async fn authorize_get(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let cookies = BrowserCookies::read(&headers);
    let params = params_from_query(query.as_deref());
    let step = state.sign_in().authorize(&realm, params, browser(&cookies, &ip)).await;
    render_step(step, &realm, state.secure_cookies)
}

/// `POST /auth`: parameters form-encoded in the body (OIDC Core §3.1.2.1).
pub async fn authorize_post(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let cookies = BrowserCookies::read(request.headers());
    let params = params_from_form(request, &state).await;
    let step = state.sign_in().authorize(&realm, params, browser(&cookies, &ip)).await;
    render_step(step, &realm, state.secure_cookies)
}

/// `POST /login-actions/authenticate`: the login form.
pub async fn authenticate(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let cookies = BrowserCookies::read(request.headers());
    let form = params_from_form(request, &state).await;
    let step = state.sign_in().authenticate(&realm, form, browser(&cookies, &ip)).await;
    render_step(step, &realm, state.secure_cookies)
}

/// `POST /login-actions/consent`: the consent form.
pub async fn consent(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let cookies = BrowserCookies::read(request.headers());
    let form = params_from_form(request, &state).await;
    let step = state.sign_in().consent(&realm, form, browser(&cookies, &ip)).await;
    render_step(step, &realm, state.secure_cookies)
}

/// `GET /logout` (OIDC RP-Initiated Logout §2).
pub async fn logout_get(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let cookies = BrowserCookies::read(&headers);
    let params = params_from_query(query.as_deref());
    let step = state.sign_in().logout(&realm, params, false, browser(&cookies, &ip)).await;
    render_step(step, &realm, state.secure_cookies)
}

/// `POST /logout`: from a client, or the confirmation page's form.
pub async fn logout_post(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let cookies = BrowserCookies::read(request.headers());
    let params = params_from_form(request, &state).await;
    let step = state.sign_in().logout(&realm, params, true, browser(&cookies, &ip)).await;
    render_step(step, &realm, state.secure_cookies)
}
