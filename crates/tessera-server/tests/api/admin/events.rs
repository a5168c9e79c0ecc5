//! Admin events and the audit trail as Keycloak's events.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{SECRET, call, master_token, server};

#[tokio::test]
async fn every_admin_write_is_an_admin_event_without_its_secrets_and_the_audit_trail_reads_as_keycloak_events() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let t = Some(token.as_str());
    let client = json!({"clientId": "billing", "secret": "a-chosen-secret-that-must-not-be-kept-1", "serviceAccountsEnabled": true});
    let (status, _, location) =
        call(&server, reqwest::Method::POST, "/admin/realms/northwind/clients", t, Some(client)).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = location.unwrap().rsplit('/').next().unwrap().to_owned();
    let (_, user, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users?username=grace&exact=true", t, None).await;
    let grace = user[0]["id"].as_str().unwrap().to_owned();
    let reset = json!({"type": "password", "value": "Another-Password-2", "temporary": true});
    call(
        &server,
        reqwest::Method::PUT,
        &format!("/admin/realms/northwind/users/{grace}/reset-password"),
        t,
        Some(reset),
    )
    .await;
    // The chosen secret works, once the directory has seen the new client.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(
        server
            .client_credentials("northwind", "billing", "a-chosen-secret-that-must-not-be-kept-1", None)
            .await
            .status(),
        200
    );

    let (status, events, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/admin-events", t, None).await;
    assert_eq!(status, 200);
    let events = events.as_array().unwrap();
    // Newest first: the password reset (no representation: it would hold the password), then the client.
    assert_eq!(
        (events[0]["operationType"].as_str(), events[0]["resourceType"].as_str()),
        (Some("ACTION"), Some("USER"))
    );
    assert_eq!(events[0]["resourcePath"], format!("users/{grace}/reset-password"));
    assert!(events[0].get("representation").is_none());
    assert_eq!(events[1]["resourcePath"], format!("clients/{id}"));
    let representation = events[1]["representation"].as_str().unwrap();
    assert!(representation.contains("billing") && !representation.contains("a-chosen-secret"), "{representation}");
    assert_eq!(events[1]["authDetails"]["realmId"], "master");
    assert_eq!(events[1]["authDetails"]["ipAddress"], "127.0.0.1");
    let filtered = call(
        &server,
        reqwest::Method::GET,
        "/admin/realms/northwind/admin-events?operationTypes=CREATE&resourceTypes=CLIENT",
        t,
        None,
    )
    .await
    .1;
    assert_eq!(filtered.as_array().unwrap().len(), 1);

    // The audit trail in Keycloak's event shape: a wrong secret is a CLIENT_LOGIN_ERROR. (Issued tokens are
    // counted per minute, so they appear once their minute is over.)
    assert_eq!(server.client_credentials("northwind", "billing", "wrong", None).await.status(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await; // the trail is written in batches
    let (status, events, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/events?client=billing", t, None).await;
    assert_eq!(status, 200);
    let error = events.as_array().unwrap().iter().find(|e| e["type"] == "CLIENT_LOGIN_ERROR");
    assert!(error.is_some_and(|e| e["clientId"] == "billing" && e["error"].is_string()), "{events}");
    // Reading events needs view-events: reporting-job has no admin role.
    let body: Value = server.client_credentials("northwind", "reporting-job", SECRET, None).await.json().await.unwrap();
    let plain = body["access_token"].as_str().unwrap();
    assert_eq!(
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/admin-events", Some(plain), None).await.0,
        StatusCode::FORBIDDEN
    );
}
