#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::{Value, json};
use tessera_core::model::SigningAlgorithm;
use tessera_guard::Validator;
use tessera_testkit::TestServer;

#[tokio::test]
async fn routes_need_their_scopes() {
    let server = TestServer::spawn().await;
    server.realm("demo", SigningAlgorithm::Rs256, &["api:read", "api:write"]).await;
    let secret = server.service_client("demo", "demo-service", &["api:read"], &["api:write"]).await.secret;
    let validator =
        Validator::builder().issuer(server.issuer("demo")).audience(server.issuer("demo")).build().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, protected_api::app(Arc::new(validator))).await.unwrap() });
    let http = reqwest::Client::new();
    let reader = server.access_token("demo", "demo-service", &secret).await;
    let body: Value =
        server.client_credentials("demo", "demo-service", &secret, Some("api:write")).await.json().await.unwrap();
    let writer = body["access_token"].as_str().unwrap().to_owned();
    let order = json!({"item": "anvil", "quantity": 1});

    assert_eq!(http.get(format!("{api}/orders")).send().await.unwrap().status(), 401);
    assert_eq!(http.get(format!("{api}/orders")).bearer_auth(&reader).send().await.unwrap().status(), 200);
    let denied = http.post(format!("{api}/orders")).bearer_auth(&reader).json(&order).send().await.unwrap();
    assert_eq!(denied.status(), 403);
    let placed = http.post(format!("{api}/orders")).bearer_auth(&writer).json(&order).send().await.unwrap();
    assert_eq!(placed.status(), 201);
    assert_eq!(placed.json::<Value>().await.unwrap()["placed_by"], "demo-service");
    let listed: Value =
        http.get(format!("{api}/orders")).bearer_auth(&reader).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let me: Value = http.get(format!("{api}/whoami")).bearer_auth(&reader).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["client_id"], "demo-service");
}
