//! What every HTML page of ours carries, the login pages' and the console's alike: the security headers
//! with the page's own CSP, the cookies it sets, and one way to render a template into a response.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Never framed (RFC 7034 and CSP `frame-ancestors`), never sniffed, never cached, no referrer; `csp` is
/// the page's Content-Security-Policy.
pub fn secure_headers(headers: &mut HeaderMap, csp: &'static str) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The response with the security headers and each `Set-Cookie` value added.
pub fn with_cookies(mut response: Response, csp: &'static str, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    secure_headers(response.headers_mut(), csp);
    response
}

/// A page, or a plain-text 500 that names nothing internal if the template cannot render.
pub fn render(status: StatusCode, page: &impl Template, csp: &'static str, cookies: &[String]) -> Response {
    let response = match page.render() {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be shown").into_response()
        }
    };
    with_cookies(response, csp, cookies)
}
