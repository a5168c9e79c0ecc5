//! Signing in to the console as any client of ours would: the authorization code with PKCE (RFC 6749 §4.1,
//! RFC 7636) through Tessera's own login page, as the public client `security-admin-console` of `master`.
//! The console's server side redeems the code and refreshes (RFC 6749 §4.1.3, §6) through the token
//! endpoint's own service, in process; signing out is RP-Initiated Logout 1.0 §2.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use tessera_core::OAuthError;
use tessera_core::admin::bootstrap::CONSOLE_CLIENT;
use tessera_core::admin::caller::MASTER_REALM;
use tessera_core::request::FormParams;
use tessera_core::secret::random_token;
use tessera_core::token_endpoint::TokenEndpoint;
use tessera_proto::TokenResponse;

use super::session::{self, CONSOLE_PATH, ConsoleTokens, SignInFlow};
use super::{Posted, message, see_other};
use crate::http::extract::{SourceIp, realm_named};
use crate::routes::Endpoint;
use crate::state::AppState;

fn console_url(state: &AppState) -> String {
    format!("{}{CONSOLE_PATH}/", state.directory.public_url().trim_end_matches('/'))
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}callback", console_url(state))
}

fn broken(cookies: &[String]) -> Response {
    let text = "Signing in could not start. Try again in a moment.";
    message(StatusCode::SERVICE_UNAVAILABLE, "We can't sign you in", text, cookies)
}

/// `GET /admin/console/signin`: a fresh `state` and verifier, kept sealed in a cookie, and off to the login
/// page with the S256 challenge (RFC 7636 §4.2).
pub async fn start(State(state): State<AppState>) -> Response {
    let (Ok(flow_state), Ok(verifier)) = (random_token(16), random_token(32)) else { return broken(&[]) };
    let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()).as_ref());
    let flow = SignInFlow { state: flow_state, verifier, started: state.clock.now() };
    let Some(cookie) = session::write_flow(&flow, &state.master, state.secure_cookies) else { return broken(&[]) };
    let Ok(mut authorize) = url::Url::parse(&Endpoint::Authorize.url(state.directory.public_url(), MASTER_REALM))
    else {
        return broken(&[]);
    };
    authorize
        .query_pairs_mut()
        .append_pair("client_id", CONSOLE_CLIENT)
        .append_pair("redirect_uri", &redirect_uri(&state))
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("state", &flow.state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    see_other(authorize.as_str(), &[cookie])
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /admin/console/callback`: the `state` must be the one this browser set out with (RFC 6749 §10.12);
/// the code is redeemed with the verifier, and the tokens are kept sealed in the session cookies.
pub async fn callback(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    headers: axum::http::HeaderMap,
    query: Result<Query<Callback>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let secure = state.secure_cookies;
    let clear = [session::clear_flow(secure)];
    let refuse = |text: &str| message(StatusCode::BAD_REQUEST, "We can't sign you in", text, &clear);
    let Ok(Query(query)) = query else { return refuse("The sign-in response could not be read.") };
    if query.error.is_some() {
        return refuse("Signing in was cancelled or refused. Go back to the console to try again.");
    }
    let Some(flow) = session::read_flow(&headers, &state.master) else {
        return refuse("This sign-in was not started here, or it took too long. Go back to the console to try again.");
    };
    let same_state =
        query.state.as_deref().is_some_and(|s| verify_slices_are_equal(s.as_bytes(), flow.state.as_bytes()).is_ok());
    if !same_state || state.clock.now() > flow.started + session::FLOW_LIFETIME {
        return refuse("This sign-in was not started here, or it took too long. Go back to the console to try again.");
    }
    let Some(code) = query.code else { return refuse("The sign-in response carries no code.") };
    let redirect = redirect_uri(&state);
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CONSOLE_CLIENT),
        ("code", code.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("code_verifier", flow.verifier.as_str()),
    ];
    let tokens = match exchange(&state, &form, ip.as_deref()).await {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::info!(error = %e, "the console's code was refused");
            return refuse("The sign-in could not be completed. Go back to the console to try again.");
        }
    };
    let Ok(sid) = random_token(32) else { return broken(&clear) };
    let kept = ConsoleTokens {
        sid,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        id_token: tokens.id_token,
    };
    let Some(mut cookies) = session::write_session(&kept, &state.master, secure) else { return broken(&clear) };
    cookies.extend(clear);
    see_other(&format!("{CONSOLE_PATH}/"), &cookies)
}

/// The token endpoint's service, in process, for the console's client (public: no credentials).
async fn exchange(state: &AppState, pairs: &[(&str, &str)], ip: Option<&str>) -> Result<TokenResponse, OAuthError> {
    let realm = realm_named(state, MASTER_REALM)
        .await
        .map_err(|_| OAuthError::InvalidRequest(std::borrow::Cow::Borrowed("no master realm")))?;
    let form = FormParams::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())?;
    let endpoint_url = Endpoint::Token.url(state.directory.public_url(), MASTER_REALM);
    let endpoint = TokenEndpoint {
        request: state.client_request(&realm, ip),
        issued: state.issued.as_ref(),
        revocations: state.revocations.as_ref(),
        store: state.store.as_ref(),
        master: &state.master,
        passwords: state.passwords.as_ref(),
        dpop_proofs: &[],
        endpoint_url: &endpoint_url,
    };
    endpoint.exchange(None, &form).await
}

/// New tokens for an expired session (RFC 6749 §6), and the cookies that keep them; `None` when the refresh
/// token is gone or refused (the administrator signs in again).
pub async fn refresh(
    state: &AppState,
    tokens: ConsoleTokens,
    ip: Option<&str>,
) -> Option<(ConsoleTokens, Vec<String>)> {
    let refresh_token = tokens.refresh_token.as_deref()?;
    let form = [("grant_type", "refresh_token"), ("client_id", CONSOLE_CLIENT), ("refresh_token", refresh_token)];
    let fresh = exchange(state, &form, ip).await.ok()?;
    let kept = ConsoleTokens {
        sid: tokens.sid,
        access_token: fresh.access_token,
        refresh_token: fresh.refresh_token.or(tokens.refresh_token),
        id_token: fresh.id_token.or(tokens.id_token),
    };
    let cookies = session::write_session(&kept, &state.master, state.secure_cookies)?;
    Some((kept, cookies))
}

/// `POST /admin/console/signout`: the cookies go, and the browser goes to our logout endpoint with the ID
/// token as hint, which ends the SSO session at once and comes back to the console (RP-Initiated Logout §2).
/// `Posted` has checked the form's CSRF token.
pub async fn sign_out(State(state): State<AppState>, headers: axum::http::HeaderMap, _checked: Posted) -> Response {
    let hint = session::read_session(&headers, &state.master).and_then(|t| t.id_token);
    let logout = Endpoint::Logout.url(state.directory.public_url(), MASTER_REALM);
    let mut url = match url::Url::parse(&logout) {
        Ok(url) => url,
        Err(_) => return see_other(&format!("{CONSOLE_PATH}/"), &session::clear_session(state.secure_cookies)),
    };
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("client_id", CONSOLE_CLIENT).append_pair("post_logout_redirect_uri", &console_url(&state));
        if let Some(hint) = &hint {
            query.append_pair("id_token_hint", hint);
        }
    }
    see_other(url.as_str(), &session::clear_session(state.secure_cookies))
}
