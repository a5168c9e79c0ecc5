use std::path::PathBuf;

use jsonwebtoken::Algorithm;
use serde_json::Value;
use tessera_testkit::TestServer;

use crate::support::{access_token, verify_with_jwks_of, verify_with_served_jwks};

fn acme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/keycloak-realm-acme.json")
}

#[tokio::test]
async fn imported_keycloak_realm_serves_its_clients_as_keycloak_would() {
    let server = TestServer::builder().import_realm(acme()).spawn().await;
    // billing-service: secret from the export, default orders:read, optional orders:write, 120 s lifespan.
    let secret = "billing-service-secret-77f0c2b5d1e94a3c";
    let response = server.client_credentials("acme", "billing-service", secret, Some("orders:write")).await;
    let body: Value = {
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    };
    assert_eq!(body["expires_in"], 120);
    assert_eq!(body["scope"], "orders:read orders:write");
    let token = body["access_token"].as_str().unwrap();
    let claims = verify_with_served_jwks(&server, "acme", token, Algorithm::RS256).await;
    // Keycloak's service-account user keeps its id, so `sub` does not change on migration.
    assert_eq!(claims["sub"], "u3");
    assert_eq!(claims["preferred_username"], "service-account-billing-service");

    // storefront is public: no client credentials (RFC 6749 §4.4).
    let spa = server
        .http
        .post(server.token_url("acme"))
        .form(&[("grant_type", "client_credentials"), ("client_id", "storefront")])
        .send()
        .await
        .unwrap();
    assert_eq!(spa.status(), 400);
    assert_eq!(spa.json::<Value>().await.unwrap()["error"], "unauthorized_client");

    // legacy-importer is disabled in the export.
    let legacy =
        server.client_credentials("acme", "legacy-importer", "legacy-importer-secret-5a9c1e3f7b2d4608", None).await;
    assert_eq!(legacy.status(), 401);

    // backoffice has no service account.
    let backoffice = server.client_credentials("acme", "backoffice", "backoffice-secret-0d2e8b6a4c7f1359", None).await;
    assert_eq!(backoffice.status(), 400);
    assert_eq!(backoffice.json::<Value>().await.unwrap()["error"], "unauthorized_client");

    let note = server.http.get(server.url("/realms/acme/.well-known/openid-configuration")).send().await.unwrap();
    let doc: Value = note.json().await.unwrap();
    assert_eq!(doc["issuer"], server.issuer("acme"));
}

#[tokio::test]
async fn importing_a_realm_that_exists_is_skipped_on_restart() {
    let dir = tempfile::tempdir().unwrap();
    // Import once, stop, start again on the same data with the same file.
    let one = TestServer::builder().data_dir(dir.path()).import_realm(acme()).spawn().await;
    let token = access_token(
        one.client_credentials("acme", "billing-service", "billing-service-secret-77f0c2b5d1e94a3c", None).await,
    )
    .await;
    let first_issuer = one.issuer("acme");
    one.stop().await;
    let two = TestServer::builder().data_dir(dir.path()).import_realm(acme()).spawn().await;
    // Same realm, same keys: the token from the first run still verifies against the second's JWKS.
    verify_with_jwks_of(&two, "acme", &token, Algorithm::RS256, &first_issuer).await;
    let again = access_token(
        two.client_credentials("acme", "billing-service", "billing-service-secret-77f0c2b5d1e94a3c", None).await,
    )
    .await;
    verify_with_served_jwks(&two, "acme", &again, Algorithm::RS256).await;
}
