//! `tessera client auth` registers a client's keys (RFC 7523 §2.2 `private_key_jwt`) and
//! `tessera token --private-key` gets a token with them, run as a user would against a real server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_testkit::TestServer;

mod common;
use common::*;

/// A P-256 key pair: its PKCS#8 PEM and its public JWK Set.
fn es256_key(kid: &str) -> (String, String) {
    let pair = rcgen::KeyPair::generate().unwrap();
    let point = pair.public_key_raw();
    assert_eq!(point.len(), 65, "an uncompressed P-256 point");
    let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]));
    let jwks = serde_json::json!({"keys": [{"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "use": "sig"}]});
    (pair.serialize_pem(), jwks.to_string())
}

// Multi-threaded: the test blocks on child processes that call the in-process server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_auth_registers_a_jwks_and_token_private_key_gets_a_token_rfc7523_2_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let server = TestServer::builder().data_dir(&d).spawn().await;
    server.realm("shop", tessera_core::model::SigningAlgorithm::Es256, &[]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    let (pem, jwks) = es256_key("svc-1");
    let (key_file, jwks_file, secret_file) = (d.join("svc.pem"), d.join("svc.jwks"), d.join("svc.secret"));
    std::fs::write(&key_file, pem).unwrap();
    std::fs::write(&jwks_file, jwks).unwrap();
    std::fs::write(&secret_file, &secret).unwrap();

    // A private key is refused as a JWK Set to register.
    let private = d.join("private.jwks");
    std::fs::write(&private, r#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}]}"#).unwrap();
    fails_with(
        &d,
        &["client", "auth", "--realm", "shop", "svc", "--jwks-file", private.to_str().unwrap()],
        "public keys only",
    );

    let said = ok(&d, &["client", "auth", "--realm", "shop", "svc", "--jwks-file", jwks_file.to_str().unwrap()]);
    assert!(said.contains("client-jwt"), "{said}");
    let issuer = server.issuer("shop");
    let token_args = ["token", "--issuer", &issuer, "--client-id", "svc", "--private-key", key_file.to_str().unwrap()];
    let took = TestServer::eventually(Duration::from_secs(5), || {
        let o = run(&d, &token_args);
        async move { o.status.success() }
    })
    .await;
    assert!(took.is_some(), "no token with --private-key: {}", stderr(&run(&d, &token_args)));
    let with_kid = ok(&d, &[&token_args[..], &["--key-id", "svc-1"]].concat());
    assert_eq!(with_kid.trim().split('.').count(), 3);
    // The secret alone no longer authenticates a client registered for private_key_jwt.
    fails_with(
        &d,
        &["token", "--issuer", &issuer, "--client-id", "svc", "--client-secret-file", secret_file.to_str().unwrap()],
        "invalid_client",
    );
    // Back to the secret.
    ok(&d, &["client", "auth", "--realm", "shop", "svc", "--secret"]);
    let took = TestServer::eventually(Duration::from_secs(5), || async {
        server.client_credentials("shop", "svc", &secret, None).await.status() == 200
    })
    .await;
    assert!(took.is_some(), "the secret works again");
}

/// RFC 9449 §5: `tessera token --dpop-key FILE` sends a proof by the key in FILE; the token is `DPoP` and
/// bound to it (`cnf.jkt`, §6.1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_dpop_key_gets_a_token_bound_to_the_key_rfc9449_5() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let server = TestServer::builder().data_dir(&d).spawn().await;
    server.realm("shop", tessera_core::model::SigningAlgorithm::Es256, &[]).await;
    let secret = server.service_client("shop", "svc", &[], &[]).await.secret;
    let (pem, _) = es256_key("dpop");
    let (key_file, secret_file) = (d.join("dpop.pem"), d.join("svc.secret"));
    std::fs::write(&key_file, pem).unwrap();
    std::fs::write(&secret_file, &secret).unwrap();
    let issuer = server.issuer("shop");
    let args = [
        "token",
        "--issuer",
        &issuer,
        "--client-id",
        "svc",
        "--client-secret-file",
        secret_file.to_str().unwrap(),
        "--dpop-key",
        key_file.to_str().unwrap(),
        "--json",
    ];
    let took = TestServer::eventually(Duration::from_secs(5), || {
        let o = run(&d, &args);
        async move { o.status.success() }
    })
    .await;
    assert!(took.is_some(), "no token with --dpop-key: {}", stderr(&run(&d, &args)));
    let response: serde_json::Value = serde_json::from_str(&ok(&d, &args)).unwrap();
    assert_eq!(response["token_type"], "DPoP", "{response}");
    let token = response["access_token"].as_str().unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let jkt = tessera_client::DpopKey::from_file(&key_file).unwrap().thumbprint().to_owned();
    assert_eq!(claims["cnf"]["jkt"], jkt.as_str());
    fails_with(
        &d,
        &[
            "token",
            "--issuer",
            &issuer,
            "--client-id",
            "svc",
            "--client-secret-file",
            secret_file.to_str().unwrap(),
            "--dpop-key",
            secret_file.to_str().unwrap(),
        ],
        "DPoP key",
    );
}
