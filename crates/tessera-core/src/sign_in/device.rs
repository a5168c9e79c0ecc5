//! RFC 8628 §3.3: the verification page. The user types the code the device shows (or follows
//! `verification_uri_complete`), signs in (or is already signed in), and allows or denies the device on a
//! page that repeats the code (§5.4: remote phishing). Wrong codes are counted per source address with the
//! login lockout's window and threshold (§5.1: the code's entropy holds only while guesses are bounded).
//! The request travels between the pages sealed, as the login pages' does (see [`super::pending`]).

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::device::{device_grant_enabled, normalize_user_code, user_code_hash};
use crate::model::{Client, DeviceStatus, SsoSession, User};
use crate::request::FormParams;
use crate::secret::MasterKey;
use crate::sign_in::login::{LoginRefusal, PasswordLogin};
use crate::sign_in::pending::{csrf_ok, csrf_token};
use crate::sign_in::service::{Browser, Flow, SignIn, client_name};
use crate::sign_in::session::start_session;
use crate::sign_in::step::{CookieChange, DeviceCodeForm, DeviceConsentForm, LoginForm, SignInError, Step, View};

/// A device grant waiting for the user, sealed into the login and consent forms of the device flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingDevice {
    user_code_hash: String,
    /// As shown on the device.
    user_code: String,
    client_id: String,
    csrf: String,
    expires_at: i64,
    /// Set once the user signed in: the consent must come from the same user.
    user_id: Option<String>,
}

fn pending_aad(realm_id: &str) -> String {
    format!("tessera-pending-device:{realm_id}")
}

impl PendingDevice {
    fn seal(&self, master: &MasterKey, realm_id: &str) -> Result<String, SignInError> {
        let json = serde_json::to_vec(self).map_err(|e| SignInError::Internal(e.to_string()))?;
        Ok(master.seal(&json, &pending_aad(realm_id))?)
    }

    fn open(sealed: &str, master: &MasterKey, realm_id: &str, now: i64) -> Option<Self> {
        let json = master.open(sealed, &pending_aad(realm_id)).ok()?;
        let pending: Self = serde_json::from_slice(&json).ok()?;
        (now < pending.expires_at).then_some(pending)
    }
}

const EXPIRED: &str = "This code has expired or was already used. Start again on your device.";
const WRONG_CODE: &str = "That code is not valid or has expired. Check the code on your device and try again.";

impl SignIn<'_> {
    /// `GET|POST /realms/{realm}/device`: the code form, or the code (from the form or from
    /// `verification_uri_complete`'s `user_code`).
    pub async fn device(&self, realm: &str, params: Option<FormParams>, posted: bool, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| enter_code(flow, params, posted)).await
    }

    /// `POST /realms/{realm}/device/login`: the device flow's login form.
    pub async fn device_login(&self, realm: &str, form: Option<FormParams>, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| login(flow, form)).await
    }

    /// `POST /realms/{realm}/device/consent`: allow or deny the device.
    pub async fn device_consent(&self, realm: &str, form: Option<FormParams>, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| consent(flow, form)).await
    }
}

impl Flow<'_> {
    fn device_code_form(&self, user_code: &str, error: Option<String>) -> Result<Step, SignInError> {
        let mut cookies = Vec::new();
        let csrf = csrf_token(self.browser.csrf_cookie, &mut cookies)?;
        let form = DeviceCodeForm { csrf, user_code: user_code.chars().take(32).collect(), error };
        Ok(self.step(View::DeviceCode(form), cookies))
    }

    fn device_login_form(
        &self,
        client: &Client,
        mut pending: PendingDevice,
        username: &str,
        error: Option<String>,
    ) -> Result<Step, SignInError> {
        let mut cookies = Vec::new();
        pending.csrf = csrf_token(self.browser.csrf_cookie, &mut cookies)?;
        pending.user_id = None;
        let form = LoginForm {
            client_name: client_name(client),
            pending: pending.seal(self.service.master, &self.realm.realm.id)?,
            csrf: pending.csrf,
            username: username.to_owned(),
            error,
        };
        Ok(self.step(View::DeviceLogin(form), cookies))
    }

    fn device_consent_form(
        &self,
        client: &Client,
        scope: &tessera_proto::ScopeSet,
        mut pending: PendingDevice,
        user: &User,
        mut cookies: Vec<CookieChange>,
    ) -> Result<Step, SignInError> {
        pending.csrf = csrf_token(self.browser.csrf_cookie, &mut cookies)?;
        pending.user_id = Some(user.id.clone());
        let scopes = scope.iter().filter(|s| *s != crate::scope::OPENID).map(|s| self.describe_scope(s)).collect();
        let form = DeviceConsentForm {
            client_name: client_name(client),
            username: user.username.clone(),
            user_code: pending.user_code.clone(),
            scopes,
            pending: pending.seal(self.service.master, &self.realm.realm.id)?,
            csrf: pending.csrf,
        };
        Ok(self.step(View::DeviceConsent(form), cookies))
    }

    /// The address's wrong-code count, or the lockout's end when it is over the threshold.
    fn address_key(&self) -> String {
        format!("device-code:{}", self.browser.source_ip.unwrap_or("unknown"))
    }

    async fn locked_until(&self) -> Result<Option<i64>, SignInError> {
        let failures = self.service.store.login_failures(&self.realm.realm.id, &self.address_key()).await?;
        Ok(failures.and_then(|f| {
            let until = f.window_start + self.policy.lockout_window;
            (f.failures >= self.policy.address_failures && self.now() < until).then_some(until)
        }))
    }

    async fn wrong_code(&self, typed: &str) -> Result<Step, SignInError> {
        let store = self.service.store;
        store
            .record_login_failure(&self.realm.realm.id, &self.address_key(), self.now(), self.policy.lockout_window)
            .await?;
        self.device_code_form(typed, Some(WRONG_CODE.to_owned()))
    }

    /// The client of a pending device grant, while it may still use the grant.
    async fn device_client(&self, client_id: &str) -> Result<std::sync::Arc<Client>, SignInError> {
        let client = self.client(Some(client_id)).await?;
        client
            .filter(|c| c.enabled && device_grant_enabled(c))
            .ok_or(SignInError::bad_request("The device's application is no longer available."))
    }

    /// The pending grant of a login or consent form, once the form's CSRF token checks out.
    fn open_pending(&self, form: &FormParams) -> Result<PendingDevice, SignInError> {
        let pending = form
            .get("pending")
            .and_then(|p| PendingDevice::open(p, self.service.master, &self.realm.realm.id, self.now()))
            .ok_or(SignInError::bad_request(EXPIRED))?;
        if !csrf_ok(self.browser.csrf_cookie, form.get("csrf"), &pending.csrf) {
            return Err(SignInError::Forgery);
        }
        Ok(pending)
    }

    async fn answer_device(&self, pending: &PendingDevice, decision: DeviceStatus) -> Result<Step, SignInError> {
        let approved = matches!(decision, DeviceStatus::Approved { .. });
        let store = self.service.store;
        if !store.decide_device_grant(&self.realm.realm.id, &pending.user_code_hash, &decision, self.now()).await? {
            return Err(SignInError::bad_request(EXPIRED));
        }
        Ok(self.step(View::DeviceDone { approved }, Vec::new()))
    }
}

async fn enter_code(flow: Flow<'_>, params: Option<FormParams>, posted: bool) -> Result<Step, SignInError> {
    let params = params.ok_or(SignInError::bad_request("The form could not be read."))?;
    let Some(typed) = params.get("user_code").map(str::to_owned) else {
        return flow.device_code_form("", None);
    };
    // A posted code comes from our form (CSRF); a code in a link (§3.3.1) only fills the pages that follow,
    // where every answer is a posted form.
    if posted {
        let cookie = flow.browser.csrf_cookie;
        if !csrf_ok(cookie, params.get("csrf"), cookie.unwrap_or("")) {
            return Err(SignInError::Forgery);
        }
    }
    if let Some(until) = flow.locked_until().await? {
        let minutes = ((until - flow.now()).max(60) + 59) / 60;
        let message = format!("Too many wrong codes from your network. Try again in {minutes} minutes.");
        return flow.device_code_form(&typed, Some(message));
    }
    let Some(normalized) = normalize_user_code(&typed) else {
        return flow.wrong_code(&typed).await;
    };
    let hash = user_code_hash(&normalized);
    let store = flow.service.store;
    let grant = store.find_device_grant_by_user_code(&flow.realm.realm.id, &hash).await?;
    let Some(grant) = grant.filter(|g| g.status == DeviceStatus::Pending && g.expires_at > flow.now()) else {
        return flow.wrong_code(&typed).await;
    };
    let client = flow.device_client(&grant.client_id).await?;
    let pending = PendingDevice {
        user_code_hash: hash,
        user_code: format!("{}-{}", &normalized[..4], &normalized[4..]),
        client_id: grant.client_id.clone(),
        csrf: String::new(),
        expires_at: grant.expires_at,
        user_id: None,
    };
    match flow.current_session().await? {
        Some((_, user)) => flow.device_consent_form(&client, &grant.scope, pending, &user, Vec::new()),
        None => flow.device_login_form(&client, pending, "", None),
    }
}

async fn login(flow: Flow<'_>, form: Option<FormParams>) -> Result<Step, SignInError> {
    let form = form.ok_or(SignInError::bad_request("The form could not be read."))?;
    let pending = flow.open_pending(&form)?;
    let client = flow.device_client(&pending.client_id).await?;
    if form.get("action") == Some("cancel") {
        return flow.answer_device(&pending, DeviceStatus::Denied).await;
    }
    let username = form.get("username").unwrap_or("").trim().to_owned();
    if username.is_empty() {
        return flow.device_login_form(&client, pending, "", Some("Enter your username.".to_owned()));
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
    let password = SecretString::from(form.get("password").unwrap_or("").to_owned());
    let user = match attempt.attempt(&username, password).await? {
        Ok(user) => user,
        Err(LoginRefusal::Busy) => return Err(SignInError::Busy),
        Err(LoginRefusal::LockedOut { .. }) => {
            let message = "Too many failed attempts. Your account is locked for now; try again later.".to_owned();
            return flow.device_login_form(&client, pending, &username, Some(message));
        }
        Err(LoginRefusal::InvalidCredentials | LoginRefusal::Disabled) => {
            let message = "Invalid username or password.".to_owned();
            return flow.device_login_form(&client, pending, &username, Some(message));
        }
    };
    if user.must_update_password() {
        return Err(SignInError::bad_request(
            "Your account needs a new password. Sign in to an application in this browser first, then enter the code again.",
        ));
    }
    let grant = s.store.find_device_grant_by_user_code(&flow.realm.realm.id, &pending.user_code_hash).await?;
    let grant = grant.filter(|g| g.status == DeviceStatus::Pending).ok_or(SignInError::bad_request(EXPIRED))?;
    let started = start_session::<SignInError>(s.store, &user, s.now).await?;
    let cookies = vec![CookieChange::SetSession(started.cookie)];
    flow.device_consent_form(&client, &grant.scope, pending, &user, cookies)
}

async fn consent(flow: Flow<'_>, form: Option<FormParams>) -> Result<Step, SignInError> {
    let form = form.ok_or(SignInError::bad_request("The form could not be read."))?;
    let pending = flow.open_pending(&form)?;
    let session: Option<(SsoSession, User)> = flow.current_session().await?;
    // The answer must come from the user who was shown the page, still signed in.
    let Some((session, user)) = session.filter(|(_, u)| pending.user_id.as_deref() == Some(u.id.as_str())) else {
        return Err(SignInError::bad_request("Your session has ended. Enter the code from your device again."));
    };
    if form.get("action") != Some("accept") {
        return flow.answer_device(&pending, DeviceStatus::Denied).await;
    }
    flow.device_client(&pending.client_id).await?;
    flow.answer_device(&pending, DeviceStatus::Approved { user_id: user.id, auth_time: session.auth_time }).await
}
