//! `GET|POST /realms/{realm}/protocol/openid-connect/logout`: RP-Initiated Logout 1.0. With a valid
//! `id_token_hint` the session it names ends at once (as in Keycloak); without one the user confirms on a
//! page first, so that a stray link cannot sign anyone out (§2: "the OP SHOULD ask the End-User").

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tessera_core::audit::{AuditEvent, AuditKind};
use tessera_core::model::RevokedToken;
use tessera_core::ports::AuditSink;
use tessera_core::ports::Revocations;
use tessera_core::request::FormParams;
use tessera_core::sign_in::logout::{LogoutError, check_logout};

use super::authorize::{Flow, Page, form_params, params_from_query, settle};
use super::pages::{LogoutPage, MessagePage, error_page, redirect, render};
use super::{CSRF_COOKIE, SESSION_COOKIE, csrf_ok, csrf_token, set_cookie};
use crate::http::extract::SourceIp;
use crate::routes::Endpoint;
use crate::state::AppState;

pub async fn logout_get(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = params_from_query(query.as_deref());
    settle(logout(state, &realm, ip, headers, params, false).await)
}

pub async fn logout_post(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let params = form_params(request, &state).await;
    settle(logout(state, &realm, ip, headers, params, true).await)
}

async fn logout(
    state: AppState,
    realm: &str,
    ip: Option<String>,
    headers: HeaderMap,
    params: Option<FormParams>,
    posted: bool,
) -> Page {
    let flow = Flow::new(state, realm, headers, ip).await?;
    let params = params
        .ok_or_else(|| error_page(StatusCode::BAD_REQUEST, flow.realm_name(), "The logout request is malformed."))?;
    let request = match check_logout(&params, &flow.realm, flow.state.directory.as_ref()).await {
        Ok(r) => r,
        Err(LogoutError::Invalid(message)) => {
            return Err(error_page(StatusCode::BAD_REQUEST, flow.realm_name(), &message));
        }
        Err(LogoutError::Store(e)) => return Err(flow.fail(&e)),
    };
    let has_hint = params.get("id_token_hint").is_some();
    let (csrf, fresh) = csrf_token(&flow.headers);
    let confirmed =
        has_hint || (posted && params.get("csrf").is_some() && csrf_ok(&flow.headers, params.get("csrf"), &csrf));
    if !confirmed {
        let action = flow.action(Endpoint::Logout);
        let page = LogoutPage {
            realm_name: flow.realm_name(),
            action: &action,
            csrf: &csrf,
            client_id: params.get("client_id"),
            post_logout_redirect_uri: params.get("post_logout_redirect_uri"),
            state: params.get("state"),
        };
        let cookies = if fresh { vec![flow.cookie(CSRF_COOKIE, &csrf)] } else { Vec::new() };
        return Ok(render(StatusCode::OK, &page, &cookies));
    }
    // The session the hint names, else the browser's own.
    let session = match &request.session_id {
        Some(sid) => flow.state.store.find_session(&flow.realm.realm.id, sid).await.map_err(|e| flow.fail(&e))?,
        None => flow.current_session().await?.map(|(s, _)| s),
    };
    if let Some(session) = session {
        end_session(&flow, &session.id, &session.user_id, request.client_id.as_deref()).await?;
    }
    let clear = set_cookie(SESSION_COOKIE, "", &flow.realm.realm.name, flow.state.secure_cookies, Some(0));
    if let Some(location) = &request.redirect {
        return Ok(redirect(location, &[clear]));
    }
    let page = MessagePage {
        realm_name: flow.realm_name(),
        heading: "You are signed out",
        message: "You have been signed out. You can close this window.",
        is_error: false,
        back: None,
    };
    Ok(render(StatusCode::OK, &page, &[clear]))
}

/// Ends the session and revokes its refresh tokens and the access tokens issued with them.
async fn end_session(flow: &Flow, session_id: &str, user_id: &str, client_id: Option<&str>) -> Result<(), Response> {
    let store = &flow.state.store;
    store.end_session(session_id, flow.now).await.map_err(|e| flow.fail(&e))?;
    let tokens = store.revoke_session_refresh_tokens(session_id, flow.now).await.map_err(|e| flow.fail(&e))?;
    for (jti, exp) in tokens {
        let revoked = RevokedToken {
            jti,
            realm_id: flow.realm.realm.id.clone(),
            client_id: client_id.unwrap_or_default().to_owned(),
            exp,
            revoked_at: flow.now,
        };
        flow.state.revocations.revoke(revoked).await.map_err(|e| flow.fail(&e))?;
    }
    let mut event = AuditEvent::new(flow.now, &flow.realm.realm.name, AuditKind::Logout)
        .subject(user_id)
        .source(flow.source_ip.as_deref());
    if let Some(c) = client_id {
        event = event.client(c);
    }
    flow.state.audit.record(event);
    Ok(())
}
