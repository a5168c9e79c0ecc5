//! The attacks of RFC 9700 §4 (OAuth 2.0 Security Best Current Practice), one test per attack, each named
//! after its section, tried against a real server. The list in one place:
//!
//! - §4.1 insufficient redirect URI validation: `redirect::lookalike_redirect_uris_…_rfc9700_4_1_3`
//! - §4.2 credential leakage via Referer: `pages::every_page_and_redirect_suppresses_the_referer_…_rfc9700_4_2_4`
//! - §4.3 credential leakage via browser history: `redirect::a_code_works_once_…_rfc9700_4_3`
//! - §4.4 mix-up: `redirect::every_authorization_response_…_carries_the_issuer_rfc9700_4_4_2_1_rfc9207_2`
//! - §4.5 authorization code injection: `codes::a_stolen_code_is_refused_…_rfc9700_4_5_3_1`
//! - §4.6 access token injection: `redirect::no_access_token_leaves_the_authorization_endpoint_…_rfc9700_4_6`
//! - §4.7 cross-site request forgery: `pages::login_consent_and_logout_forms_need_…_rfc9700_4_7_rfc6749_10_12`
//!   and `pages::an_id_token_hint_of_another_session_does_not_sign_this_browser_out_…_rp_logout_2`
//! - §4.8 PKCE downgrade: `codes::pkce_cannot_be_downgraded_…_rfc9700_4_8_2`
//! - §4.9, §4.10 leaked and stolen access tokens: `tokens::credentials_of_one_realm_are_worthless_in_its_twin_…`
//!   (another realm) and `tokens::an_access_token_is_only_good_for_its_registered_audience_…` (another audience)
//! - §4.11 open redirection: `redirect::the_authorization_endpoint_never_redirects_…_rfc9700_4_11_2` and
//!   `redirect::logout_never_redirects_…_rfc9700_4_11_2_rp_initiated_logout_3`
//! - §4.12 307 redirect: `pages::posted_credentials_are_answered_with_302_or_303_never_307_rfc9700_4_12`
//! - §4.13 TLS-terminating reverse proxies: `hardening::forwarding_headers_name_the_client_only_behind_…`
//! - §4.14 refresh token replay: `tokens::a_replayed_rotated_refresh_token_revokes_the_whole_family_…`
//! - §4.15 client impersonating resource owner: `tokens::a_client_named_after_a_user_…_rfc9700_4_15_1`
//! - §4.16 clickjacking: `pages::no_page_can_be_framed_rfc9700_4_16`
//! - §4.17 in-browser communication flows: `redirect::authorization_responses_go_to_the_redirect_uri_never_by_post_message_…`
//!
//! Beside them, two attacks RFC 6749 names: client impersonation (§10.2, `codes::a_confidential_clients_code_…`)
//! and password guessing (§10.10, `pages::password_guessing_…`). Sender-constrained tokens (§4.10.1) are tested
//! in `dpop`, `dpop_binding`, `mtls` and `mtls_binding`; resource indicators (§4.10.2) in `resource_indicators`.

mod codes;
mod pages;
mod redirect;
mod tokens;

use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::Value;
use tessera_testkit::TestServer;

use crate::signin::{Browser, Pkce, SPA, SPA_REDIRECT, WEB, WEB_REDIRECT, WEB_SECRET, fixture, query_of};

/// The acme fixture changed by `edit`, written to a temporary file (kept while the directory lives).
fn acme_variant(file: &str, edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let mut realm: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    edit(&mut realm);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file);
    std::fs::write(&path, realm.to_string()).unwrap();
    (dir, path)
}

/// acme and its twin globex: the same clients with the same secrets, the same users with the same ids and
/// passwords; only the realm differs, so the realm is all that can stop a credential crossing over.
/// Both let any confidential client introspect (`tessera.introspection.scope=realm`, Keycloak's way), so
/// that the backoffice can look at every token and only the realm decides.
async fn twin_realms() -> TestServer {
    let realm_wide = |realm: &mut Value| {
        realm["attributes"]["tessera.introspection.scope"] = "realm".into();
    };
    let (_acme_dir, acme) = acme_variant("acme.json", realm_wide);
    let (_dir, twin) = acme_variant("globex.json", |realm| {
        realm["id"] = "0b7c2f4e-6d1a-4c3b-9e8f-7a6d5c4b3a21".into();
        realm["realm"] = "globex".into();
        realm["displayName"] = "Globex".into();
        realm_wide(realm);
    });
    TestServer::builder().import_realm(acme).import_realm(twin).spawn().await
}

/// The storefront's authorization request with some parameters replaced or added.
fn spa_request<'a>(pkce: &'a Pkce, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("client_id", SPA),
        ("redirect_uri", SPA_REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "st-9700"),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for &(name, value) in changes {
        match params.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => params.push((name, value)),
        }
    }
    params
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// The code of a `302` back to the client.
fn code_in(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::FOUND);
    query_of(&location(response))["code"].clone()
}

/// Whether the response signs the browser in (sets a session cookie; clearing one does not count).
fn signs_in(response: &reqwest::Response) -> bool {
    let cookies = response.headers().get_all(SET_COOKIE);
    cookies.iter().map(|c| c.to_str().unwrap()).any(|c| c.starts_with("TESSERA_SESSION=") && !c.contains("Max-Age=0"))
}

/// A code for the back office (confidential, asks for consent) from a signed-in browser, consenting if asked.
async fn web_code(browser: &Browser<'_>, changes: &[(&str, &str)]) -> String {
    let mut params = vec![("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    params.extend_from_slice(changes);
    let mut response = browser.authorize(&params).await;
    if response.status() == StatusCode::OK {
        let html = response.text().await.unwrap();
        response = browser.submit(&html, &[("action", "accept")]).await;
    }
    code_in(&response)
}

/// The back office redeeming `code` with its secret.
async fn redeem_web(server: &TestServer, code: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", WEB_REDIRECT)];
    form.extend_from_slice(extra);
    server.http.post(server.token_url("acme")).basic_auth(WEB, Some(WEB_SECRET)).form(&form).send().await.unwrap()
}
