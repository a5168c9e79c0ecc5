//! Keycloak's required actions at sign-in: a user with a temporary password (`UPDATE_PASSWORD`) has the
//! password checked as usual, then must choose a new one before the sign-in goes on to consent or the
//! code. The verified user travels in the sealed pending request, so the old password is not asked again.

use secrecy::SecretString;
use tessera_proto::ErrorCode;

use crate::audit::{AuditEvent, AuditKind};
use crate::model::{Client, User};
use crate::request::FormParams;
use crate::sign_in::authorization::AuthorizationRequest;
use crate::sign_in::pending::{PendingAuthorization, csrf_token};
use crate::sign_in::service::{Browser, Flow, SignIn};
use crate::sign_in::session::start_session;
use crate::sign_in::step::{CookieChange, SignInError, Step, UpdatePasswordForm, View};

/// NIST SP 800-63B §5.1.1.2: at least 8 characters for a password the user chooses.
const MIN_PASSWORD_CHARS: usize = 8;

impl SignIn<'_> {
    /// The new-password form.
    pub async fn update_password(&self, realm: &str, form: Option<FormParams>, browser: Browser<'_>) -> Step {
        self.in_realm(realm, browser, |flow| update_password(flow, form)).await
    }
}

impl Flow<'_> {
    /// Asks `user`, whose password was just verified, for a new one.
    pub(super) fn update_password_form(
        &self,
        client: &Client,
        request: AuthorizationRequest,
        user: &User,
        error: Option<&str>,
    ) -> Result<Step, SignInError> {
        let mut cookies = Vec::new();
        let csrf = csrf_token(self.browser.csrf_cookie, &mut cookies)?;
        let mut pending = PendingAuthorization::new(request, csrf.clone(), self.now());
        pending.verified_user = Some(user.id.clone());
        let form = UpdatePasswordForm {
            client_name: client.name.clone().unwrap_or_else(|| client.client_id.clone()),
            username: user.username.clone(),
            pending: pending.seal(self.service.master, &self.realm.realm.id)?,
            csrf,
            error: error.map(str::to_owned),
        };
        Ok(self.step(View::UpdatePassword(form), cookies))
    }
}

async fn update_password(flow: Flow<'_>, form: Option<FormParams>) -> Result<Step, SignInError> {
    let form = form.ok_or(SignInError::bad_request("The form could not be read."))?;
    let (pending, client) = flow.pending(&form).await?;
    let request = pending.request;
    let s = flow.service;
    let expired = "This page has expired. Go back to the application and sign in again.";
    let user_id = pending.verified_user.ok_or(SignInError::bad_request(expired))?;
    let user = s.store.find_user_by_id(&flow.realm.realm.id, &user_id).await?;
    let user = user.filter(|u| u.enabled && u.must_update_password()).ok_or(SignInError::bad_request(expired))?;
    if form.get("action") == Some("cancel") {
        let refusal = request.refuse(ErrorCode::AccessDenied, "the user cancelled the sign-in");
        return Ok(flow.answer(refusal.response(&flow.realm.issuer), Vec::new()));
    }
    let new = form.get("password-new").unwrap_or("");
    let problem = if new.chars().count() < MIN_PASSWORD_CHARS {
        Some("Choose a password of at least 8 characters.")
    } else if form.get("password-confirm") != Some(new) {
        Some("The two passwords do not match.")
    } else {
        None
    };
    if let Some(problem) = problem {
        return flow.update_password_form(&client, request, &user, Some(problem));
    }
    let new = SecretString::from(new.to_owned());
    // The temporary password may not come back as the new one.
    if let Some(old) = user.password_hash.clone() {
        let same = s.passwords.verify(new.clone(), old).await.map_err(|_| SignInError::Busy)?;
        if same {
            let again = Some("Choose a password other than the temporary one.");
            return flow.update_password_form(&client, request, &user, again);
        }
    }
    let hash = match s.passwords.hash(new).await {
        Ok(Some(hash)) => hash,
        Ok(None) => return Err(SignInError::Internal("the new password could not be hashed".to_owned())),
        Err(_) => return Err(SignInError::Busy),
    };
    if !s.store.complete_password_update(&flow.realm.realm.id, &user.id, &hash).await? {
        return Err(SignInError::bad_request(expired));
    }
    s.audit.record(
        AuditEvent::new(s.now, &flow.realm.realm.name, AuditKind::PasswordUpdated)
            .client(&client.client_id)
            .subject(&user.username)
            .source(flow.browser.source_ip),
    );
    let started = start_session::<SignInError>(s.store, &user, s.now).await?;
    let cookies = vec![CookieChange::SetSession(started.cookie)];
    flow.signed_in(&client, request, &started.session, &user, cookies).await
}
