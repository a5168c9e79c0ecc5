//! The sign-in service: one entry per browser step (authorize, authenticate, consent, logout; see
//! [`super::steps`] and [`super::logout`]), each returning a [`Step`] for the server to render. A request
//! travels server → core → server once.

use std::sync::Arc;

use crate::model::{Client, RealmContext, RealmName, SsoSession, User};
use crate::ports::{AuditSink, ClientDirectory, PasswordVerifier, RealmDirectory, Revocations, Store};
use crate::request::FormParams;
use crate::secret::MasterKey;
use crate::sign_in::SignInPolicy;
use crate::sign_in::authorization::{AuthorizationRequest, AuthorizationResponse, ResponseMode, code_response};
use crate::sign_in::pending::{PendingAuthorization, csrf_ok, csrf_token};
use crate::sign_in::session::live_session;
use crate::sign_in::step::{ConsentForm, CookieChange, FormPost, LoginForm, SignInError, Step, View};

/// What the sign-in steps depend on, built by the server per request.
pub struct SignIn<'a> {
    pub realms: &'a dyn RealmDirectory,
    pub clients: &'a dyn ClientDirectory,
    pub store: &'a dyn Store,
    pub revocations: &'a dyn Revocations,
    pub audit: &'a dyn AuditSink,
    /// Back-Channel Logout 1.0: where Logout Tokens go when a session ends.
    pub deliveries: &'a dyn crate::backchannel_logout::LogoutDeliveries,
    pub passwords: &'a dyn PasswordVerifier,
    /// Seals the pending request into the forms.
    pub master: &'a MasterKey,
    pub now: i64,
    /// The authorization endpoint's rate limits, and the time they count in.
    pub limiter: &'a dyn crate::rate_limit::RateLimiter,
    pub now_ms: i64,
}

/// What the browser brought besides the parameters: its cookies (as the server read them) and address.
#[derive(Debug, Clone, Copy, Default)]
pub struct Browser<'a> {
    pub session_cookie: Option<&'a str>,
    pub csrf_cookie: Option<&'a str>,
    pub source_ip: Option<&'a str>,
}

/// The page heading when the realm is not known.
const UNKNOWN_REALM_NAME: &str = "Tessera";

impl SignIn<'_> {
    /// Runs one step in the realm called `realm`; any failure becomes an error page.
    pub(super) async fn in_realm<'s, F, Fut>(&'s self, realm: &str, browser: Browser<'s>, step: F) -> Step
    where
        F: FnOnce(Flow<'s>) -> Fut,
        Fut: Future<Output = Result<Step, SignInError>>,
    {
        let Some(realm) = RealmName::parse(realm) else {
            return error_step(UNKNOWN_REALM_NAME, SignInError::UnknownRealm);
        };
        let realm = match self.realms.realm(&realm).await {
            Ok(Some(realm)) => realm,
            Ok(None) => return error_step(UNKNOWN_REALM_NAME, SignInError::UnknownRealm),
            Err(e) => return error_step(UNKNOWN_REALM_NAME, e.into()),
        };
        let name = display_name(&realm).to_owned();
        let flow = Flow { service: self, policy: SignInPolicy::of(&realm.realm), realm, browser };
        step(flow).await.unwrap_or_else(|e| error_step(&name, e))
    }
}

fn error_step(realm_name: &str, error: SignInError) -> Step {
    Step { realm_name: realm_name.to_owned(), view: View::Error(error), cookies: Vec::new() }
}

fn display_name(realm: &RealmContext) -> &str {
    realm.realm.display_name.as_deref().unwrap_or(&realm.realm.name)
}

pub(super) fn client_name(client: &Client) -> String {
    client.name.clone().unwrap_or_else(|| client.client_id.clone())
}

/// One browser request in a known realm.
pub(super) struct Flow<'a> {
    pub(super) service: &'a SignIn<'a>,
    pub(super) realm: Arc<RealmContext>,
    pub(super) policy: SignInPolicy,
    pub(super) browser: Browser<'a>,
}

impl Flow<'_> {
    pub(super) fn now(&self) -> i64 {
        self.service.now
    }

    pub(super) fn step(&self, view: View, cookies: Vec<CookieChange>) -> Step {
        Step { realm_name: display_name(&self.realm).to_owned(), view, cookies }
    }

    pub(super) fn redirect(&self, location: String, cookies: Vec<CookieChange>) -> Step {
        self.step(View::Redirect(location), cookies)
    }

    /// An authorization response to the client, in its mode: a redirect, or a page that posts a form.
    pub(super) fn answer(&self, response: AuthorizationResponse, cookies: Vec<CookieChange>) -> Step {
        match response.mode {
            ResponseMode::FormPost => {
                let form = FormPost { action: response.redirect_uri, fields: response.params };
                self.step(View::FormPost(form), cookies)
            }
            ResponseMode::Query | ResponseMode::Fragment => self.redirect(response.location(), cookies),
        }
    }

    pub(super) async fn client(&self, client_id: Option<&str>) -> Result<Option<Arc<Client>>, SignInError> {
        let Some(id) = client_id else {
            return Ok(None);
        };
        Ok(self.service.clients.client(&self.realm.realm.id, id).await?)
    }

    /// The browser's SSO session, when its cookie names a live one of an enabled user.
    pub(super) async fn current_session(&self) -> Result<Option<(SsoSession, User)>, SignInError> {
        let s = self.service;
        Ok(live_session(s.store, &self.realm, &self.policy, self.browser.session_cookie, s.now).await?)
    }

    pub(super) fn login_form(
        &self,
        client: &Client,
        request: AuthorizationRequest,
        username: &str,
        error: Option<String>,
    ) -> Result<Step, SignInError> {
        let mut cookies = Vec::new();
        let csrf = csrf_token(self.browser.csrf_cookie, &mut cookies)?;
        let pending = PendingAuthorization::new(request, csrf.clone(), self.now())
            .seal(self.service.master, &self.realm.realm.id)?;
        let form = LoginForm { client_name: client_name(client), pending, csrf, username: username.to_owned(), error };
        Ok(self.step(View::Login(form), cookies))
    }

    /// Signed in: ask for consent when it is needed, otherwise send the code (RFC 6749 §4.1.2).
    pub(super) async fn signed_in(
        &self,
        client: &Client,
        request: AuthorizationRequest,
        session: &SsoSession,
        user: &User,
        cookies: Vec<CookieChange>,
    ) -> Result<Step, SignInError> {
        let store = self.service.store;
        let consented = store.find_consent(&self.realm.realm.id, &user.id, &client.client_id).await?;
        if super::authorization::needs_consent(client, &request, consented.as_ref()) {
            if request.prompt.none {
                let refusal = request.refuse(tessera_proto::ErrorCode::ConsentRequired, "the user has not consented");
                return Ok(self.answer(refusal.response(&self.realm.issuer), cookies));
            }
            return self.consent_form(client, request, user, cookies);
        }
        self.send_code(&request, session, user, cookies).await
    }

    fn consent_form(
        &self,
        client: &Client,
        request: AuthorizationRequest,
        user: &User,
        mut cookies: Vec<CookieChange>,
    ) -> Result<Step, SignInError> {
        let csrf = csrf_token(self.browser.csrf_cookie, &mut cookies)?;
        let scopes =
            request.scope.iter().filter(|s| *s != crate::scope::OPENID).map(|s| self.describe_scope(s)).collect();
        let pending = PendingAuthorization::new(request, csrf.clone(), self.now())
            .seal(self.service.master, &self.realm.realm.id)?;
        let form =
            ConsentForm { client_name: client_name(client), username: user.username.clone(), scopes, pending, csrf };
        Ok(self.step(View::Consent(form), cookies))
    }

    /// Keycloak's `consent.screen.text`, else the scope's description, else words for the standard scopes.
    pub(super) fn describe_scope(&self, name: &str) -> String {
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

    /// Mints the code, keeps the session alive and sends the browser back to the client.
    pub(super) async fn send_code(
        &self,
        request: &AuthorizationRequest,
        session: &SsoSession,
        user: &User,
        cookies: Vec<CookieChange>,
    ) -> Result<Step, SignInError> {
        let store = self.service.store;
        let (code, record) =
            request.mint_code(&self.realm.realm.id, &user.id, &session.id, session.auth_time, self.now())?;
        store.insert_code(&record).await?;
        store.touch_session(&session.id, self.now()).await?;
        Ok(self.answer(code_response(request, &code, &self.realm.issuer), cookies))
    }

    /// The pending request of a login or consent form, with its client, once the CSRF token checks out.
    pub(super) async fn pending(&self, form: &FormParams) -> Result<(PendingAuthorization, Arc<Client>), SignInError> {
        let expired = "This sign-in page has expired. Go back to the application and start again.";
        let pending = form
            .get("pending")
            .and_then(|p| PendingAuthorization::open(p, self.service.master, &self.realm.realm.id, self.now()))
            .ok_or(SignInError::bad_request(expired))?;
        if !csrf_ok(self.browser.csrf_cookie, form.get("csrf"), &pending.csrf) {
            return Err(SignInError::Forgery);
        }
        // The client may have been disabled or changed while the page was open.
        let client = self.client(Some(&pending.request.client_id)).await?;
        let client = client
            .filter(|c| c.enabled)
            .filter(|c| pending.request.redirect_uri.is_registered_in(&c.redirect_uris))
            .ok_or(SignInError::bad_request("The application is no longer available."))?;
        Ok((pending, client))
    }
}
