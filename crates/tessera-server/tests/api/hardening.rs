//! Findings of the attacker's review, each reproduced: sizes from outside are bounded where the request
//! enters, and nothing is parsed or looked up per scope before the client is authenticated.

use serde_json::Value;
use tessera_core::audit::{AuditQuery, MAX_FIELD_CHARS};
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::AuditStore;
use tessera_testkit::TestServer;

async fn shop(dir: &std::path::Path) -> (TestServer, String) {
    let server = TestServer::builder().data_dir(dir).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["a"]).await;
    let svc = server.service_client("shop", "svc", &["a"], &[]).await;
    (server, svc.secret)
}

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_300_kb_client_id_in_basic_is_invalid_client_and_no_audit_row_grows_with_it_rfc6749_2_3_1() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = shop(dir.path()).await;
    let huge = "c".repeat(300_000);
    for _ in 0..3 {
        let response = server
            .http
            .post(server.token_url("shop"))
            .basic_auth(&huge, Some("whatever"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(response).await, (401, "invalid_client".to_owned()));
    }
    // A well-formed attempt at a long (but legal) name is still audited, bounded.
    let long = "d".repeat(255);
    assert_eq!(server.client_credentials("shop", &long, "wrong", None).await.status(), 401);
    let store =
        tessera_store::SqlStore::connect(&tessera_store::SqlStore::sqlite_url_for_dir(dir.path())).await.unwrap();
    server.stop().await;
    let events = store.audit_events(&AuditQuery { realm: "shop".into(), ..AuditQuery::default() }).await.unwrap();
    assert!(events.iter().any(|e| e.client_id.as_deref() == Some(long.as_str())), "{events:?}");
    let widest = events.iter().filter_map(|e| e.client_id.as_ref()).map(|c| c.chars().count()).max();
    assert!(widest.is_some_and(|w| w <= MAX_FIELD_CHARS + 1), "an audit row holds a {widest:?}-character client id");
}

#[tokio::test]
async fn client_authentication_comes_before_any_scope_parsing_rfc6749_3_3_rfc9700_4_15() {
    let dir = tempfile::tempdir().unwrap();
    let (server, secret) = shop(dir.path()).await;
    // A wrong secret with a malformed scope: the client learns only that it is not authenticated.
    let response = server.client_credentials("shop", "svc", "wrong", Some("a\\b")).await;
    assert_eq!(error_of(response).await, (401, "invalid_client".to_owned()));
    // 1,000 distinct scopes are refused whole (at most 256 are read), once the client is known; 10,000
    // do not fit the scope parameter's bound at all.
    for (count, error) in [(1_000, "invalid_scope"), (10_000, "invalid_request")] {
        let many: Vec<String> = (0..count).map(|i| format!("s{i}")).collect();
        let response = server.client_credentials("shop", "svc", &secret, Some(&many.join(" "))).await;
        assert_eq!(error_of(response).await, (400, error.to_owned()), "{count} scopes");
    }
    assert_eq!(server.client_credentials("shop", "svc", &secret, Some("a")).await.status(), 200);
}

#[tokio::test]
async fn overlong_parameters_are_invalid_request_where_they_enter_rfc6749_3_2() {
    let dir = tempfile::tempdir().unwrap();
    let (server, secret) = shop(dir.path()).await;
    let long = "r".repeat(10_000);
    let response = server
        .http
        .post(server.token_url("shop"))
        .basic_auth("svc", Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await, (400, "invalid_request".to_owned()));
    // A realm name no realm can have is a 404 before any lookup.
    let response = server.http.post(server.token_url(&"n".repeat(60_000))).send().await.unwrap();
    assert_eq!(response.status(), 404);
}
