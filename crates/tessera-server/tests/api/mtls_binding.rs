//! What a client certificate binds besides access tokens (RFC 8705): a public client's refresh token (§4; a
//! confidential client's is bound by its authentication, §7.1), and what userinfo, a protected resource,
//! asks of a certificate-bound token (§3).

use reqwest::StatusCode;
use serde_json::Value;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;
use tessera_testkit::mtls::{ClientIdentity, Pki};

use crate::signin::{error_of, fixture};
use crate::support::claims_of;

async fn tls_acme(pki: &Pki) -> TestServer {
    let server = TestServer::builder().import_realm(fixture()).configure(|c| pki.serve_tls(c, false)).spawn().await;
    let public =
        NewClient { client_id: "cli".into(), public_client: true, direct_access_grants: true, ..NewClient::default() };
    server.client("acme", public).await;
    server
}

/// A token request of the public client `cli` over TLS, with `cert` when given.
async fn cli_token(
    server: &TestServer,
    pki: &Pki,
    cert: Option<&ClientIdentity>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let form = [form, &[("client_id", "cli")][..]].concat();
    pki.http(cert).post(server.token_url("acme")).form(&form).send().await.unwrap()
}

async fn signed_in(server: &TestServer, pki: &Pki, cert: Option<&ClientIdentity>) -> Value {
    let form =
        [("grant_type", "password"), ("username", "wile"), ("password", "Super-Genius-1949"), ("scope", "openid")];
    let response = cli_token(server, pki, cert, &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn x5t(token: &Value) -> Value {
    claims_of(token["access_token"].as_str().unwrap())["cnf"]["x5t#S256"].clone()
}

#[tokio::test]
async fn rfc8705_4_a_public_clients_refresh_token_is_usable_only_with_the_certificate_that_obtained_it() {
    let pki = Pki::new();
    let server = tls_acme(&pki).await;
    let (cert, other) = (Pki::self_signed("phone"), Pki::self_signed("thief"));
    let tokens = signed_in(&server, &pki, Some(&cert)).await;
    assert_eq!(x5t(&tokens), cert.thumbprint().as_str(), "§3: a public client's access token is bound too");
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    for (why, presented) in [("no certificate", None), ("another certificate", Some(&other))] {
        let (status, error, _) = error_of(cli_token(&server, &pki, presented, &refresh).await).await;
        assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_grant"), "{why}");
    }
    let refreshed = cli_token(&server, &pki, Some(&cert), &refresh).await;
    assert_eq!(refreshed.status(), StatusCode::OK, "the refusals did not use the token up");
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(x5t(&refreshed), cert.thumbprint().as_str());
    let next = [("grant_type", "refresh_token"), ("refresh_token", refreshed["refresh_token"].as_str().unwrap())];
    let (status, _, _) = error_of(cli_token(&server, &pki, None, &next).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the successor is bound as well");

    // Obtained without a certificate, a refresh token is not bound.
    let plain = signed_in(&server, &pki, None).await;
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", plain["refresh_token"].as_str().unwrap())];
    assert_eq!(cli_token(&server, &pki, None, &refresh).await.status(), StatusCode::OK);
}

/// §7.1: a confidential client's refresh token is bound "by way of the client ID and the associated
/// requirement for ... authentication": the secret refreshes it over a connection without the certificate.
#[tokio::test]
async fn rfc8705_7_1_a_confidential_clients_refresh_token_is_not_bound_to_the_certificate() {
    let pki = Pki::new();
    let server = tls_acme(&pki).await;
    let spec = NewClient { client_id: "importer".into(), direct_access_grants: true, ..NewClient::default() };
    let importer = server.client("acme", spec).await;
    let cert = Pki::self_signed("server");
    let post = |http: reqwest::Client, form: Vec<(&'static str, String)>| {
        http.post(server.token_url("acme")).basic_auth("importer", Some(importer.secret.clone())).form(&form).send()
    };
    let password = vec![("grant_type", "password"), ("username", "roadrunner"), ("password", "Beep-Beep-Meep-2024")];
    let password = password.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
    let first: Value = post(pki.http(Some(&cert)), password).await.unwrap().json().await.unwrap();
    assert_eq!(x5t(&first), cert.thumbprint().as_str(), "{first}");
    let refresh = vec![("grant_type", "refresh_token"), ("refresh_token", first["refresh_token"].as_str().unwrap())];
    let refresh = refresh.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
    let second = post(pki.http(None), refresh).await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert!(x5t(&second).is_null(), "no certificate now, no binding: {second}");
}

/// §3: "verify that it matches the certificate associated with the access token. If they do not match, the
/// resource access attempt MUST be rejected with an error, per [RFC6750], using an HTTP 401 status code and
/// the invalid_token error code."
#[tokio::test]
async fn rfc8705_3_userinfo_refuses_a_certificate_bound_token_without_its_certificate_as_invalid_token() {
    let pki = Pki::new();
    let server = tls_acme(&pki).await;
    let cert = Pki::self_signed("phone");
    let tokens = signed_in(&server, &pki, Some(&cert)).await;
    let access = tokens["access_token"].as_str().unwrap();
    let userinfo = server.url("/realms/acme/protocol/openid-connect/userinfo");
    let call = |presented: Option<&ClientIdentity>| pki.http(presented).get(&userinfo).bearer_auth(access).send();
    let answer = call(Some(&cert)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK, "over a connection with its certificate");
    let body: Value = answer.json().await.unwrap();
    assert!(body["sub"].as_str().is_some_and(|s| !s.is_empty()), "{body}");
    for (why, presented) in [("no certificate", None), ("another certificate", Some(Pki::self_signed("thief")))] {
        let refused = call(presented.as_ref()).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{why}");
        let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer") && challenge.contains("error=\"invalid_token\""), "{why}: {challenge}");
    }
    // An unbound token needs no certificate.
    let plain = signed_in(&server, &pki, None).await;
    let plain = plain["access_token"].as_str().unwrap();
    assert_eq!(pki.http(None).get(&userinfo).bearer_auth(plain).send().await.unwrap().status(), StatusCode::OK);
}
