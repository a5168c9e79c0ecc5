//! The authorization endpoint and the login and consent forms as steps (RFC 6749 §4.1.1-4.1.2, OIDC Core
//! §3.1.2): `prompt` and `max_age`, the session, consent and the code are decided here.

use secrecy::SecretString;
use tessera_proto::ErrorCode;

use crate::par::{REQUEST_URI_PREFIX, take_pushed};
use crate::rate_limit::request_checks;
use crate::request::FormParams;
use crate::sign_in::authorization::{AuthorizationRefusal, AuthorizationRequest, merged_consent};
use crate::sign_in::login::{LoginRefusal, PasswordLogin};
use crate::sign_in::service::{Browser, Flow, SignIn};
use crate::sign_in::session::start_session;
use crate::sign_in::step::{CookieChange, SignInError, Step};

impl SignIn<'_> {
    /// `GET|POST /auth`: the parameters from the query or the form; `None` when they could not be read.
    pub async fn authorize(&self, realm: &str, params: Option<FormParams>, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| authorize(flow, params)).await
    }

    /// The login form.
    pub async fn authenticate(&self, realm: &str, form: Option<FormParams>, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| authenticate(flow, form)).await
    }

    /// The consent form.
    pub async fn consent(&self, realm: &str, form: Option<FormParams>, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| consent(flow, form)).await
    }
}

const UNREADABLE_FORM: &str = "The form could not be read.";

async fn authorize(flow: Flow<'_>, params: Option<FormParams>) -> Result<Step, SignInError> {
    let params =
        params.ok_or(SignInError::bad_request("The request is malformed: a parameter is repeated or unreadable."))?;
    let client = flow.client(params.get("client_id")).await?;
    let checks = request_checks(&flow.realm, "authorization", client.as_deref(), flow.browser.source_ip);
    if !checks.is_empty() {
        let s = flow.service;
        s.limiter.check(&checks, s.now_ms).await.map_err(SignInError::RateLimited)?;
    }
    // RFC 9126 §4: `request_uri` names pushed parameters, which replace the query's.
    let (params, pushed) = match (params.get("request_uri"), &client) {
        (Some(uri), Some(c)) if uri.starts_with(REQUEST_URI_PREFIX) => {
            let s = flow.service;
            let taken = take_pushed(s.store, &flow.realm.realm.id, uri, &c.client_id, s.now).await?;
            let expired =
                "The sign-in request has expired or was already used. Go back to the application and start again.";
            (taken.ok_or(SignInError::bad_request(expired))?, true)
        }
        _ => (params, false),
    };
    let request =
        match AuthorizationRequest::check(&params, client.as_deref(), &flow.policy, &flow.realm.scopes, pushed) {
            Ok(r) => r,
            Err(AuthorizationRefusal::Page(message)) => return Err(SignInError::BadRequest(message)),
            Err(AuthorizationRefusal::Redirect(r)) => {
                return Ok(flow.answer(r.response(&flow.realm.issuer), Vec::new()));
            }
        };
    let client = client.ok_or(SignInError::bad_request("The application is not known."))?;
    // OIDC Core §3.1.2.1: `prompt=login` and an expired `max_age` ask again even with a session.
    if let Some((session, user)) = flow.current_session().await?
        && !request.prompt.login
        && request.accepts_auth_time(session.auth_time, flow.now())
    {
        return flow.signed_in(&client, request, &session, &user, Vec::new()).await;
    }
    if request.prompt.none {
        let refusal = request.refuse(ErrorCode::LoginRequired, "the user is not signed in");
        return Ok(flow.answer(refusal.response(&flow.realm.issuer), Vec::new()));
    }
    let hint = request.login_hint.clone().unwrap_or_default();
    flow.login_form(&client, request, &hint, None)
}

async fn authenticate(flow: Flow<'_>, form: Option<FormParams>) -> Result<Step, SignInError> {
    let form = form.ok_or(SignInError::bad_request(UNREADABLE_FORM))?;
    let (pending, client) = flow.pending(&form).await?;
    let request = pending.request;
    if form.get("action") == Some("cancel") {
        let refusal = request.refuse(ErrorCode::AccessDenied, "the user cancelled the sign-in");
        return Ok(flow.answer(refusal.response(&flow.realm.issuer), Vec::new()));
    }
    let username = form.get("username").unwrap_or("").trim().to_owned();
    let password = SecretString::from(form.get("password").unwrap_or("").to_owned());
    if username.is_empty() {
        return flow.login_form(&client, request, "", Some("Enter your username.".to_owned()));
    }
    let s = flow.service;
    let attempt = PasswordLogin {
        realm: &flow.realm.realm,
        policy: &flow.policy,
        users: s.store,
        failures: s.store,
        verifier: s.passwords,
        audit: s.audit,
        client_id: &client.client_id,
        source_ip: flow.browser.source_ip,
        now: s.now,
    };
    let user = match attempt.attempt(&username, password).await? {
        Ok(user) => user,
        Err(LoginRefusal::Busy) => return Err(SignInError::Busy),
        Err(refusal) => {
            let message = match refusal {
                LoginRefusal::InvalidCredentials => "Invalid username or password.".to_owned(),
                LoginRefusal::LockedOut { until } => format!(
                    "Too many failed attempts. Your account is locked for now; try again in {} minutes.",
                    ((until - s.now).max(60) + 59) / 60
                ),
                LoginRefusal::Disabled | LoginRefusal::Busy => {
                    "Your account is disabled. Contact your administrator.".to_owned()
                }
            };
            return flow.login_form(&client, request, &username, Some(message));
        }
    };
    if user.must_update_password() {
        return flow.update_password_form(&client, request, &user, None);
    }
    let started = start_session::<SignInError>(s.store, &user, s.now).await?;
    let cookies = vec![CookieChange::SetSession(started.cookie)];
    flow.signed_in(&client, request, &started.session, &user, cookies).await
}

async fn consent(flow: Flow<'_>, form: Option<FormParams>) -> Result<Step, SignInError> {
    let form = form.ok_or(SignInError::bad_request(UNREADABLE_FORM))?;
    let (pending, client) = flow.pending(&form).await?;
    let request = pending.request;
    let Some((session, user)) = flow.current_session().await? else {
        return Err(SignInError::bad_request("Your session has ended. Go back to the application and sign in again."));
    };
    if form.get("action") != Some("accept") {
        let refusal = request.refuse(ErrorCode::AccessDenied, "the user did not consent");
        return Ok(flow.answer(refusal.response(&flow.realm.issuer), Vec::new()));
    }
    let store = flow.service.store;
    let realm_id = &flow.realm.realm.id;
    let earlier = store.find_consent(realm_id, &user.id, &client.client_id).await?;
    let scopes = merged_consent(earlier, &request);
    store.grant_consent(realm_id, &user.id, &client.client_id, &scopes, flow.now()).await?;
    flow.send_code(&request, &session, &user, Vec::new()).await
}
