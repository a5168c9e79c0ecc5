//! The page templates and the one place that turns them into responses with the security headers
//! every page carries.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::html;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub realm_name: &'a str,
    pub client_name: &'a str,
    pub action: &'a str,
    pub pending: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "update_password.html")]
pub struct UpdatePasswordPage<'a> {
    pub realm_name: &'a str,
    pub client_name: &'a str,
    pub username: &'a str,
    pub action: &'a str,
    pub pending: &'a str,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub realm_name: &'a str,
    pub client_name: &'a str,
    pub username: &'a str,
    pub scopes: Vec<String>,
    pub action: &'a str,
    pub pending: &'a str,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "device.html")]
pub struct DeviceCodePage<'a> {
    pub realm_name: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub user_code: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "device_consent.html")]
pub struct DeviceConsentPage<'a> {
    pub realm_name: &'a str,
    pub client_name: &'a str,
    pub username: &'a str,
    pub user_code: &'a str,
    pub scopes: Vec<String>,
    pub action: &'a str,
    pub pending: &'a str,
    pub csrf: &'a str,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub realm_name: &'a str,
    pub heading: &'a str,
    pub message: &'a str,
    pub is_error: bool,
    pub back: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage<'a> {
    pub realm_name: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub id_token_hint: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub post_logout_redirect_uri: Option<&'a str>,
    pub state: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "form_post.html")]
pub struct FormPostPage<'a> {
    pub realm_name: &'a str,
    pub action: &'a str,
    pub fields: &'a [(String, String)],
    pub script: &'static str,
}

/// The one script any page runs: the form post page submitting its form (Form Post Response Mode §2).
/// The page's CSP allows exactly this text by its hash, so no other inline script can run there.
pub const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";

/// [`CSP`] plus the form post script by its SHA-256 (CSP Level 3 §8.4 hash-source).
static FORM_POST_CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use base64::Engine;
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, FORM_POST_SCRIPT.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(hash.as_ref());
    format!("{CSP}; script-src 'sha256-{hash}'")
});

/// The form post page, with the CSP that lets its one script run.
pub fn render_form_post(page: &FormPostPage<'_>, cookies: &[String]) -> Response {
    let mut response = render(StatusCode::OK, page, cookies);
    if let Ok(v) = HeaderValue::from_str(&FORM_POST_CSP) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// No scripts, no frames, styles from us only. `form-action` is left out on purpose: browsers apply it to
/// the redirect that follows a form post, which must reach the client's redirect URI.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A page, or a plain-text 500 that names nothing internal if the template cannot render.
pub fn render(status: StatusCode, page: &impl Template, cookies: &[String]) -> Response {
    html::render(status, page, CSP, cookies)
}

/// A `302 Found` (RFC 6749 §4.1.2 uses 302 in its example; any 3xx but 307 is allowed, RFC 9700 §4.12).
pub fn redirect(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Err(_) => {
            let message = "The redirect address is not valid.";
            let page = MessagePage {
                realm_name: "Tessera",
                heading: "We can't sign you in",
                message,
                is_error: true,
                back: None,
            };
            return render(StatusCode::BAD_REQUEST, &page, &[]);
        }
    }
    html::with_cookies(response, CSP, cookies)
}

/// The page's one script: tell the embedding app that no cookie-based session checks are offered.
const PROBE_SCRIPT: &str = "window.parent.postMessage(\"unsupported\", \"*\");";

/// keycloak-js (with its default `checkLoginIframe`) frames this page and waits for `supported` or
/// `unsupported`; without an answer its `init()` fails after 10 s. Tessera has no session-status iframe
/// (OIDC Session Management's `check_session_iframe`), so the answer is `unsupported`, and keycloak-js
/// then works from its tokens alone. The page says nothing secret, has nothing to click, and may be framed
/// by any origin (that is its purpose); its one script runs by its CSP hash.
pub async fn third_party_cookies_probe() -> Response {
    use base64::Engine;
    let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, PROBE_SCRIPT.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(hash.as_ref());
    let csp = format!("default-src 'none'; script-src 'sha256-{hash}'; base-uri 'none'");
    let html =
        format!("<!DOCTYPE html><html lang=\"en\"><title>3p-cookies</title><script>{PROBE_SCRIPT}</script></html>");
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../../templates/tessera-login.css"),
    )
        .into_response()
}
