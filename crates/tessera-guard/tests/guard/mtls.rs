//! RFC 8705 §3 at the resource: a token the real server bound to a client certificate (over real TLS) is
//! refused without that certificate, and with another one; answered as RFC 6750 §3.1 `invalid_token`.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use tessera_core::model::SigningAlgorithm;
use tessera_guard::{ValidationError, Validator};
use tessera_testkit::TestServer;
use tessera_testkit::mtls::Pki;

#[tokio::test]
async fn rfc8705_3_a_certificate_bound_token_needs_the_certificate_it_is_bound_to() {
    let pki = Pki::new();
    let server = TestServer::builder().configure(|c| pki.serve_tls(c, false)).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    let cert = Pki::self_signed("svc");
    let body: serde_json::Value = pki
        .http(Some(&cert))
        .post(server.token_url("shop"))
        .basic_auth("svc", Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap();
    let http =
        reqwest::Client::builder().tls_certs_only([reqwest::Certificate::from_pem(pki.ca_pem().as_bytes()).unwrap()]);
    let validator =
        Validator::builder().issuer(server.issuer("shop")).any_audience().http_client(http).build().await.unwrap();
    let verified = validator.validate(token).await.unwrap();
    assert_eq!(verified.check_certificate(Some(&cert.thumbprint())), Ok(()));
    let missing = verified.check_certificate(None).unwrap_err();
    assert!(matches!(missing, ValidationError::InvalidToken(_)), "{missing:?}");
    let other = verified.check_certificate(Some(&Pki::self_signed("x").thumbprint())).unwrap_err();
    assert!(matches!(other, ValidationError::InvalidToken(_)));
    let response = missing.into_response();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer error=\"invalid_token\""), "{challenge}");
}
