//! A pending authorization request and the CSRF token of the forms that carry it.
//!
//! CSRF (RFC 9700 §4.7.1 for the redirect, OWASP's synchronizer token for the forms): each form carries
//! a random token that must equal the `HttpOnly` cookie set with the page and the token sealed into the
//! pending request. The pending request travels in the form sealed under the master key (AES-GCM, bound to
//! the realm), so any node can take the next step without a server-side record.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::secret::{MasterKey, SecretError, random_token};
use crate::sign_in::authorization::AuthorizationRequest;
use crate::sign_in::step::{CookieChange, SignInError};

/// How long a login page stays usable.
const PENDING_LIFETIME: i64 = 30 * 60;

/// An authorization request waiting for the user, with the CSRF token its form must return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub request: AuthorizationRequest,
    pub csrf: String,
    pub expires_at: i64,
    /// Set once the user's password was verified but a required action (a new password) is still due:
    /// the user's id, so the next form need not ask for the old password again.
    #[serde(default)]
    pub verified_user: Option<String>,
}

fn pending_aad(realm_id: &str) -> String {
    format!("tessera-pending-authorization:{realm_id}")
}

impl PendingAuthorization {
    pub fn new(request: AuthorizationRequest, csrf: String, now: i64) -> Self {
        Self { request, csrf, expires_at: now + PENDING_LIFETIME, verified_user: None }
    }

    pub fn seal(&self, master: &MasterKey, realm_id: &str) -> Result<String, SignInError> {
        let json = serde_json::to_vec(self).map_err(|e| SignInError::Internal(e.to_string()))?;
        Ok(master.seal(&json, &pending_aad(realm_id))?)
    }

    /// `None` for anything forged, from another realm, or expired.
    pub fn open(sealed: &str, master: &MasterKey, realm_id: &str, now: i64) -> Option<Self> {
        let json = master.open(sealed, &pending_aad(realm_id)).ok()?;
        let pending: Self = serde_json::from_slice(&json).ok()?;
        (now < pending.expires_at).then_some(pending)
    }
}

/// The browser's CSRF token: the cookie's, or a new one to set with the page.
pub fn csrf_token(cookie: Option<&str>, cookies: &mut Vec<CookieChange>) -> Result<String, SecretError> {
    match cookie {
        Some(existing) => Ok(existing.to_owned()),
        None => {
            let fresh = random_token(32)?;
            cookies.push(CookieChange::SetCsrf(fresh.clone()));
            Ok(fresh)
        }
    }
}

/// The form's token equals the cookie's and the one sealed with the request, compared in constant time.
pub fn csrf_ok(cookie: Option<&str>, form_token: Option<&str>, sealed_token: &str) -> bool {
    let (Some(cookie), Some(form)) = (cookie, form_token) else {
        return false;
    };
    !sealed_token.is_empty()
        && bool::from(cookie.as_bytes().ct_eq(form.as_bytes()))
        && bool::from(form.as_bytes().ct_eq(sealed_token.as_bytes()))
}
