//! RFC 8693 token exchange as Keycloak 26's standard token exchange: a confidential client with
//! `standard.token.exchange.enabled`, named in the subject token's `aud`, exchanges it for an access token
//! aimed at an audience it may address, with its own scopes; every refusal names its RFC 8693 §2.2.2 (or
//! Keycloak) error, and every exchange is in the audit trail.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_core::audit::{AuditKind, AuditQuery, Outcome};
use tessera_core::clock::ManualClock;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::AuditStore;
use tessera_testkit::TestServer;

use crate::device::acme_with;
use crate::signin::error_of;
use crate::support::{claims_of, verify_with_served_jwks};

const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
pub(crate) const MOBILE: &str = "mobile-app";
pub(crate) const MOBILE_SECRET: &str = "mobile-app-secret-6f1d0c9e8b7a2534";
pub(crate) const GATEWAY: &str = "gateway";
pub(crate) const GATEWAY_SECRET: &str = "gateway-secret-3c5a7e9b1d2f4608";

fn audience_mapper(target: &str) -> Value {
    json!({"name": format!("aud {target}"), "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
           "config": {"included.client.audience": target, "access.token.claim": "true"}})
}

/// `mobile-app` signs users in (password grant, for brevity) and puts `gateway` in its tokens' `aud`;
/// `gateway` may exchange them and address `orders-api`; `nosy` may exchange but is in no token's `aud`.
pub(crate) fn exchange_clients() -> Vec<Value> {
    let confidential = |id: &str, secret: &str| {
        json!({"clientId": id, "enabled": true, "publicClient": false, "secret": secret,
               "standardFlowEnabled": false, "attributes": {}})
    };
    let mut mobile = confidential(MOBILE, MOBILE_SECRET);
    mobile["directAccessGrantsEnabled"] = json!(true);
    mobile["defaultClientScopes"] = json!(["profile", "email"]);
    mobile["protocolMappers"] = json!([audience_mapper(GATEWAY)]);
    let mut gateway = confidential(GATEWAY, GATEWAY_SECRET);
    gateway["attributes"] = json!({"standard.token.exchange.enabled": "true",
        "tessera.token.exchange.delegation": "true", "tessera.token.exchange.impersonation": "true"});
    gateway["serviceAccountsEnabled"] = json!(true);
    gateway["defaultClientScopes"] = json!(["profile"]);
    gateway["optionalClientScopes"] = json!(["orders:read", "email"]);
    gateway["protocolMappers"] = json!([audience_mapper("orders-api")]);
    let mut nosy = confidential("nosy", "nosy-secret-0a1b2c3d4e5f6789");
    nosy["attributes"] = json!({"standard.token.exchange.enabled": "true"});
    let kiosk = json!({"clientId": "kiosk", "enabled": true, "publicClient": true,
                       "attributes": {"standard.token.exchange.enabled": "true"}});
    vec![mobile, gateway, nosy, confidential("orders-api", "orders-api-secret-9e8d7c6b5a4f3210"), kiosk]
}

async fn server() -> (TestServer, Arc<ManualClock>, tempfile::TempDir) {
    let (dir, file) = acme_with(exchange_clients(), json!({}));
    let clock = Arc::new(ManualClock::new(1_900_000_000));
    let server = TestServer::builder().import_realm(file).clock(clock.clone()).spawn().await;
    (server, clock, dir)
}

/// wile's access token from the mobile app (password grant).
async fn subject_token(server: &TestServer) -> String {
    let form =
        [("grant_type", "password"), ("username", "wile"), ("password", "Super-Genius-1949"), ("scope", "openid")];
    let response = server
        .http
        .post(server.token_url("acme"))
        .basic_auth(MOBILE, Some(MOBILE_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn exchange(
    server: &TestServer,
    client: (&str, &str),
    subject: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form =
        vec![("grant_type", EXCHANGE), ("subject_token", subject), ("subject_token_type", ACCESS_TOKEN_TYPE)];
    form.extend_from_slice(extra);
    let request = server.http.post(server.token_url("acme")).form(&form);
    let request = if client.1.is_empty() {
        server.http.post(server.token_url("acme")).form(&[form.as_slice(), &[("client_id", client.0)]].concat())
    } else {
        request.basic_auth(client.0, Some(client.1))
    };
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_client_in_the_subject_tokens_audience_gets_a_token_for_its_audience_rfc8693_2_1_2_2_1() {
    let (server, _clock, _dir) = server().await;
    let subject = subject_token(&server).await;
    let response =
        exchange(&server, (GATEWAY, GATEWAY_SECRET), &subject, &[("audience", "orders-api"), ("scope", "orders:read")])
            .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    // §2.2.1: issued_token_type is required; token_type is Bearer for an access token.
    assert_eq!(body["issued_token_type"], ACCESS_TOKEN_TYPE);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none(), "Keycloak's default: no refresh token from an exchange");
    let new = verify_with_served_jwks(&server, "acme", body["access_token"].as_str().unwrap(), Algorithm::RS256).await;
    let old = claims_of(&subject);
    assert_eq!(new["sub"], old["sub"], "the same user");
    assert_eq!(new["sid"], old["sid"], "in the same session");
    assert_eq!((new["azp"].as_str(), new["aud"].as_str()), (Some(GATEWAY), Some("orders-api")));
    let scope = new["scope"].as_str().unwrap();
    assert!(scope.contains("orders:read") && scope.contains("profile") && !scope.contains("email"), "{scope}");

    // Without `audience`, the token is aimed where the requester's own tokens go.
    let body: Value = exchange(&server, (GATEWAY, GATEWAY_SECRET), &subject, &[]).await.json().await.unwrap();
    assert_eq!(claims_of(body["access_token"].as_str().unwrap())["aud"], "orders-api");

    // Every exchange is audited, with who asked, for whom, from which client.
    let query = AuditQuery { realm: "acme".into(), kind: Some(AuditKind::TokenExchanged), ..AuditQuery::default() };
    let found = TestServer::eventually(Duration::from_secs(10), || async {
        server.store.audit_events(&query).await.unwrap().len() == 2
    })
    .await;
    assert!(found.is_some(), "two token_exchanged events");
    let event = &server.store.audit_events(&query).await.unwrap()[0];
    assert_eq!((event.client_id.as_deref(), event.outcome), (Some(GATEWAY), Outcome::Success));
    assert!(event.reason.as_deref().unwrap().contains(MOBILE), "{event:?}");
}

struct Refusal {
    name: &'static str,
    client: (&'static str, &'static str),
    token: String,
    extra: Vec<(&'static str, &'static str)>,
    status: StatusCode,
    code: &'static str,
}

#[tokio::test]
async fn refusals_carry_the_rfc8693_2_2_2_and_keycloak_codes() {
    let (server, _clock, _dir) = server().await;
    let subject = subject_token(&server).await;
    let gateway_case = |name, extra: Vec<(&'static str, &'static str)>, code| Refusal {
        name,
        client: (GATEWAY, GATEWAY_SECRET),
        token: subject.clone(),
        extra,
        status: StatusCode::BAD_REQUEST,
        code,
    };
    let refresh_type = "urn:ietf:params:oauth:token-type:refresh_token";
    let cases = vec![
        Refusal {
            name: "not enabled for the client",
            client: ("backoffice", crate::signin::WEB_SECRET),
            token: subject.clone(),
            extra: vec![],
            status: StatusCode::BAD_REQUEST,
            code: "unauthorized_client",
        },
        Refusal {
            name: "a public client (Keycloak)",
            client: ("kiosk", ""),
            token: subject.clone(),
            extra: vec![],
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_client",
        },
        Refusal {
            name: "requester not in the audience (Keycloak)",
            client: ("nosy", "nosy-secret-0a1b2c3d4e5f6789"),
            token: subject.clone(),
            extra: vec![],
            status: StatusCode::BAD_REQUEST,
            code: "access_denied",
        },
        gateway_case("an unknown audience", vec![("audience", "nowhere")], "invalid_target"),
        gateway_case("an audience not available", vec![("audience", "backoffice")], "invalid_target"),
        Refusal {
            client: ("nosy", "nosy-secret-0a1b2c3d4e5f6789"),
            ..gateway_case("impersonation, not enabled", vec![("requested_subject", "roadrunner")], "invalid_request")
        },
        Refusal {
            client: ("nosy", "nosy-secret-0a1b2c3d4e5f6789"),
            ..gateway_case(
                "delegation, not enabled",
                vec![("actor_token", "x"), ("actor_token_type", ACCESS_TOKEN_TYPE)],
                "invalid_request",
            )
        },
        gateway_case("an actor token without its type (§2.1)", vec![("actor_token", "x")], "invalid_request"),
        gateway_case(
            "an actor token that is no token",
            vec![("actor_token", "x"), ("actor_token_type", ACCESS_TOKEN_TYPE)],
            "invalid_request",
        ),
        gateway_case("a refresh token asked for", vec![("requested_token_type", refresh_type)], "invalid_request"),
        gateway_case("a scope the requester lacks", vec![("scope", "orders:write")], "invalid_scope"),
        Refusal { token: "not-a-jwt".to_owned(), ..gateway_case("a token that is no JWT", vec![], "invalid_request") },
    ];
    let mut failures = Vec::new();
    for c in cases {
        let (got_status, got_code, _) = error_of(exchange(&server, c.client, &c.token, &c.extra).await).await;
        if (got_status, got_code.as_str()) != (c.status, c.code) {
            failures.push(format!("{}: {got_status} {got_code}, expected {} {}", c.name, c.status, c.code));
        }
    }
    // An ID token is not an access token (§3 token types).
    let form = [
        ("grant_type", EXCHANGE),
        ("subject_token", subject.as_str()),
        ("subject_token_type", "urn:ietf:params:oauth:token-type:id_token"),
    ];
    let response = server
        .http
        .post(server.token_url("acme"))
        .basic_auth(GATEWAY, Some(GATEWAY_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap();
    let (_, code, _) = error_of(response).await;
    if code != "invalid_request" {
        failures.push(format!("an id_token subject_token_type: {code}"));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn revoked_expired_and_foreign_subject_tokens_are_invalid_request_rfc8693_2_2_2() {
    let (server, clock, _dir) = server().await;
    let revoked = subject_token(&server).await;
    assert_eq!(server.revoke("acme", MOBILE, MOBILE_SECRET, &revoked).await.status(), 200);
    let (_, code, _) = error_of(exchange(&server, (GATEWAY, GATEWAY_SECRET), &revoked, &[]).await).await;
    assert_eq!(code, "invalid_request", "revoked");

    server.realm("other", SigningAlgorithm::Rs256, &[]).await;
    let other = server.service_client("other", GATEWAY, &[], &[]).await;
    let foreign = server.access_token("other", GATEWAY, &other.secret).await;
    let (_, code, _) = error_of(exchange(&server, (GATEWAY, GATEWAY_SECRET), &foreign, &[]).await).await;
    assert_eq!(code, "invalid_request", "a token of another realm");

    let expiring = subject_token(&server).await;
    clock.advance(3600);
    let (_, code, _) = error_of(exchange(&server, (GATEWAY, GATEWAY_SECRET), &expiring, &[]).await).await;
    assert_eq!(code, "invalid_request", "expired");
    let query = AuditQuery { realm: "acme".into(), kind: Some(AuditKind::TokenExchanged), ..AuditQuery::default() };
    let found = TestServer::eventually(Duration::from_secs(10), || async {
        let events = server.store.audit_events(&query).await.unwrap();
        events.len() == 3 && events.iter().all(|e| e.outcome == Outcome::Failure)
    })
    .await;
    assert!(found.is_some(), "refusals are audited too");
}

#[tokio::test]
async fn delegation_names_the_actor_in_act_and_impersonation_names_the_impersonator_rfc8693_1_1_4_1() {
    let (server, _clock, _dir) = server().await;
    let subject = subject_token(&server).await;
    let own: Value = server.client_credentials("acme", GATEWAY, GATEWAY_SECRET, None).await.json().await.unwrap();
    let own = own["access_token"].as_str().unwrap().to_owned();
    let actor = claims_of(&own);

    // Delegation (§1.1): wile's token, the gateway acting; `act` says so (§4.1).
    let delegated = exchange(
        &server,
        (GATEWAY, GATEWAY_SECRET),
        &subject,
        &[("actor_token", &own), ("actor_token_type", ACCESS_TOKEN_TYPE)],
    )
    .await;
    assert_eq!(delegated.status(), 200);
    let body: Value = delegated.json().await.unwrap();
    let new = verify_with_served_jwks(&server, "acme", body["access_token"].as_str().unwrap(), Algorithm::RS256).await;
    assert_eq!(new["sub"], claims_of(&subject)["sub"]);
    assert_eq!(new["act"], json!({"sub": actor["sub"], "client_id": GATEWAY}));
    // A client cannot name another party as the actor: mobile's token is not the gateway's own.
    let (status, code, _) = error_of(
        exchange(
            &server,
            (GATEWAY, GATEWAY_SECRET),
            &subject,
            &[("actor_token", &subject), ("actor_token_type", ACCESS_TOKEN_TYPE)],
        )
        .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "access_denied"));

    // Impersonation (§1.1): the gateway's own token and a user to act as; the token is roadrunner's, and still
    // names the gateway in `act`, so no API takes it for roadrunner's own.
    let impersonated = exchange(&server, (GATEWAY, GATEWAY_SECRET), &own, &[("requested_subject", "roadrunner")]).await;
    assert_eq!(impersonated.status(), 200);
    let body: Value = impersonated.json().await.unwrap();
    let new = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(new["preferred_username"], "roadrunner");
    assert_eq!(new["act"], json!({"sub": actor["sub"], "client_id": GATEWAY}));
    assert!(new.get("sid").is_none(), "no one's browser session");
    // …only with the requester's own token, and only for a user of the realm.
    let (_, code, _) =
        error_of(exchange(&server, (GATEWAY, GATEWAY_SECRET), &subject, &[("requested_subject", "roadrunner")]).await)
            .await;
    assert_eq!(code, "access_denied");
    let (_, code, _) =
        error_of(exchange(&server, (GATEWAY, GATEWAY_SECRET), &own, &[("requested_subject", "nobody")]).await).await;
    assert_eq!(code, "invalid_request");
}

/// RFC 8693 §2.1 with RFC 8707 §2: `resource` values registered for the requester join `aud` (beside an
/// `audience`); an unregistered one is `invalid_target`. The password grant takes `resource` the same way.
#[tokio::test]
async fn resources_registered_for_the_requester_are_its_tokens_audience_rfc8707_2_rfc8693_2_1() {
    const ORDERS_URI: &str = "https://orders.acme.test/";
    let mut clients = exchange_clients();
    clients[1]["attributes"]["tessera.resources"] = json!(ORDERS_URI);
    clients[0]["attributes"]["tessera.resources"] = json!("https://mobile-api.acme.test/");
    let (_dir, file) = acme_with(clients, json!({}));
    let server = TestServer::builder().import_realm(file).spawn().await;
    let subject = subject_token(&server).await;
    let gateway = (GATEWAY, GATEWAY_SECRET);
    let body: Value = exchange(&server, gateway, &subject, &[("resource", ORDERS_URI)]).await.json().await.unwrap();
    assert_eq!(claims_of(body["access_token"].as_str().unwrap())["aud"], ORDERS_URI);
    let both = [("audience", "orders-api"), ("resource", ORDERS_URI)];
    let body: Value = exchange(&server, gateway, &subject, &both).await.json().await.unwrap();
    assert_eq!(claims_of(body["access_token"].as_str().unwrap())["aud"], json!(["orders-api", ORDERS_URI]));
    let refused = exchange(&server, gateway, &subject, &[("resource", "https://mobile-api.acme.test/")]).await;
    let (status, error, _) = error_of(refused).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_target"), "not the gateway's");

    // The password grant, for the mobile app's own API.
    let form = [
        ("grant_type", "password"),
        ("username", "wile"),
        ("password", "Super-Genius-1949"),
        ("resource", "https://mobile-api.acme.test/"),
    ];
    let response =
        server.http.post(server.token_url("acme")).basic_auth(MOBILE, Some(MOBILE_SECRET)).form(&form).send().await;
    let body: Value = response.unwrap().json().await.unwrap();
    assert_eq!(claims_of(body["access_token"].as_str().unwrap())["aud"], "https://mobile-api.acme.test/");
}
