//! `tessera client initial-access` and `tessera client registration-policy` (RFC 7591 §3), run as a user
//! would: the token printed once registers clients at the real server's registration endpoint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tessera_testkit::TestServer;

mod common;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_access_tokens_from_the_cli_register_clients_under_the_realms_policy_rfc7591_3() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let server = TestServer::builder().data_dir(&d).spawn().await;
    server.realm("fleet", tessera_core::model::SigningAlgorithm::Es256, &["api"]).await;

    fails_with(&d, &["client", "registration-policy", "--realm", "fleet", "--grant-types", "implicit"], "implicit");
    let said = ok(
        &d,
        &[
            "client",
            "registration-policy",
            "--realm",
            "fleet",
            "--grant-types",
            "client_credentials",
            "--scopes",
            "api",
        ],
    );
    assert!(said.contains("grant types:      client_credentials"), "{said}");
    fails_with(&d, &["client", "initial-access", "create", "--realm", "fleet", "--count", "0"], "count");
    let said =
        ok(&d, &["client", "initial-access", "create", "--realm", "fleet", "--count", "1", "--expiration", "1h"]);
    let token = said.lines().find_map(|l| l.strip_prefix("token: ")).unwrap().trim().to_owned();
    let id = said.lines().find_map(|l| l.strip_prefix("id:    ")).unwrap().trim().to_owned();
    let listed = ok(&d, &["client", "initial-access", "list", "--realm", "fleet"]);
    assert!(listed.contains(&id) && !listed.contains(&token), "{listed}");

    let path = server.url("/realms/fleet/clients-registrations/openid-connect");
    let metadata = json!({"grant_types": ["client_credentials"], "scope": "api"});
    // The policy set above is read by the server once its caches see the change (one poll).
    let registered = TestServer::eventually(std::time::Duration::from_secs(5), || {
        let request = server.http.post(&path).bearer_auth(&token).json(&metadata).send();
        async move { request.await.unwrap().status() == reqwest::StatusCode::CREATED }
    })
    .await;
    assert!(registered.is_some(), "the CLI's token registered a client_credentials client");
    let again = server.http.post(&path).bearer_auth(&token).json(&metadata).send().await.unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::UNAUTHORIZED, "count 1: used up");
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");

    ok(&d, &["client", "initial-access", "delete", "--realm", "fleet", &id]);
    assert!(!ok(&d, &["client", "initial-access", "list", "--realm", "fleet"]).contains(&id));
}
