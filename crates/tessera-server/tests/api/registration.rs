//! RFC 7591 dynamic client registration and RFC 7592 client management at Keycloak's path, with initial
//! access tokens (§3) from the admin API and the realm's registration policy.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::ClientRegistrationStore;
use tessera_core::registration::initial_access::new_initial_access;
use tessera_core::registration::policy::{GRANT_TYPES_ATTRIBUTE, REDIRECT_HOSTS_ATTRIBUTE, SCOPES_ATTRIBUTE};
use tessera_testkit::TestServer;

const PATH: &str = "/realms/dcr/clients-registrations/openid-connect";

/// A realm that lets registered clients use client credentials and the `api` scope, on `*.example.com`.
async fn server() -> TestServer {
    let server = TestServer::spawn().await;
    let policy = [
        (GRANT_TYPES_ATTRIBUTE, "authorization_code refresh_token client_credentials"),
        (SCOPES_ATTRIBUTE, "api"),
        (REDIRECT_HOSTS_ATTRIBUTE, "*.example.com"),
    ];
    server.realm_with_attributes("dcr", SigningAlgorithm::Es256, &["api", "secret-api"], &policy).await;
    server
}

/// An initial access token made as the CLI makes it.
async fn initial_access(server: &TestServer, count: i64, expiration: i64) -> String {
    let realm = tessera_core::ports::RealmStore::find_realm(&server.store, "dcr").await.unwrap().unwrap();
    let (record, token) = new_initial_access(&realm.id, count, expiration, server.clock.now()).unwrap();
    server.store.insert_initial_access(&record).await.unwrap();
    token
}

async fn register(server: &TestServer, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut request = server.http.post(server.url(PATH)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

fn service_metadata() -> Value {
    json!({"client_name": "Billing", "grant_types": ["client_credentials"], "scope": "api",
           "contacts": ["ops@example.com"]})
}

#[tokio::test]
async fn rfc7591_3_registration_without_a_valid_initial_access_token_is_401() {
    let server = server().await;
    let response = server.http.post(server.url(PATH)).json(&service_metadata()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer realm=\"tessera\"", "RFC 6750 §3.1");
    let (status, body) = register(&server, Some("not-a-token"), &service_metadata()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
    let unknown = server.http.post(server.url("/realms/nowhere/clients-registrations/openid-connect"));
    assert_eq!(unknown.json(&json!({})).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rfc7591_3_2_1_a_registration_answers_201_with_credentials_the_client_can_use() {
    let server = server().await;
    let token = initial_access(&server, 1, 3600).await;
    let response =
        server.http.post(server.url(PATH)).bearer_auth(&token).json(&service_metadata()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store", "§3.2.1");
    let body: Value = response.json().await.unwrap();
    let client_id = body["client_id"].as_str().unwrap();
    let secret = body["client_secret"].as_str().unwrap();
    assert_eq!(body["client_secret_expires_at"], 0, "§3.2.1: REQUIRED with a secret");
    assert!(body["client_id_issued_at"].as_i64().unwrap() > 0);
    assert_eq!(body["registration_client_uri"], server.url(&format!("{PATH}/{client_id}")), "RFC 7592 §3");
    assert!(body["registration_access_token"].as_str().unwrap().len() >= 43);
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic", "§2 default");
    assert_eq!(body["grant_types"], json!(["client_credentials"]));
    assert_eq!(body["response_types"], json!([]));
    assert_eq!(body["scope"], "api");
    assert_eq!(body["client_name"], "Billing");
    assert_eq!(body["contacts"], json!(["ops@example.com"]));
    // The credentials work at once.
    let form = [("grant_type", "client_credentials"), ("scope", "api")];
    let tokens = server.http.post(server.token_url("dcr")).basic_auth(client_id, Some(secret)).form(&form);
    let tokens: Value = tokens.send().await.unwrap().json().await.unwrap();
    assert!(tokens["access_token"].is_string(), "{tokens}");
    // The token allowed one registration (Keycloak's count).
    let (status, body) = register(&server, Some(&token), &service_metadata()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
}

#[tokio::test]
async fn rfc7591_3_2_2_refused_metadata_is_invalid_redirect_uri_or_invalid_client_metadata() {
    let server = server().await;
    let token = initial_access(&server, 1, 0).await;
    let code = |uris: Value| json!({"redirect_uris": uris});
    let cases = [
        (code(json!(["http://app.example.com/cb"])), "invalid_redirect_uri", "http off loopback"),
        (code(json!(["https://app.example.com/cb#x"])), "invalid_redirect_uri", "fragment (RFC 6749 §3.1.2)"),
        (code(json!(["https://app.example.com/*"])), "invalid_redirect_uri", "wildcard"),
        (code(json!(["https://evil.test/cb"])), "invalid_redirect_uri", "host outside the realm's policy"),
        (code(json!(["cb"])), "invalid_redirect_uri", "relative"),
        (json!({}), "invalid_redirect_uri", "authorization_code without redirect_uris (§2)"),
        (json!({"grant_types": ["password"]}), "invalid_client_metadata", "password grant not allowed"),
        (json!({"grant_types": ["implicit"]}), "invalid_client_metadata", "unknown grant"),
        (json!({"grant_types": ["client_credentials"], "scope": "secret-api"}), "invalid_client_metadata", "scope"),
        (
            json!({"redirect_uris": ["https://a.example.com/cb"], "response_types": ["token"]}),
            "invalid_client_metadata",
            "implicit response type",
        ),
        (
            json!({"grant_types": ["client_credentials"], "response_types": ["code"]}),
            "invalid_client_metadata",
            "§2.1: response_types and grant_types disagree",
        ),
        (
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}),
            "invalid_client_metadata",
            "a public client with client_credentials",
        ),
        (
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
            "private_key_jwt without keys",
        ),
        (
            json!({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "private_key_jwt",
                   "jwks_uri": "https://a.example.com/jwks", "jwks": {"keys": []}}),
            "invalid_client_metadata",
            "§2: jwks and jwks_uri together",
        ),
        (json!(["not", "an", "object"]), "invalid_client_metadata", "not a JSON object"),
    ];
    let mut failures = Vec::new();
    for (metadata, error, why) in cases {
        let (status, body) = register(&server, Some(&token), &metadata).await;
        if status != StatusCode::BAD_REQUEST || body["error"] != error {
            failures.push(format!("{why}: {status} {body}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // Refusals took no use of the token: it still registers its one client.
    let ok = json!({"redirect_uris": ["https://app.example.com/cb", "http://127.0.0.1/cb"]});
    let (status, body) = register(&server, Some(&token), &ok).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["grant_types"], json!(["authorization_code"]), "§2 default");
    assert_eq!(body["response_types"], json!(["code"]));
}

#[tokio::test]
async fn rfc7592_2_the_registration_access_token_reads_replaces_and_deletes_the_client() {
    let server = server().await;
    let token = initial_access(&server, 1, 0).await;
    let (_, registered) = register(&server, Some(&token), &service_metadata()).await;
    let uri = registered["registration_client_uri"].as_str().unwrap().to_owned();
    let client_id = registered["client_id"].as_str().unwrap().to_owned();
    let rat = registered["registration_access_token"].as_str().unwrap().to_owned();
    let get = |t: &str| server.http.get(&uri).bearer_auth(t.to_owned()).send();

    // §2.1: read; the token stays valid.
    let read: Value = get(&rat).await.unwrap().json().await.unwrap();
    assert_eq!(read["client_id"], client_id.as_str());
    assert_eq!(read["registration_access_token"], rat.as_str());
    assert!(read.get("client_secret").is_none(), "kept hashed: never shown again");
    assert_eq!(get("wrong").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let other = server.http.get(server.url(&format!("{PATH}/someone-else"))).bearer_auth(&rat).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED, "§2.1: another client's URI is 401");

    // §2.2: the update names the client; the answer carries a new token and the old one dies.
    let no_id = server.http.put(&uri).bearer_auth(&rat).json(&service_metadata()).send().await.unwrap();
    assert_eq!(no_id.status(), StatusCode::BAD_REQUEST);
    assert_eq!(no_id.json::<Value>().await.unwrap()["error"], "invalid_client_metadata");
    let wrong_secret = json!({"client_id": client_id, "client_secret": "nope", "grant_types": ["client_credentials"]});
    let response = server.http.put(&uri).bearer_auth(&rat).json(&wrong_secret).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "§2.2: a client_secret must be the current one");
    let update = json!({"client_id": client_id, "client_secret": registered["client_secret"],
        "client_name": "Billing v2", "grant_types": ["client_credentials", "authorization_code"],
        "redirect_uris": ["https://billing.example.com/cb"]});
    let response = server.http.put(&uri).bearer_auth(&rat).json(&update).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["client_name"], "Billing v2");
    assert_eq!(updated["redirect_uris"], json!(["https://billing.example.com/cb"]));
    assert!(updated.get("scope").is_none(), "§2.2: a field left out is unset");
    let new_rat = updated["registration_access_token"].as_str().unwrap().to_owned();
    assert_ne!(new_rat, rat);
    assert_eq!(get(&rat).await.unwrap().status(), StatusCode::UNAUTHORIZED, "the old token is replaced");
    assert_eq!(get(&new_rat).await.unwrap().status(), StatusCode::OK);

    // §2.3: delete; the client and its token are gone.
    let deleted = server.http.delete(&uri).bearer_auth(&new_rat).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(get(&new_rat).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let form = [("grant_type", "client_credentials")];
    let secret = registered["client_secret"].as_str().unwrap();
    let tokens = server.http.post(server.token_url("dcr")).basic_auth(&client_id, Some(secret)).form(&form);
    assert_eq!(tokens.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rfc7591_3_an_initial_access_token_for_n_registrations_admits_only_n_of_many_racing() {
    let server = server().await;
    let token = initial_access(&server, 3, 0).await;
    let attempts: Vec<_> = (0..10)
        .map(|_| {
            let request = server.http.post(server.url(PATH)).bearer_auth(&token).json(&service_metadata());
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count(), 7, "{statuses:?}");
}

#[tokio::test]
async fn rfc7591_3_an_expired_initial_access_token_registers_nothing() {
    let server = server().await;
    let realm = tessera_core::ports::RealmStore::find_realm(&server.store, "dcr").await.unwrap().unwrap();
    let (record, token) = new_initial_access(&realm.id, 5, 60, server.clock.now() - 61).unwrap();
    server.store.insert_initial_access(&record).await.unwrap();
    let (status, body) = register(&server, Some(&token), &service_metadata()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
}

#[tokio::test]
async fn rfc8414_2_discovery_advertises_the_registration_endpoint() {
    let server = server().await;
    let url = server.url("/realms/dcr/.well-known/openid-configuration");
    let metadata: Value = server.http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(metadata["registration_endpoint"], server.url(PATH));
}

#[tokio::test]
async fn admin_api_issues_lists_and_deletes_initial_access_tokens_and_registrations_are_audited() {
    use crate::admin::{call, master_token};
    use reqwest::Method;
    let (server, _dir) = crate::admin::server().await;
    let admin = master_token(&server).await;
    let base = "/admin/realms/northwind/clients-initial-access";
    let create = json!({"count": 2, "expiration": 3600});
    let (status, created, _) = call(&server, Method::POST, base, Some(&admin), Some(create)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!((created["count"].as_i64(), created["remainingCount"].as_i64()), (Some(2), Some(2)));
    assert_eq!(created["expiration"], 3600);
    let (status, _, _) = call(&server, Method::POST, base, None, Some(json!({}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "administrators only");

    let path = "/realms/northwind/clients-registrations/openid-connect";
    let metadata = json!({"redirect_uris": ["https://shop.example.org/cb"], "client_name": "Shop"});
    let response = server.http.post(server.url(path)).bearer_auth(&token).json(&metadata).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let registered: Value = response.json().await.unwrap();

    let (_, listed, _) = call(&server, Method::GET, base, Some(&admin), None).await;
    assert_eq!(listed[0]["remainingCount"], 1, "{listed}");
    assert!(listed[0].get("token").is_none(), "stored hashed, shown once");
    let id = listed[0]["id"].as_str().unwrap();
    let (status, _, _) = call(&server, Method::DELETE, &format!("{base}/{id}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let response = server.http.post(server.url(path)).bearer_auth(&token).json(&metadata).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a deleted token registers nothing");

    // The policy is a realm attribute, checked when set through the realm update.
    let bad = json!({"attributes": {GRANT_TYPES_ATTRIBUTE: "implicit"}});
    let (status, _, _) = call(&server, Method::PUT, "/admin/realms/northwind", Some(&admin), Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown grant type is refused");
    let good = json!({"attributes": {GRANT_TYPES_ATTRIBUTE: "client_credentials"}});
    let (status, _, _) = call(&server, Method::PUT, "/admin/realms/northwind", Some(&admin), Some(good)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Every registration in the audit trail, with the client it made.
    let client_id = registered["client_id"].as_str().unwrap().to_owned();
    let query = tessera_core::audit::AuditQuery {
        realm: "northwind".into(),
        since: None,
        kind: Some(tessera_core::audit::AuditKind::ClientRegistered),
        client_id: None,
        limit: 10,
        newest_first: false,
    };
    let found = TestServer::eventually(std::time::Duration::from_secs(5), || async {
        let events = tessera_core::ports::AuditStore::audit_events(&server.store, &query).await.unwrap();
        events.iter().any(|e| e.client_id.as_deref() == Some(client_id.as_str()))
    })
    .await;
    assert!(found.is_some(), "the registration of {client_id} was audited");
}
