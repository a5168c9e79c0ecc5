//! The pages people see: login, consent, logout and errors (server-rendered with askama, no JavaScript).
//! Handlers here are adapters like the others: the rules live in `tessera_core::sign_in`.
//!
//! CSRF (RFC 9700 §4.7.1 for the redirect, OWASP's synchronizer token for the forms): each form carries
//! a random token that must equal the `HttpOnly` cookie set with the page and the token sealed into the
//! pending request. A pending authorization request travels in the form sealed under the master key (AES-GCM,
//! bound to the realm), so any node can take the next step without a server-side record.

pub mod authorize;
pub mod logout;
pub mod pages;

use async_trait::async_trait;
use axum::http::{HeaderMap, header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tessera_core::password::verify_password;
use tessera_core::ports::PasswordVerifier;
use tessera_core::secret::{MasterKey, random_token};
use tessera_core::sign_in::authorization::AuthorizationRequest;

/// Argon2id off the async workers: ~26 ms of CPU each (STACK.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingArgon2;

#[async_trait]
impl PasswordVerifier for BlockingArgon2 {
    async fn verify(&self, password: SecretString, phc: String) -> bool {
        tokio::task::spawn_blocking(move || verify_password(password.expose_secret(), &phc)).await.unwrap_or(false)
    }
}

pub const SESSION_COOKIE: &str = "TESSERA_SESSION";
pub const CSRF_COOKIE: &str = "TESSERA_CSRF";

/// How long a login page stays usable.
const PENDING_LIFETIME: i64 = 30 * 60;

/// An authorization request waiting for the user, with the CSRF token its form must return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub request: AuthorizationRequest,
    pub csrf: String,
    pub expires_at: i64,
}

fn pending_aad(realm_id: &str) -> String {
    format!("tessera-pending-authorization:{realm_id}")
}

impl PendingAuthorization {
    pub fn new(request: AuthorizationRequest, csrf: String, now: i64) -> Self {
        Self { request, csrf, expires_at: now + PENDING_LIFETIME }
    }

    pub fn seal(&self, master: &MasterKey, realm_id: &str) -> Option<String> {
        let json = serde_json::to_vec(self).ok()?;
        master.seal(&json, &pending_aad(realm_id)).ok()
    }

    /// `None` for anything forged, from another realm, or expired.
    pub fn open(sealed: &str, master: &MasterKey, realm_id: &str, now: i64) -> Option<Self> {
        let json = master.open(sealed, &pending_aad(realm_id)).ok()?;
        let pending: Self = serde_json::from_slice(&json).ok()?;
        (now < pending.expires_at).then_some(pending)
    }
}

/// The value of one cookie of the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// `Set-Cookie` for one of our cookies, scoped to the realm's path.
pub fn set_cookie(name: &str, value: &str, realm: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut cookie = format!("{name}={value}; Path=/realms/{realm}/; HttpOnly; SameSite=Lax");
    if secure {
        cookie.push_str("; Secure");
    }
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    cookie
}

/// The CSRF token of this browser: the existing cookie, or a new one (returned with its `Set-Cookie`).
pub fn csrf_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, CSRF_COOKIE) {
        Some(existing) => (existing.to_owned(), false),
        None => (random_token(32).unwrap_or_default(), true),
    }
}

/// The form's token equals the cookie's and the one sealed with the request, compared in constant time.
pub fn csrf_ok(headers: &HeaderMap, form_token: Option<&str>, sealed_token: &str) -> bool {
    let (Some(cookie), Some(form)) = (cookie(headers, CSRF_COOKIE), form_token) else {
        return false;
    };
    !sealed_token.is_empty()
        && bool::from(cookie.as_bytes().ct_eq(form.as_bytes()))
        && bool::from(form.as_bytes().ct_eq(sealed_token.as_bytes()))
}
