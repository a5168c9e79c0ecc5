//! The console's state in the browser, sealed under the master key (AES-256-GCM, as the sign-in pages'
//! pending values are) and bound to its purpose by the associated data: the administrator's tokens after
//! sign-in, and the PKCE verifier and `state` while signing in. Cookies are `HttpOnly`, scoped to the
//! console's path, `Secure` over https; the session is `SameSite=Strict`. A sealed session can outgrow one
//! cookie (RFC 6265 §6.1 asks browsers for 4096 bytes), so it is cut into numbered cookies.
//!
//! CSRF: every form carries a token derived from the session's random id with an HMAC key of its own
//! (derived from the master key); it is checked in constant time before any write.

use aws_lc_rs::hmac;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use tessera_core::secret::MasterKey;

/// Where the console lives; its cookies are sent nowhere else.
pub const CONSOLE_PATH: &str = "/admin/console";
const SESSION_COOKIE: &str = "TESSERA_CONSOLE";
const FLOW_COOKIE: &str = "TESSERA_CONSOLE_FLOW";
const SESSION_AAD: &str = "admin-console:session";
const FLOW_AAD: &str = "admin-console:sign-in";
const CSRF_LABEL: &str = "admin-console:csrf";
/// Bytes of sealed text per cookie, and how many cookies a session may take.
const CHUNK: usize = 3800;
const MAX_CHUNKS: usize = 4;
/// A sign-in started longer ago than this is refused at the callback.
pub const FLOW_LIFETIME: i64 = 600;

/// What a signed-in console holds: the tokens of its `master` client, and a random id for the CSRF token.
#[derive(Serialize, Deserialize)]
pub struct ConsoleTokens {
    pub sid: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

/// A sign-in under way (RFC 7636 §4.1 verifier, RFC 6749 §10.12 `state`).
#[derive(Serialize, Deserialize)]
pub struct SignInFlow {
    pub state: String,
    pub verifier: String,
    pub started: i64,
}

fn cookie_values<'a>(headers: &'a HeaderMap) -> impl Iterator<Item = Cookie<'a>> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
}

fn chunk_name(i: usize) -> String {
    format!("{SESSION_COOKIE}_{i}")
}

fn build(name: String, value: String, secure: bool, same_site: SameSite, clear: bool) -> String {
    let mut cookie =
        Cookie::build((name, value)).path(CONSOLE_PATH).http_only(true).same_site(same_site).secure(secure);
    if clear {
        cookie = cookie.max_age(cookie::time::Duration::ZERO);
    }
    cookie.build().to_string()
}

fn open<T: for<'de> Deserialize<'de>>(master: &MasterKey, sealed: &str, aad: &str) -> Option<T> {
    let plain = master.open(sealed, aad).ok()?;
    serde_json::from_slice(&plain).ok()
}

fn seal<T: Serialize>(master: &MasterKey, value: &T, aad: &str) -> Option<String> {
    let json = serde_json::to_vec(value).ok()?;
    master.seal(&json, aad).ok()
}

/// The session in this request, when its cookies are there, whole and sealed by us.
pub fn read_session(headers: &HeaderMap, master: &MasterKey) -> Option<ConsoleTokens> {
    let mut chunks: Vec<Option<String>> = vec![None; MAX_CHUNKS];
    for c in cookie_values(headers) {
        let index = (0..MAX_CHUNKS).find(|i| c.name() == chunk_name(*i));
        if let Some(i) = index {
            chunks[i].get_or_insert_with(|| c.value().to_owned());
        }
    }
    let sealed: String = chunks.into_iter().map_while(|c| c).collect();
    if sealed.is_empty() {
        return None;
    }
    open(master, &sealed, SESSION_AAD)
}

/// `Set-Cookie` values that store this session (and clear the chunks it no longer needs).
pub fn write_session(tokens: &ConsoleTokens, master: &MasterKey, secure: bool) -> Option<Vec<String>> {
    let sealed = seal(master, tokens, SESSION_AAD)?;
    let parts: Vec<&str> = sealed.as_bytes().chunks(CHUNK).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    if parts.len() > MAX_CHUNKS {
        tracing::error!(bytes = sealed.len(), "the console's tokens are too large for its cookies");
        return None;
    }
    let mut cookies: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| build(chunk_name(i), (*part).to_owned(), secure, SameSite::Strict, false))
        .collect();
    cookies
        .extend((parts.len()..MAX_CHUNKS).map(|i| build(chunk_name(i), String::new(), secure, SameSite::Strict, true)));
    Some(cookies)
}

/// `Set-Cookie` values that end the session in this browser.
pub fn clear_session(secure: bool) -> Vec<String> {
    (0..MAX_CHUNKS).map(|i| build(chunk_name(i), String::new(), secure, SameSite::Strict, true)).collect()
}

/// The sign-in under way, when its cookie is there and ours. `Lax`: the browser comes back from the login
/// page by a redirect, and a sign-in begun from a link elsewhere must still complete.
pub fn read_flow(headers: &HeaderMap, master: &MasterKey) -> Option<SignInFlow> {
    let found = cookie_values(headers).find(|c| c.name() == FLOW_COOKIE)?;
    open(master, found.value(), FLOW_AAD)
}

pub fn write_flow(flow: &SignInFlow, master: &MasterKey, secure: bool) -> Option<String> {
    Some(build(FLOW_COOKIE.to_owned(), seal(master, flow, FLOW_AAD)?, secure, SameSite::Lax, false))
}

pub fn clear_flow(secure: bool) -> String {
    build(FLOW_COOKIE.to_owned(), String::new(), secure, SameSite::Lax, true)
}

fn csrf_key(master: &MasterKey) -> hmac::Key {
    master.derive_mac_key(CSRF_LABEL)
}

/// The CSRF token of a session: an HMAC of its id, so only this server can make it for this session.
pub fn csrf_token(master: &MasterKey, sid: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac::sign(&csrf_key(master), sid.as_bytes()).as_ref())
}

/// Whether a form's token is this session's, compared in constant time (`hmac::verify`).
pub fn csrf_matches(master: &MasterKey, sid: &str, presented: Option<&str>) -> bool {
    let Some(tag) = presented.and_then(|p| URL_SAFE_NO_PAD.decode(p).ok()) else { return false };
    hmac::verify(&csrf_key(master), sid.as_bytes(), &tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_survives_its_cookies_and_a_forged_csrf_token_does_not_match() {
        let master = tessera_core::secret::ServerSecrets::generate().unwrap().master_key();
        let tokens = ConsoleTokens {
            sid: "s1".into(),
            access_token: "a".repeat(5000),
            refresh_token: Some("r".into()),
            id_token: None,
        };
        let cookies = write_session(&tokens, &master, false).unwrap();
        let mut headers = HeaderMap::new();
        let pairs: Vec<String> = cookies
            .iter()
            .filter(|c| !c.contains("Max-Age=0"))
            .map(|c| c.split(';').next().unwrap().to_owned())
            .collect();
        assert!(pairs.len() >= 2, "a large session takes more than one cookie");
        headers.insert(header::COOKIE, pairs.join("; ").parse().unwrap());
        let back = read_session(&headers, &master).unwrap();
        assert_eq!(back.access_token, tokens.access_token);
        let token = csrf_token(&master, "s1");
        assert!(csrf_matches(&master, "s1", Some(&token)));
        assert!(!csrf_matches(&master, "s2", Some(&token)) && !csrf_matches(&master, "s1", None));
    }
}
