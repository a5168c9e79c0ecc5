//! The authorization endpoint and the login and consent forms (RFC 6749 §4.1.1-4.1.2, OIDC Core
//! §3.1.2). Decisions are core's (`AuthorizationRequest::check`, `needs_consent`, `PasswordLogin`); this
//! module moves the browser between pages, cookies and redirects.

use std::sync::Arc;

use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use secrecy::SecretString;
use tessera_core::grant::user_tokens::new_identifier;
use tessera_core::model::RealmContext;
use tessera_core::model::{Client, SsoSession, User};
use tessera_core::ports::ClientDirectory;
use tessera_core::ports::StoreError;
use tessera_core::request::FormParams;
use tessera_core::secret::{random_token, token_hash};
use tessera_core::sign_in::SignInPolicy;
use tessera_core::sign_in::authorization::{
    AuthorizationRefusal, AuthorizationRequest, code_location, merged_consent, needs_consent,
};
use tessera_core::sign_in::login::{LoginRefusal, PasswordLogin};
use tessera_proto::ErrorCode;

use super::pages::{ConsentPage, LoginPage, error_page, redirect, render};
use super::{CSRF_COOKIE, PendingAuthorization, SESSION_COOKIE, cookie, csrf_ok, csrf_token, set_cookie};
use crate::http::extract::{OAuthForm, SourceIp};
use crate::routes::Endpoint;
use crate::state::AppState;

/// A response either way: pages end the flow as often as success does.
pub(super) type Page = Result<Response, Response>;

/// One browser request in a realm.
pub(super) struct Flow {
    pub(super) state: AppState,
    pub(super) realm: Arc<RealmContext>,
    policy: SignInPolicy,
    pub(super) headers: HeaderMap,
    pub(super) source_ip: Option<String>,
    pub(super) now: i64,
}

fn realm_name(realm: &RealmContext) -> &str {
    realm.realm.display_name.as_deref().unwrap_or(&realm.realm.name)
}

fn client_name(client: &Client) -> &str {
    client.name.as_deref().unwrap_or(&client.client_id)
}

impl Flow {
    pub(super) async fn new(
        state: AppState,
        name: &str,
        headers: HeaderMap,
        source_ip: Option<String>,
    ) -> Result<Self, Response> {
        let realm = match state.directory.realm(name).await {
            Ok(Some(realm)) => realm,
            Ok(None) => return Err(error_page(StatusCode::NOT_FOUND, "Tessera", "This sign-in address is not known.")),
            Err(e) => return Err(unavailable(&e)),
        };
        let now = state.clock.now();
        Ok(Self { policy: SignInPolicy::of(&realm.realm), state, realm, headers, source_ip, now })
    }

    pub(super) fn realm_name(&self) -> &str {
        realm_name(&self.realm)
    }

    pub(super) fn fail(&self, e: &StoreError) -> Response {
        tracing::error!(realm = %self.realm.realm.name, error = %e, "sign-in failed on storage");
        error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            self.realm_name(),
            "The service is temporarily unavailable. Try again in a moment.",
        )
    }

    pub(super) fn action(&self, endpoint: Endpoint) -> String {
        endpoint.route().replace("{realm}", &self.realm.realm.name)
    }

    pub(super) fn cookie(&self, name: &str, value: &str) -> String {
        set_cookie(name, value, &self.realm.realm.name, self.state.secure_cookies, None)
    }

    async fn client(&self, client_id: Option<&str>) -> Result<Option<Arc<Client>>, Response> {
        let Some(id) = client_id else {
            return Ok(None);
        };
        self.state.directory.client(&self.realm.realm.id, id).await.map_err(|e| self.fail(&e))
    }

    /// The browser's SSO session, when its cookie names a live one of an enabled user.
    pub(super) async fn current_session(&self) -> Result<Option<(SsoSession, User)>, Response> {
        let Some(value) = cookie(&self.headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let store = &self.state.store;
        let found = store.find_session_by_cookie(&self.realm.realm.id, &token_hash(value)).await;
        let Some(session) = found.map_err(|e| self.fail(&e))? else {
            return Ok(None);
        };
        if session.ended_at.is_some() || !self.policy.session_alive(self.now, session.auth_time, session.last_seen_at) {
            return Ok(None);
        }
        let user = store.find_user_by_id(&self.realm.realm.id, &session.user_id).await.map_err(|e| self.fail(&e))?;
        Ok(user.filter(|u| u.enabled).map(|u| (session, u)))
    }

    fn login_page(
        &self,
        client: &Client,
        request: AuthorizationRequest,
        username: &str,
        error: Option<&str>,
        status: StatusCode,
    ) -> Response {
        let (csrf, fresh) = csrf_token(&self.headers);
        let pending = PendingAuthorization::new(request, csrf.clone(), self.now);
        let Some(sealed) = pending.seal(&self.state.master, &self.realm.realm.id) else {
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, self.realm_name(), "The page could not be prepared.");
        };
        let action = self.action(Endpoint::LoginAuthenticate);
        let page = LoginPage {
            realm_name: self.realm_name(),
            client_name: client_name(client),
            action: &action,
            pending: &sealed,
            csrf: &csrf,
            username,
            error,
        };
        let cookies = if fresh { vec![self.cookie(CSRF_COOKIE, &csrf)] } else { Vec::new() };
        render(status, &page, &cookies)
    }

    /// Signed in: ask for consent when it is needed, otherwise send the code (RFC 6749 §4.1.2).
    async fn signed_in(
        &self,
        client: &Client,
        request: AuthorizationRequest,
        session: &SsoSession,
        user: &User,
        cookies: Vec<String>,
    ) -> Page {
        let store = &self.state.store;
        let consented =
            store.find_consent(&self.realm.realm.id, &user.id, &client.client_id).await.map_err(|e| self.fail(&e))?;
        if needs_consent(client, &request, consented.as_ref()) {
            if request.prompt.none {
                let refusal = request.refuse(ErrorCode::ConsentRequired, "the user has not consented");
                return Ok(redirect(&refusal.location(&self.realm.issuer), &cookies));
            }
            return Ok(self.consent_page(client, request, user, cookies));
        }
        self.send_code(&request, session, user, cookies).await
    }

    fn consent_page(
        &self,
        client: &Client,
        request: AuthorizationRequest,
        user: &User,
        mut cookies: Vec<String>,
    ) -> Response {
        let (csrf, fresh) = csrf_token(&self.headers);
        if fresh {
            cookies.push(self.cookie(CSRF_COOKIE, &csrf));
        }
        let scopes = request.scopes().iter().filter(|s| *s != "openid").map(|s| self.describe_scope(s)).collect();
        let pending = PendingAuthorization::new(request, csrf.clone(), self.now);
        let Some(sealed) = pending.seal(&self.state.master, &self.realm.realm.id) else {
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, self.realm_name(), "The page could not be prepared.");
        };
        let action = self.action(Endpoint::LoginConsent);
        let page = ConsentPage {
            realm_name: self.realm_name(),
            client_name: client_name(client),
            username: &user.username,
            scopes,
            action: &action,
            pending: &sealed,
            csrf: &csrf,
        };
        render(StatusCode::OK, &page, &cookies)
    }

    /// Keycloak's `consent.screen.text`, else the scope's description, else words for the standard scopes.
    fn describe_scope(&self, name: &str) -> String {
        let scope = self.realm.scopes.iter().find(|s| s.name == name);
        if let Some(text) = scope.and_then(|s| s.attributes.get("consent.screen.text")).filter(|t| !t.starts_with("${"))
        {
            return text.clone();
        }
        if let Some(d) = scope.and_then(|s| s.description.clone()) {
            return d;
        }
        match name {
            "profile" => "Your name and username".to_owned(),
            "email" => "Your email address".to_owned(),
            "offline_access" => "Access while you are signed out (offline access)".to_owned(),
            other => other.to_owned(),
        }
    }

    async fn send_code(
        &self,
        request: &AuthorizationRequest,
        session: &SsoSession,
        user: &User,
        cookies: Vec<String>,
    ) -> Page {
        let store = &self.state.store;
        let (code, record) = request
            .mint_code(&self.realm.realm.id, &user.id, &session.id, session.auth_time, self.now)
            .map_err(|_| error_page(StatusCode::INTERNAL_SERVER_ERROR, self.realm_name(), "No code could be made."))?;
        store.insert_code(&record).await.map_err(|e| self.fail(&e))?;
        store.touch_session(&session.id, self.now).await.map_err(|e| self.fail(&e))?;
        Ok(redirect(&code_location(request, &code, &self.realm.issuer), &cookies))
    }

    /// The pending request of a login or consent form, with its client, once the CSRF token checks out.
    async fn pending(&self, form: &FormParams) -> Result<(PendingAuthorization, Arc<Client>), Response> {
        let expired = "This sign-in page has expired. Go back to the application and start again.";
        let pending = form
            .get("pending")
            .and_then(|p| PendingAuthorization::open(p, &self.state.master, &self.realm.realm.id, self.now))
            .ok_or_else(|| error_page(StatusCode::BAD_REQUEST, self.realm_name(), expired))?;
        if !csrf_ok(&self.headers, form.get("csrf"), &pending.csrf) {
            return Err(error_page(
                StatusCode::FORBIDDEN,
                self.realm_name(),
                "The form could not be verified (its security token is missing or wrong). Reload the application and try again.",
            ));
        }
        // The client may have been disabled or changed while the page was open.
        let client = self.client(Some(&pending.request.client_id)).await?;
        let client = client
            .filter(|c| c.enabled)
            .filter(|c| {
                tessera_core::redirect_uri::redirect_uri_matches(&c.redirect_uris, &pending.request.redirect_uri)
            })
            .ok_or_else(|| {
                error_page(StatusCode::BAD_REQUEST, self.realm_name(), "The application is no longer available.")
            })?;
        Ok((pending, client))
    }
}

fn unavailable(e: &StoreError) -> Response {
    tracing::error!(error = %e, "sign-in failed on storage");
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Tessera",
        "The service is temporarily unavailable. Try again in a moment.",
    )
}

pub(super) fn params_from_query(query: Option<&str>) -> Option<FormParams> {
    let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    FormParams::new(pairs).ok()
}

pub(super) async fn form_params(request: Request, state: &AppState) -> Option<FormParams> {
    OAuthForm::from_request(request, state).await.ok().map(|OAuthForm(f)| f)
}

pub(super) fn settle(page: Page) -> Response {
    page.unwrap_or_else(|r| r)
}

/// `GET /auth`: parameters in the query (RFC 6749 §4.1.1).
pub async fn authorize_get(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = params_from_query(query.as_deref());
    settle(authorize(state, &realm, ip, headers, params).await)
}

/// `POST /auth`: parameters form-encoded in the body (OIDC Core §3.1.2.1).
pub async fn authorize_post(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let params = form_params(request, &state).await;
    settle(authorize(state, &realm, ip, headers, params).await)
}

async fn authorize(
    state: AppState,
    realm: &str,
    ip: Option<String>,
    headers: HeaderMap,
    params: Option<FormParams>,
) -> Page {
    let flow = Flow::new(state, realm, headers, ip).await?;
    let Some(params) = params else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            flow.realm_name(),
            "The request is malformed: a parameter is repeated or unreadable.",
        ));
    };
    let client = flow.client(params.get("client_id")).await?;
    let request = match AuthorizationRequest::check(&params, client.as_deref(), &flow.policy, &flow.realm.scopes) {
        Ok(r) => r,
        Err(AuthorizationRefusal::Page(message)) => {
            return Err(error_page(StatusCode::BAD_REQUEST, flow.realm_name(), &message));
        }
        Err(AuthorizationRefusal::Redirect(r)) => return Ok(redirect(&r.location(&flow.realm.issuer), &[])),
    };
    let Some(client) = client else {
        return Err(error_page(StatusCode::BAD_REQUEST, flow.realm_name(), "The application is not known."));
    };
    if let Some((session, user)) = flow.current_session().await?
        && !request.prompt.login
        && request.accepts_auth_time(session.auth_time, flow.now)
    {
        return flow.signed_in(&client, request, &session, &user, Vec::new()).await;
    }
    if request.prompt.none {
        let refusal = request.refuse(ErrorCode::LoginRequired, "the user is not signed in");
        return Ok(redirect(&refusal.location(&flow.realm.issuer), &[]));
    }
    let hint = request.login_hint.clone().unwrap_or_default();
    Ok(flow.login_page(&client, request, &hint, None, StatusCode::OK))
}

/// `POST /login-actions/authenticate`: the login form.
pub async fn authenticate(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let form = form_params(request, &state).await;
    settle(login(state, &realm, ip, headers, form).await)
}

async fn login(state: AppState, realm: &str, ip: Option<String>, headers: HeaderMap, form: Option<FormParams>) -> Page {
    let flow = Flow::new(state, realm, headers, ip).await?;
    let form =
        form.ok_or_else(|| error_page(StatusCode::BAD_REQUEST, flow.realm_name(), "The form could not be read."))?;
    let (pending, client) = flow.pending(&form).await?;
    let request = pending.request;
    if form.get("action") == Some("cancel") {
        let refusal = request.refuse(ErrorCode::AccessDenied, "the user cancelled the sign-in");
        return Ok(redirect(&refusal.location(&flow.realm.issuer), &[]));
    }
    let username = form.get("username").unwrap_or("").trim().to_owned();
    let password = SecretString::from(form.get("password").unwrap_or("").to_owned());
    if username.is_empty() {
        return Ok(flow.login_page(&client, request, "", Some("Enter your username."), StatusCode::OK));
    }
    let attempt = PasswordLogin {
        realm: &flow.realm.realm,
        policy: &flow.policy,
        users: flow.state.store.as_ref(),
        failures: flow.state.store.as_ref(),
        verifier: flow.state.passwords.as_ref(),
        audit: flow.state.audit.as_ref(),
        client_id: &client.client_id,
        source_ip: flow.source_ip.as_deref(),
        now: flow.now,
    };
    let user = match attempt.attempt(&username, password).await.map_err(|e| flow.fail(&e))? {
        Ok(user) => user,
        Err(refusal) => {
            let message = match refusal {
                LoginRefusal::InvalidCredentials => "Invalid username or password.".to_owned(),
                LoginRefusal::LockedOut { until } => format!(
                    "Too many failed attempts. Your account is locked for now; try again in {} minutes.",
                    ((until - flow.now).max(60) + 59) / 60
                ),
                LoginRefusal::Disabled => "Your account is disabled. Contact your administrator.".to_owned(),
            };
            return Ok(flow.login_page(&client, request, &username, Some(&message), StatusCode::OK));
        }
    };
    // A fresh session for every sign-in (session fixation, RFC 9700 §4.?: never reuse a pre-login id).
    let cookie_value = random_token(32)
        .map_err(|_| error_page(StatusCode::INTERNAL_SERVER_ERROR, flow.realm_name(), "No session could be made."))?;
    let session = SsoSession {
        id: new_identifier().map_err(|_| {
            error_page(StatusCode::INTERNAL_SERVER_ERROR, flow.realm_name(), "No session could be made.")
        })?,
        cookie_hash: token_hash(&cookie_value),
        realm_id: flow.realm.realm.id.clone(),
        user_id: user.id.clone(),
        auth_time: flow.now,
        last_seen_at: flow.now,
        ended_at: None,
    };
    flow.state.store.create_session(&session).await.map_err(|e| flow.fail(&e))?;
    let cookies = vec![flow.cookie(SESSION_COOKIE, &cookie_value)];
    flow.signed_in(&client, request, &session, &user, cookies).await
}

/// `POST /login-actions/consent`: the consent form.
pub async fn consent(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    SourceIp(ip): SourceIp,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let form = form_params(request, &state).await;
    settle(consent_answer(state, &realm, ip, headers, form).await)
}

async fn consent_answer(
    state: AppState,
    realm: &str,
    ip: Option<String>,
    headers: HeaderMap,
    form: Option<FormParams>,
) -> Page {
    let flow = Flow::new(state, realm, headers, ip).await?;
    let form =
        form.ok_or_else(|| error_page(StatusCode::BAD_REQUEST, flow.realm_name(), "The form could not be read."))?;
    let (pending, client) = flow.pending(&form).await?;
    let request = pending.request;
    let Some((session, user)) = flow.current_session().await? else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            flow.realm_name(),
            "Your session has ended. Go back to the application and sign in again.",
        ));
    };
    if form.get("action") != Some("accept") {
        let refusal = request.refuse(ErrorCode::AccessDenied, "the user did not consent");
        return Ok(redirect(&refusal.location(&flow.realm.issuer), &[]));
    }
    let store = &flow.state.store;
    let earlier =
        store.find_consent(&flow.realm.realm.id, &user.id, &client.client_id).await.map_err(|e| flow.fail(&e))?;
    let scopes = merged_consent(earlier, &request);
    store
        .grant_consent(&flow.realm.realm.id, &user.id, &client.client_id, &scopes, flow.now)
        .await
        .map_err(|e| flow.fail(&e))?;
    flow.send_code(&request, &session, &user, Vec::new()).await
}
