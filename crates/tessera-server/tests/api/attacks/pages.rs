//! Attacks on the pages people see: Referer leaks (RFC 9700 §4.2), forged form posts (§4.7, RFC 6749
//! §10.12), credentials carried along by a 307 (§4.12), framing (§4.16) and password guessing (RFC 6749
//! §10.10).

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_SECURITY_POLICY, COOKIE, HeaderMap, LOCATION, REFERRER_POLICY, SET_COOKIE, X_FRAME_OPTIONS,
};
use serde_json::Value;
use tessera_core::audit::{AuditKind, AuditQuery};
use tessera_core::ports::AuditStore;
use tessera_testkit::TestServer;

use super::{acme_variant, code_in, location, signs_in, spa_request, twin_realms};
use crate::signin::{Browser, Pkce, WEB, WEB_REDIRECT, acme, field, form_action, pkce, redeem_spa};

/// One page or redirect the sign-in pages answer with.
struct Seen {
    what: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

async fn seen(what: &'static str, response: reqwest::Response) -> Seen {
    let (status, headers) = (response.status(), response.headers().clone());
    Seen { what, status, headers, html: response.text().await.unwrap() }
}

/// Every kind of answer of the sign-in pages, from a browser walking through them.
async fn every_page(server: &TestServer) -> Vec<Seen> {
    let browser = Browser::new(server);
    let p = pkce();
    let mut pages = Vec::new();
    let login = seen("login form", browser.authorize(&spa_request(&p, &[])).await).await;
    let wrong = [("username", "wile"), ("password", "wrong"), ("action", "login")];
    pages.push(seen("login form again", browser.submit(&login.html, &wrong).await).await);
    let mut no_token = vec![("pending", field(&login.html, "pending"))];
    no_token.extend(wrong.map(|(a, b)| (a, b.to_owned())));
    let forged = browser.http.post(server.url(&form_action(&login.html))).form(&no_token).send().await.unwrap();
    pages.push(seen("forged form", forged).await);
    let right = [("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")];
    pages.push(seen("code redirect", browser.submit(&login.html, &right).await).await);
    pages.push(login);
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    let consent = seen("consent form", browser.authorize(&web).await).await;
    pages.push(seen("consent redirect", browser.submit(&consent.html, &[("action", "accept")]).await).await);
    pages.push(consent);
    let evil = spa_request(&p, &[("redirect_uri", "https://evil.test/")]);
    pages.push(seen("error page", browser.authorize(&evil).await).await);
    let bad_scope = spa_request(&p, &[("scope", "payroll:admin")]);
    pages.push(seen("error redirect", browser.authorize(&bad_scope).await).await);
    let unknown = server.url("/realms/nowhere/protocol/openid-connect/auth");
    pages.push(seen("unknown realm", browser.http.get(unknown).send().await.unwrap()).await);
    let logout = server.url("/realms/acme/protocol/openid-connect/logout");
    let confirm = seen("logout confirmation", browser.http.get(&logout).send().await.unwrap()).await;
    let out = [("csrf", field(&confirm.html, "csrf")), ("action", "logout".to_owned())];
    pages.push(seen("signed out", browser.http.post(&logout).form(&out).send().await.unwrap()).await);
    pages.push(confirm);
    let statuses: Vec<(&str, u16)> = pages.iter().map(|p| (p.what, p.status.as_u16())).collect();
    let expected = [
        ("login form again", 200),
        ("forged form", 403),
        ("code redirect", 302),
        ("login form", 200),
        ("consent redirect", 302),
        ("consent form", 200),
        ("error page", 400),
        ("error redirect", 302),
        ("unknown realm", 404),
        ("signed out", 200),
        ("logout confirmation", 200),
    ];
    assert_eq!(statuses, expected);
    pages
}

/// §4.2.4: "Referrer-Policy: no-referrer" on every page and redirect (a redirect's policy governs the
/// request it leads to), and the authorization endpoint's pages load nothing and link nowhere outside.
#[tokio::test]
async fn every_page_and_redirect_suppresses_the_referer_and_links_nowhere_outside_rfc9700_4_2_4() {
    let server = acme().await;
    for page in every_page(&server).await {
        assert_eq!(
            page.headers.get(REFERRER_POLICY).map(|v| v.to_str().unwrap()),
            Some("no-referrer"),
            "{}",
            page.what
        );
        assert!(!page.html.contains("://"), "{}: {}", page.what, page.html);
    }
}

/// §4.16: "Authorization servers MUST prevent clickjacking attacks": CSP `frame-ancestors 'none'` and
/// `X-Frame-Options: DENY` on every page the user can act on, error pages included.
#[tokio::test]
async fn no_page_can_be_framed_rfc9700_4_16() {
    let server = acme().await;
    for page in every_page(&server).await.into_iter().filter(|p| p.status != StatusCode::FOUND) {
        let csp = page.headers.get(CONTENT_SECURITY_POLICY).map(|v| v.to_str().unwrap().to_owned());
        assert!(csp.as_deref().is_some_and(|c| c.contains("frame-ancestors 'none'")), "{}: {csp:?}", page.what);
        assert_eq!(page.headers.get(X_FRAME_OPTIONS).map(|v| v.to_str().unwrap()), Some("DENY"), "{}", page.what);
    }
}

async fn login_page(browser: &Browser<'_>, p: &Pkce) -> String {
    browser.authorize(&spa_request(p, &[])).await.text().await.unwrap()
}

/// Posts `form` to `url`; the answer must refuse it: 403, no redirect, no session.
async fn assert_forged(http: &reqwest::Client, url: &str, form: &[(&str, &str)], case: &str) {
    let response = http.post(url).form(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}");
    assert!(response.headers().get(LOCATION).is_none() && !signs_in(&response), "{case}");
}

/// §4.7 and RFC 6749 §10.12 ("MUST implement CSRF protection for its authorization endpoint"): the login
/// and consent forms count only with the token of the browser that got them, a pending request counts only
/// in its realm, and logout without the token only asks.
#[tokio::test]
async fn login_consent_and_logout_forms_need_this_browsers_csrf_token_rfc9700_4_7_rfc6749_10_12() {
    let server = twin_realms().await;
    let (victim, attacker) = (Browser::new(&server), Browser::new(&server));
    let p = pkce();
    let (theirs, mine) = (login_page(&victim, &p).await, login_page(&attacker, &p).await);
    let url = server.url(&form_action(&theirs));
    let creds = |pending: &str, csrf: Option<&str>| {
        let mut form = vec![("pending".to_owned(), pending.to_owned())];
        form.extend(csrf.map(|c| ("csrf".to_owned(), c.to_owned())));
        form.extend(
            [("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")]
                .map(|(a, b)| (a.to_owned(), b.to_owned())),
        );
        form
    };
    let (victim_pending, victim_csrf) = (field(&theirs, "pending"), field(&theirs, "csrf"));
    let (attacker_pending, attacker_csrf) = (field(&mine, "pending"), field(&mine, "csrf"));
    let wrong = "w".repeat(43);
    let cases = [
        ("no token", &victim.http, creds(&victim_pending, None)),
        ("a wrong token", &victim.http, creds(&victim_pending, Some(&wrong))),
        ("the attacker's form in the victim's browser", &victim.http, creds(&attacker_pending, Some(&attacker_csrf))),
        ("the victim's form from the attacker's browser", &attacker.http, creds(&victim_pending, Some(&victim_csrf))),
    ];
    for (case, http, form) in &cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_forged(http, &url, &form, case).await;
    }

    // Consent: the signed-in victim is asked about the back office; forged answers grant nothing.
    let done =
        victim.submit(&theirs, &[("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")]).await;
    assert_eq!(done.status(), StatusCode::FOUND);
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    let consent = victim.authorize(&web).await.text().await.unwrap();
    let url = server.url(&form_action(&consent));
    let (pending, csrf) = (field(&consent, "pending"), field(&consent, "csrf"));
    for (case, http, token) in [
        ("no token", &victim.http, None),
        ("a wrong token", &victim.http, Some(wrong.as_str())),
        ("the attacker's browser", &attacker.http, Some(csrf.as_str())),
    ] {
        let mut form = vec![("pending", pending.as_str()), ("action", "accept")];
        form.extend(token.map(|t| ("csrf", t)));
        assert_forged(http, &url, &form, case).await;
    }
    assert!(victim.authorize(&web).await.text().await.unwrap().contains("Allow Back office"), "nothing was granted");

    // A pending request sealed in acme, posted to its twin globex with a cookie and token that match it:
    // refused, although the same post signs in at acme.
    let third = Browser::new(&server);
    let page = login_page(&third, &p).await;
    let (pending, csrf) = (field(&page, "pending"), field(&page, "csrf"));
    let form = creds(&pending, Some(&csrf));
    let acme_url = server.url(&form_action(&page));
    let globex_url = acme_url.replace("/realms/acme/", "/realms/globex/");
    let post = |url: String| {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        http.post(url).header(COOKIE, format!("TESSERA_CSRF={csrf}")).form(&form).send()
    };
    let crossed = post(globex_url).await.unwrap();
    assert_eq!(crossed.status(), StatusCode::BAD_REQUEST);
    assert!(crossed.headers().get(LOCATION).is_none() && !signs_in(&crossed));
    let home = post(acme_url).await.unwrap();
    assert_eq!(home.status(), StatusCode::FOUND);
    assert!(signs_in(&home));

    // Logout posted without the token (RP-Initiated Logout §2): only the question, the session stays.
    let logout = server.url("/realms/acme/protocol/openid-connect/logout");
    let asked = victim.http.post(&logout).form(&[("action", "logout")]).send().await.unwrap();
    assert!(asked.text().await.unwrap().contains("Do you want to sign out?"));
    assert_eq!(victim.authorize(&spa_request(&p, &[])).await.status(), StatusCode::FOUND, "still signed in");
}

/// RP-Initiated Logout §2: "the OP MUST ask the End-User this question if an id_token_hint was not provided
/// or if the supplied ID Token does not belong to the current OP session". A link carrying the attacker's
/// own, valid ID token (a logout CSRF, §4.7) must not sign the victim's browser out without asking.
#[tokio::test]
async fn an_id_token_hint_of_another_session_does_not_sign_this_browser_out_unasked_rfc9700_4_7_rp_logout_2() {
    let server = acme().await;
    let p = pkce();
    let attacker = Browser::new(&server);
    let page = attacker.authorize(&spa_request(&p, &[])).await;
    let code = code_in(&attacker.login(page, "roadrunner", "Beep-Beep-Meep-2024").await);
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let hint = tokens["id_token"].as_str().unwrap();

    let victim = Browser::new(&server);
    victim.spa_code(&p).await;
    let logout = server.url("/realms/acme/protocol/openid-connect/logout");
    let response = victim.http.get(&logout).query(&[("id_token_hint", hint)]).send().await.unwrap();
    let cleared =
        response.headers().get_all(SET_COOKIE).iter().any(|c| c.to_str().unwrap().starts_with("TESSERA_SESSION="));
    let (status, html) = (response.status(), response.text().await.unwrap());
    assert!(!cleared, "the victim's session cookie was cleared ({status}): {html}");
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Do you want to sign out?"), "{html}");
    assert_eq!(victim.authorize(&spa_request(&p, &[])).await.status(), StatusCode::FOUND, "still signed in");
}

/// §4.12: "MUST NOT use the HTTP 307 status code" after a request that may carry the user's credentials, so
/// that the browser never re-posts them to the client. Tessera answers 302; §4.12 recommends 303.
#[tokio::test]
async fn posted_credentials_are_answered_with_302_or_303_never_307_rfc9700_4_12() {
    let server = acme().await;
    let browser = Browser::new(&server);
    let p = pkce();
    let redirects_by_get = |status: StatusCode| status == StatusCode::FOUND || status == StatusCode::SEE_OTHER;
    let page = browser.authorize(&spa_request(&p, &[])).await.text().await.unwrap();
    let cancelled =
        browser.submit(&page, &[("username", "wile"), ("password", "Super-Genius-1949"), ("action", "cancel")]).await;
    assert!(redirects_by_get(cancelled.status()), "cancel: {}", cancelled.status());
    let done =
        browser.submit(&page, &[("username", "wile"), ("password", "Super-Genius-1949"), ("action", "login")]).await;
    assert!(redirects_by_get(done.status()), "login: {}", done.status());
    assert!(!location(&done).contains("Super-Genius"));
    let web = [("client_id", WEB), ("redirect_uri", WEB_REDIRECT), ("response_type", "code")];
    let consent = browser.authorize(&web).await.text().await.unwrap();
    let granted = browser.submit(&consent, &[("action", "accept")]).await;
    assert!(redirects_by_get(granted.status()), "consent: {}", granted.status());
}

/// RFC 6749 §10.10: "MUST prevent attackers from guessing ... resource owner passwords": after the realm's
/// `failureFactor` wrong passwords the account is locked, and guesses sent all at once are counted before
/// any is checked, so no more than `failureFactor` passwords are ever verified.
#[tokio::test]
async fn password_guessing_locks_the_account_after_failure_factor_guesses_even_all_at_once_rfc6749_10_10() {
    let (_fixture, file) = acme_variant("acme.json", |realm| realm["failureFactor"] = 3.into());
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder().data_dir(dir.path()).import_realm(file).spawn().await;
    let browser = Browser::new(&server);
    let page = browser.authorize(&spa_request(&pkce(), &[])).await.text().await.unwrap();
    let guesses: Vec<String> = (0..20).map(|i| format!("Guess-{i}")).collect();
    let forms: Vec<_> =
        guesses.iter().map(|g| [("username", "roadrunner"), ("password", g.as_str()), ("action", "login")]).collect();
    let attempts = forms.iter().map(|form| browser.submit(&page, form));
    for response in futures_util::future::join_all(attempts).await {
        assert_eq!(response.status(), StatusCode::OK, "no guess signs in");
    }
    let right = browser
        .submit(&page, &[("username", "roadrunner"), ("password", "Beep-Beep-Meep-2024"), ("action", "login")])
        .await;
    assert_eq!(right.status(), StatusCode::OK, "locked: the right password does not sign in either");
    assert!(right.text().await.unwrap().contains("Too many failed attempts"));

    let store =
        tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
    server.stop().await;
    let events = store.audit_events(&AuditQuery { realm: "acme".into(), ..AuditQuery::default() }).await.unwrap();
    let verified = events
        .iter()
        .filter(|e| {
            e.kind == AuditKind::Login
                || (e.kind == AuditKind::LoginFailed && e.reason.as_deref() == Some("invalid credentials"))
        })
        .count();
    assert_eq!(verified, 3, "exactly failureFactor passwords were checked: {events:?}");
}
