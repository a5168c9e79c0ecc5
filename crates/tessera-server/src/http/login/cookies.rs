//! Our two browser cookies, read and written through the `cookie` crate: the SSO session (scoped to the
//! realm's path) and the CSRF token, both `HttpOnly` and `SameSite=Lax`. Over https the CSRF cookie is
//! `__Host-` prefixed (RFC 6265bis §4.1.3.2: `Secure`, `Path=/`, no `Domain`), so that a sibling subdomain
//! cannot plant a token of its choosing; a cookie without the prefix is then ignored.

use axum::http::{HeaderMap, header};
use cookie::{Cookie, SameSite};
use tessera_core::sign_in::CookieChange;

pub const SESSION_COOKIE: &str = "TESSERA_SESSION";
pub const CSRF_COOKIE: &str = "TESSERA_CSRF";
pub const HOST_CSRF_COOKIE: &str = "__Host-TESSERA_CSRF";

fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure { HOST_CSRF_COOKIE } else { CSRF_COOKIE }
}

/// Our values are 32 random bytes in base64url (43 characters); anything much longer is not ours.
const MAX_VALUE_LEN: usize = 128;

/// The values of our cookies in a request.
#[derive(Debug, Default)]
pub struct BrowserCookies {
    session: Option<String>,
    csrf: Option<String>,
}

impl BrowserCookies {
    /// `secure`: the server is reached over https, where only the `__Host-` CSRF cookie counts.
    pub fn read(headers: &HeaderMap, secure: bool) -> Self {
        let csrf_name = csrf_cookie_name(secure);
        let mut found = Self::default();
        let pairs = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
        for cookie in pairs.flat_map(Cookie::split_parse).filter_map(Result::ok) {
            let value = cookie.value();
            if value.is_empty() || value.len() > MAX_VALUE_LEN {
                continue;
            }
            let slot = match cookie.name() {
                SESSION_COOKIE => &mut found.session,
                name if name == csrf_name => &mut found.csrf,
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
    let (name, value, clear, path) = match change {
        CookieChange::SetSession(v) => (SESSION_COOKIE, v.as_str(), false, format!("/realms/{realm}/")),
        CookieChange::ClearSession => (SESSION_COOKIE, "", true, format!("/realms/{realm}/")),
        CookieChange::SetCsrf(v) if secure => (HOST_CSRF_COOKIE, v.as_str(), false, "/".to_owned()),
        CookieChange::SetCsrf(v) => (CSRF_COOKIE, v.as_str(), false, format!("/realms/{realm}/")),
    };
    let mut cookie = Cookie::build((name, value)).path(path).http_only(true).same_site(SameSite::Lax).secure(secure);
    if clear {
        cookie = cookie.max_age(cookie::time::Duration::ZERO);
    }
    cookie.build().to_string()
}
