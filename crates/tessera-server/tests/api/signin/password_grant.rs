//! The resource owner password grant (RFC 6749 §4.3), for direct-access clients only.

use reqwest::StatusCode;
use serde_json::Value;

use super::{WEB, WEB_SECRET, acme, error_of};

#[tokio::test]
async fn the_password_grant_is_only_for_direct_access_clients_and_locks_out_after_failures_rfc6749_4_3() {
    use tessera_core::provisioning::NewClient;
    let server = acme().await;
    let migration = server
        .client(
            "acme",
            NewClient {
                client_id: "importer".into(),
                direct_access_grants: true,
                default_scopes: vec!["profile".into()],
                ..NewClient::default()
            },
        )
        .await;
    let grant = |client: &str, secret: &str, password: &str| {
        let form =
            [("grant_type", "password"), ("username", "roadrunner"), ("password", password), ("scope", "openid")];
        server.http.post(server.token_url("acme")).basic_auth(client, Some(secret)).form(&form).send()
    };
    let (status, error, _) = error_of(grant(WEB, WEB_SECRET, "Beep-Beep-Meep-2024").await.unwrap()).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "unauthorized_client"));
    let ok: Value = grant("importer", &migration.secret, "Beep-Beep-Meep-2024").await.unwrap().json().await.unwrap();
    assert!(ok["id_token"].is_string() && ok["refresh_token"].is_string(), "{ok}");
    for _ in 0..5 {
        assert_eq!(error_of(grant("importer", &migration.secret, "wrong").await.unwrap()).await.1, "invalid_grant");
    }
    let (_, error, description) =
        error_of(grant("importer", &migration.secret, "Beep-Beep-Meep-2024").await.unwrap()).await;
    assert_eq!(error, "invalid_grant");
    assert!(description.contains("too many"), "locked out even with the right password: {description}");
}
