//! Our two browser cookies, read and written through the `cookie` crate: the SSO session and the CSRF
//! token, both `HttpOnly`, `SameSite=Lax` and scoped to the realm's path.

use axum::http::{HeaderMap, header};
use cookie::{Cookie, SameSite};
use tessera_core::sign_in::CookieChange;

pub const SESSION_COOKIE: &str = "TESSERA_SESSION";
pub const CSRF_COOKIE: &str = "TESSERA_CSRF";

/// Our values are 32 random bytes in base64url (43 characters); anything much longer is not ours.
const MAX_VALUE_LEN: usize = 128;

/// The values of our cookies in a request.
#[derive(Debug, Default)]
pub struct BrowserCookies {
    session: Option<String>,
    csrf: Option<String>,
}

impl BrowserCookies {
    pub fn read(headers: &HeaderMap) -> Self {
        let mut found = Self::default();
        let pairs = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
        for cookie in pairs.flat_map(Cookie::split_parse).filter_map(Result::ok) {
            let value = cookie.value();
            if value.is_empty() || value.len() > MAX_VALUE_LEN {
                continue;
            }
            let slot = match cookie.name() {
                SESSION_COOKIE => &mut found.session,
                CSRF_COOKIE => &mut found.csrf,
                _ => continue,
            };
            // The first of a repeated name wins, as with the most specific path.
            slot.get_or_insert_with(|| value.to_owned());
        }
        found
    }

    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    pub fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// The `Set-Cookie` value for one change.
pub fn set_cookie(change: &CookieChange, realm: &str, secure: bool) -> String {
    let (name, value, clear) = match change {
        CookieChange::SetSession(v) => (SESSION_COOKIE, v.as_str(), false),
        CookieChange::ClearSession => (SESSION_COOKIE, "", true),
        CookieChange::SetCsrf(v) => (CSRF_COOKIE, v.as_str(), false),
    };
    let mut cookie = Cookie::build((name, value))
        .path(format!("/realms/{realm}/"))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if clear {
        cookie = cookie.max_age(cookie::time::Duration::ZERO);
    }
    cookie.build().to_string()
}
