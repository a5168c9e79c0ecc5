//! The admin console (#18) over plain HTTP: who reaches it (nobody signed in is sent to sign in, through
//! `master`'s authorization endpoint with PKCE), the headers every page carries, and CSRF refusal. The whole
//! flow in Chromium is in `browser.rs`.

mod browser;
mod editors;

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use tessera_testkit::TestServer;

use crate::admin::{ADMIN_PASSWORD, call, master_token, server};
use crate::signin::{field, form_action};
use reqwest::Method;
use serde_json::json;

/// A browser that keeps cookies and lets the test follow each redirect.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn absolute(server: &TestServer, location: &str) -> String {
    if location.starts_with('/') { server.url(location) } else { location.to_owned() }
}

/// Follows redirects with GETs (as a browser does after a 302 or 303) to the page they end on.
async fn follow(server: &TestServer, http: &reqwest::Client, mut response: reqwest::Response) -> reqwest::Response {
    while response.status().is_redirection() {
        let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
        response = http.get(absolute(server, &location)).send().await.unwrap();
    }
    response
}

/// A person of `master` who administers northwind with one role of the client `northwind-realm` (Keycloak's
/// cross-realm delegation) and nothing else.
async fn delegated_administrator(server: &TestServer, token: &str, username: &str, password: &str, role: &str) {
    let (status, _, location) = call(
        server,
        Method::POST,
        "/admin/realms/master/clients",
        Some(token),
        Some(json!({ "clientId": "northwind-realm", "publicClient": false })),
    )
    .await;
    assert_eq!(status, 201);
    let client = location.unwrap().rsplit('/').next().unwrap().to_owned();
    let roles = format!("/admin/realms/master/clients/{client}/roles");
    let (status, ..) = call(server, Method::POST, &roles, Some(token), Some(json!({ "name": role }))).await;
    assert_eq!(status, 201);
    let (_, role, _) = call(server, Method::GET, &format!("{roles}/{role}"), Some(token), None).await;
    let user = json!({ "username": username, "enabled": true,
        "credentials": [{ "type": "password", "value": password, "temporary": false }] });
    let (status, _, location) = call(server, Method::POST, "/admin/realms/master/users", Some(token), Some(user)).await;
    assert_eq!(status, 201);
    let user = location.unwrap().rsplit('/').next().unwrap().to_owned();
    let mapping = format!("/admin/realms/master/users/{user}/role-mappings/clients/{client}");
    let (status, ..) = call(server, Method::POST, &mapping, Some(token), Some(json!([role]))).await;
    assert_eq!(status, 204);
}

/// Signs `username` in to the console through the login page; returns the browser and the realms page.
async fn sign_in(server: &TestServer, username: &str, password: &str) -> (reqwest::Client, String) {
    let http = browser();
    let start = http.get(server.url("/admin/console/")).send().await.unwrap();
    let login = follow(server, &http, start).await.text().await.unwrap();
    let form = [
        ("pending", field(&login, "pending")),
        ("csrf", field(&login, "csrf")),
        ("username", username.to_owned()),
        ("password", password.to_owned()),
        ("action", "login".to_owned()),
    ];
    let posted = http.post(absolute(server, &form_action(&login))).form(&form).send().await.unwrap();
    let page = follow(server, &http, posted).await;
    assert_eq!(page.status(), StatusCode::OK);
    (http, page.text().await.unwrap())
}

#[tokio::test]
async fn nobody_signed_in_is_sent_to_sign_in_through_masters_authorization_endpoint_with_pkce_s256() {
    let (server, _dir) = server().await;
    let http = browser();
    for path in ["/admin/console/", "/admin/console/realms/northwind/users", "/admin/console/realms/master"] {
        let response = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], "/admin/console/signin", "{path}");
    }
    // RFC 7636 §4.3: the challenge goes out, the verifier stays in a sealed HttpOnly cookie.
    let start = http.get(server.url("/admin/console/signin")).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let cookie = start.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("TESSERA_CONSOLE_FLOW=") && cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("Path=/admin/console"), "{cookie}");
    let location = url::Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/realms/master/protocol/openid-connect/auth");
    let asked: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(asked["client_id"], "security-admin-console");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["redirect_uri"], server.url("/admin/console/callback"));
    assert!(!cookie.contains(&asked["code_challenge"]), "the verifier is sealed, not the challenge in clear");
    // The login page answers it: the console's client exists and its redirect URI is registered.
    let login = http.get(location.as_str()).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    // A write without a session changes nothing and is sent to sign in too.
    let form = [("realm", "sneaky"), ("csrf", "x")];
    let response = http.post(server.url("/admin/console/realms")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let token = master_token(&server).await;
    let (status, ..) = call(&server, reqwest::Method::GET, "/admin/realms/sneaky", Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn console_pages_forbid_framing_and_inline_script_and_keep_the_session_httponly_and_strict() {
    let (server, _dir) = server().await;
    let (http, page) = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    assert!(page.contains("northwind") && page.contains("Create a realm"), "{page}");
    assert!(!page.contains("<script>"), "no inline script");
    let response = http.get(server.url("/admin/console/")).send().await.unwrap();
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    // CSP Level 3: scripts only from us, never inline; never framed (also X-Frame-Options, RFC 7034).
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    for (path, kind) in [("/admin/console/console.css", "text/css"), ("/admin/console/console.js", "text/javascript")] {
        let asset = reqwest::get(server.url(path)).await.unwrap();
        assert_eq!(asset.status(), StatusCode::OK, "{path}");
        assert!(asset.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
    }
    // The session cookies, as the sign-in set them (RFC 6265bis §4.1.2.7 SameSite=Strict).
    let http2 = browser();
    let login = follow(&server, &http2, http2.get(server.url("/admin/console/")).send().await.unwrap()).await;
    let login = login.text().await.unwrap();
    let form = [
        ("pending", field(&login, "pending")),
        ("csrf", field(&login, "csrf")),
        ("username", "admin".to_owned()),
        ("password", ADMIN_PASSWORD.to_owned()),
        ("action", "login".to_owned()),
    ];
    let mut response = http2.post(absolute(&server, &form_action(&login))).form(&form).send().await.unwrap();
    let mut session_cookies = Vec::new();
    while response.status().is_redirection() {
        for c in response.headers().get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            if c.starts_with("TESSERA_CONSOLE_0=") {
                session_cookies.push(c.to_owned());
            }
        }
        let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
        response = http2.get(absolute(&server, &location)).send().await.unwrap();
    }
    let cookie = session_cookies.first().expect("the callback sets the session");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/admin/console"), "{cookie}");
}

#[tokio::test]
async fn a_console_form_without_the_sessions_csrf_token_is_refused_with_403_and_changes_nothing() {
    let (server, _dir) = server().await;
    let (http, page) = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    let csrf = field(&page, "csrf");
    let token = master_token(&server).await;
    for (name, form) in [
        ("no token", vec![("realm", "forged")]),
        ("a wrong token", vec![("realm", "forged"), ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]),
    ] {
        let response = http.post(server.url("/admin/console/realms")).form(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        let (status, ..) = call(&server, reqwest::Method::GET, "/admin/realms/forged", Some(&token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: nothing was created");
    }
    // Another browser's token is no good here either: the token is bound to the session.
    let (_, other_page) = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    let other = field(&other_page, "csrf");
    assert_ne!(other, csrf);
    let response = http
        .post(server.url("/admin/console/realms"))
        .form(&[("realm", "forged"), ("csrf", &other)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // With the session's own token the same form works, through the admin service.
    let response = http
        .post(server.url("/admin/console/realms"))
        .form(&[("realm", "forged"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/admin/console/realms/forged");
    let (status, ..) = call(&server, reqwest::Method::GET, "/admin/realms/forged", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
}
