//! The login pages' cookie reader. `BrowserCookies::read` (tessera-server, `http/login/cookies.rs`) is
//! private and only reachable through the whole router, so this replays its loop over the same calls:
//! every `Cookie` header through `HeaderValue::to_str`, `Cookie::split_parse`, our names, at most 128
//! bytes, the first of a repeated name wins; over https only the `__Host-` CSRF cookie counts. Every
//! input is read both ways (http and https). Input: one `Cookie` header per line. Keep in step with that
//! file.
#![no_main]

use cookie::Cookie;
use http::header::{COOKIE, HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

const SESSION_COOKIE: &str = "TESSERA_SESSION";
const CSRF_COOKIE: &str = "TESSERA_CSRF";
const HOST_CSRF_COOKIE: &str = "__Host-TESSERA_CSRF";
const MAX_VALUE_LEN: usize = 128;

fn read(headers: &HeaderMap, secure: bool) -> (Option<String>, Option<String>) {
    let csrf_name = if secure { HOST_CSRF_COOKIE } else { CSRF_COOKIE };
    let (mut session, mut csrf) = (None, None);
    let pairs = headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok());
    for cookie in pairs.flat_map(Cookie::split_parse).filter_map(Result::ok) {
        let value = cookie.value();
        if value.is_empty() || value.len() > MAX_VALUE_LEN {
            continue;
        }
        let slot = match cookie.name() {
            SESSION_COOKIE => &mut session,
            name if name == csrf_name => &mut csrf,
            _ => continue,
        };
        slot.get_or_insert_with(|| value.to_owned());
    }
    (session, csrf)
}

fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    for line in data.split(|b| *b == b'\n') {
        // What hyper would have accepted as a header value; the rest never reaches a handler.
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(COOKIE, value);
        }
    }
    let (session, csrf) = read(&headers, false);
    let (secure_session, secure_csrf) = read(&headers, true);
    for value in [&session, &csrf, &secure_csrf].into_iter().flatten() {
        assert!(!value.is_empty() && value.len() <= MAX_VALUE_LEN);
        assert!(!value.contains(';'), "a value never spans two cookies");
        assert!(!value.starts_with(' ') && !value.ends_with(' '), "values are trimmed");
    }
    assert_eq!(session, secure_session, "the session cookie is read the same way over http and https");
    // RFC 6265bis §4.1.3.2: over https a planted cookie without the prefix never becomes the CSRF token.
    let has_prefix = data.windows(HOST_CSRF_COOKIE.len()).any(|w| w == HOST_CSRF_COOKIE.as_bytes());
    assert!(secure_csrf.is_none() || has_prefix, "over https the CSRF token comes from the __Host- cookie");
});
