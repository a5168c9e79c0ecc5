//! The admin REST API, Keycloak's paths and representations (#16): who may call it (a Bearer token of ours
//! with `realm-management` roles, or `master`'s `admin`), and an administrator's first steps over real HTTP.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_testkit::TestServer;

use crate::roles::{SECRET, northwind};

const ADMIN_PASSWORD: &str = "Admin-Password-For-Tests-1";

async fn server() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder()
        .import_realm(northwind(dir.path()))
        .configure(|c| c.bootstrap_admin = Some(("admin".into(), ADMIN_PASSWORD.to_owned().into())))
        .spawn()
        .await;
    (server, dir)
}

/// Keycloak's admin tools: the password grant of `admin-cli` in `master`.
async fn master_token(server: &TestServer) -> String {
    let form =
        [("grant_type", "password"), ("client_id", "admin-cli"), ("username", "admin"), ("password", ADMIN_PASSWORD)];
    let body: Value =
        server.http.post(server.token_url("master")).form(&form).send().await.unwrap().json().await.unwrap();
    body["access_token"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value, Option<String>) {
    let mut request = server.http.request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), location)
}

#[tokio::test]
async fn a_master_administrator_creates_a_realm_client_user_role_and_group_and_the_users_next_token_shows_them() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let t = Some(token.as_str());
    let (status, keys, _) = call(&server, reqwest::Method::GET, "/admin/realms/northwind/keys", t, None).await;
    assert_eq!(status, 200);
    let active = keys["active"]["RS256"].as_str().unwrap();
    let jwks: Value = server
        .http
        .get(server.url("/realms/northwind/protocol/openid-connect/certs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == active), "the active kid is published");
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2, "active and next: {keys}");
    let (status, realms, _) = call(&server, reqwest::Method::GET, "/admin/realms", t, None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = realms.as_array().unwrap().iter().map(|r| r["realm"].as_str().unwrap()).collect();
    assert!(names.contains(&"master") && names.contains(&"northwind"), "{realms}");

    let (status, _, location) =
        call(&server, reqwest::Method::POST, "/admin/realms", t, Some(json!({"realm": "shop", "displayName": "Shop"})))
            .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(location.unwrap().ends_with("/admin/realms/shop"));
    let (status, body, _) =
        call(&server, reqwest::Method::POST, "/admin/realms", t, Some(json!({"realm": "shop"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["errorMessage"].is_string());

    // A client: 201 + Location naming its internal id; a second with the same clientId is 409.
    let client = json!({"clientId": "web", "directAccessGrantsEnabled": true, "serviceAccountsEnabled": true, "defaultClientScopes": ["roles"]});
    let (status, _, location) =
        call(&server, reqwest::Method::POST, "/admin/realms/shop/clients", t, Some(client.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let location = location.unwrap();
    let id = location.rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        call(&server, reqwest::Method::POST, "/admin/realms/shop/clients", t, Some(client)).await.0,
        StatusCode::CONFLICT
    );
    let (_, found, _) = call(&server, reqwest::Method::GET, "/admin/realms/shop/clients?clientId=web", t, None).await;
    assert_eq!(found[0]["id"], id);
    assert!(found[0].get("secret").is_none(), "a secret never leaves: {found}");
    // Regenerate the secret (shown once) and get a token with it.
    let (status, secret, _) =
        call(&server, reqwest::Method::POST, &format!("/admin/realms/shop/clients/{id}/client-secret"), t, None).await;
    assert_eq!(status, 200);
    let secret = secret["value"].as_str().unwrap().to_owned();
    let issued = server.client_credentials("shop", "web", &secret, None).await;
    assert_eq!(issued.status(), 200);
    let body: Value = issued.json().await.unwrap();
    // Its service account holds the realm's default role, as Keycloak gives it.
    let claims = crate::support::claims_of(body["access_token"].as_str().unwrap());
    assert!(claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("default-roles-shop")), "{claims}");

    // A role, a group holding it, a user in the group with a password: their token carries the role.
    assert_eq!(
        call(&server, reqwest::Method::POST, "/admin/realms/shop/roles", t, Some(json!({"name": "buyer"}))).await.0,
        StatusCode::CREATED
    );
    let (status, _, group) =
        call(&server, reqwest::Method::POST, "/admin/realms/shop/groups", t, Some(json!({"name": "customers"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let group_id = group.unwrap().rsplit('/').next().unwrap().to_owned();
    let (status, _, user) = call(
        &server,
        reqwest::Method::POST,
        "/admin/realms/shop/users",
        t,
        Some(json!({"username": "Carol", "email": "carol@shop.example", "enabled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let user_id = user.unwrap().rsplit('/').next().unwrap().to_owned();
    let reset = json!({"type": "password", "value": "Carol-Password-1", "temporary": false});
    assert_eq!(
        call(
            &server,
            reqwest::Method::PUT,
            &format!("/admin/realms/shop/users/{user_id}/reset-password"),
            t,
            Some(reset)
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&server, reqwest::Method::PUT, &format!("/admin/realms/shop/users/{user_id}/groups/{group_id}"), t, None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let grant = json!([{"name": "buyer"}]);
    assert_eq!(
        call(
            &server,
            reqwest::Method::POST,
            &format!("/admin/realms/shop/users/{user_id}/role-mappings/realm"),
            t,
            Some(grant)
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, users, _) = call(&server, reqwest::Method::GET, "/admin/realms/shop/users?search=carol", t, None).await;
    assert_eq!(users[0]["username"], "carol", "Keycloak keeps usernames in lower case: {users}");
    let (_, count, _) = call(&server, reqwest::Method::GET, "/admin/realms/shop/users/count", t, None).await;
    assert_eq!(count, 1);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await; // the directory's refresh interval
    let form = [("grant_type", "password"), ("username", "carol"), ("password", "Carol-Password-1")];
    let tokens: Value = server
        .http
        .post(server.token_url("shop"))
        .basic_auth("web", Some(&secret))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims = crate::support::claims_of(tokens["access_token"].as_str().unwrap_or_else(|| panic!("{tokens}")));
    let roles = claims["realm_access"]["roles"].as_array().unwrap();
    assert!(roles.contains(&json!("buyer")) && roles.contains(&json!("default-roles-shop")), "{claims}");

    // Delete the client: 204, then 404.
    assert_eq!(
        call(&server, reqwest::Method::DELETE, &location.replace(&server.base_url, ""), t, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&server, reqwest::Method::GET, &format!("/admin/realms/shop/clients/{id}"), t, None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn rights_come_from_realm_management_roles_and_never_reach_another_realm() {
    let (server, _dir) = server().await;
    // ci-admin's service account holds realm-management/realm-admin in northwind (the export says so).
    let body: Value = server.client_credentials("northwind", "ci-admin", SECRET, None).await.json().await.unwrap();
    let ci = body["access_token"].as_str().unwrap().to_owned();
    let (status, users, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users", Some(&ci), None).await;
    assert_eq!(status, 200);
    assert!(users.as_array().unwrap().iter().any(|u| u["username"] == "grace"), "{users}");
    // The same token in another realm, or creating realms: 403.
    assert_eq!(
        call(&server, reqwest::Method::GET, "/admin/realms/master", Some(&ci), None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&server, reqwest::Method::POST, "/admin/realms", Some(&ci), Some(json!({"realm": "x"}))).await.0,
        StatusCode::FORBIDDEN
    );
    // reporting-job has no realm-management role: 403 everywhere.
    let body: Value = server.client_credentials("northwind", "reporting-job", SECRET, None).await.json().await.unwrap();
    let plain = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users", Some(&plain), None).await.0,
        StatusCode::FORBIDDEN
    );
    // No token, a forged one, or one of an unknown issuer: 401 with a Bearer challenge.
    let (status, body, _) = call(&server, reqwest::Method::GET, "/admin/realms", None, None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("HTTP 401 Unauthorized")));
    let forged = format!("{}x", &ci[..ci.len() - 1]);
    assert_eq!(
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users", Some(&forged), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&server, reqwest::Method::GET, "/admin/realms", Some("not.a.token"), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A bad body is 400 in JSON, never a 415/422 in plain text; an unknown user is 404.
    let master = master_token(&server).await;
    let response = server
        .http
        .post(server.url("/admin/realms/northwind/users"))
        .bearer_auth(&master)
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.json::<Value>().await.unwrap()["errorMessage"].is_string());
    assert_eq!(
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users/nope", Some(&master), None).await.0,
        StatusCode::NOT_FOUND
    );
}

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

#[tokio::test]
async fn logging_a_user_out_through_the_admin_api_voids_their_earlier_tokens_rfc7009_2_1() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let t = Some(token.as_str());
    let form = [("grant_type", "password"), ("username", "grace"), ("password", "Grace-Hopper-1906")];
    let tokens: Value = server
        .http
        .post(server.token_url("northwind"))
        .basic_auth("roles-app", Some(SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let introspect = |token: String| {
        let server = &server;
        async move {
            let body: Value = server
                .http
                .post(server.url("/realms/northwind/protocol/openid-connect/token/introspect"))
                .basic_auth("roles-app", Some(SECRET))
                .form(&[("token", token.as_str())])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["active"].as_bool().unwrap()
        }
    };
    assert!(introspect(access.clone()).await);
    // Instants are whole seconds: a token of the revocation's own second would survive it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, user, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users?username=grace&exact=true", t, None).await;
    let grace = user[0]["id"].as_str().unwrap().to_owned();
    let (status, _, _) =
        call(&server, reqwest::Method::POST, &format!("/admin/realms/northwind/users/{grace}/logout"), t, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!introspect(access).await, "the earlier access token is inactive");
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    let refreshed = server
        .http
        .post(server.token_url("northwind"))
        .basic_auth("roles-app", Some(SECRET))
        .form(&refresh)
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST, "the refresh token is revoked");
    let logged = format!("/admin/realms/northwind/admin-events?resourcePath=users/{grace}/logout");
    let (_, events, _) = call(&server, reqwest::Method::GET, &logged, t, None).await;
    assert_eq!(events.as_array().unwrap().len(), 1, "one admin event for the logout: {events}");
    // Only manage-users may: reporting-job's token is refused.
    let body: Value = server.client_credentials("northwind", "reporting-job", SECRET, None).await.json().await.unwrap();
    let plain = body["access_token"].as_str().unwrap();
    let path = format!("/admin/realms/northwind/users/{grace}/logout");
    assert_eq!(call(&server, reqwest::Method::POST, &path, Some(plain), None).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_administrator_sees_a_users_lockout_and_clears_it_keycloaks_attack_detection() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let t = Some(token.as_str());
    let (_, user, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users?username=alan&exact=true", t, None).await;
    let alan = user[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/admin/realms/northwind/attack-detection/brute-force/users/{alan}");
    let (status, fresh, _) = call(&server, reqwest::Method::GET, &path, t, None).await;
    assert_eq!(status, 200);
    assert_eq!((fresh["numFailures"].as_u64(), fresh["disabled"].as_bool()), (Some(0), Some(false)), "{fresh}");
    let grant = |password: &'static str| {
        let server = &server;
        async move {
            let form = [("grant_type", "password"), ("username", "alan"), ("password", password)];
            server
                .http
                .post(server.token_url("northwind"))
                .basic_auth("roles-app", Some(SECRET))
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Northwind's failureFactor is 5: five wrong passwords lock alan out, even with the right one.
    for _ in 0..4 {
        assert_eq!(grant("wrong").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(grant("wrong").await, StatusCode::BAD_REQUEST, "the fifth failure is told it locked the account");
    assert_ne!(grant("Alan-Kay-1940").await, StatusCode::OK, "locked out");
    let (_, locked, _) = call(&server, reqwest::Method::GET, &path, t, None).await;
    assert_eq!(locked["disabled"], true, "{locked}");
    assert!(locked["numFailures"].as_u64().unwrap() > 0 && locked["lastFailure"].as_i64().unwrap() > 0);
    // Cleared by an administrator: alan signs in at once.
    assert_eq!(call(&server, reqwest::Method::DELETE, &path, t, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(grant("Alan-Kay-1940").await, StatusCode::OK);
    let (_, cleared, _) = call(&server, reqwest::Method::GET, &path, t, None).await;
    assert_eq!(cleared["disabled"], false);
}

#[tokio::test]
async fn updating_a_user_is_partial_disabling_voids_their_tokens_and_deleting_them_leaves_nothing() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let t = Some(token.as_str());
    let (_, user, _) =
        call(&server, reqwest::Method::GET, "/admin/realms/northwind/users?username=alan&exact=true", t, None).await;
    let alan = user[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/admin/realms/northwind/users/{alan}");
    let form = [("grant_type", "password"), ("username", "alan"), ("password", "Alan-Kay-1940")];
    let body: Value = server
        .http
        .post(server.token_url("northwind"))
        .basic_auth("roles-app", Some(SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let earlier = body["access_token"].as_str().unwrap().to_owned();

    // A partial update: only the fields sent change.
    let (status, _, _) = call(&server, reqwest::Method::PUT, &path, t, Some(json!({"firstName": "Alan C."}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, now, _) = call(&server, reqwest::Method::GET, &path, t, None).await;
    assert_eq!(
        (now["firstName"].as_str(), now["lastName"].as_str(), now["email"].as_str()),
        (Some("Alan C."), Some("Kay"), Some("alan@northwind.example"))
    );
    let rename = call(&server, reqwest::Method::PUT, &path, t, Some(json!({"username": "alfred"}))).await;
    assert_eq!(rename.0, StatusCode::BAD_REQUEST, "usernames do not change");

    // Disabling ends what alan holds (whole-second instants: wait out the token's second).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        call(&server, reqwest::Method::PUT, &path, t, Some(json!({"enabled": false}))).await.0,
        StatusCode::NO_CONTENT
    );
    let userinfo = server
        .http
        .get(server.url("/realms/northwind/protocol/openid-connect/userinfo"))
        .bearer_auth(&earlier)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    let refused = server
        .http
        .post(server.token_url("northwind"))
        .basic_auth("roles-app", Some(SECRET))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "a disabled user cannot sign in");

    // Deleted: 204, then 404.
    assert_eq!(call(&server, reqwest::Method::DELETE, &path, t, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(call(&server, reqwest::Method::GET, &path, t, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&server, reqwest::Method::DELETE, &path, t, None).await.0, StatusCode::NOT_FOUND);
}
