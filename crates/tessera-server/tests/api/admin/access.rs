//! Who may call the admin API, and an administrator's first steps (realm, client, role, group, user, keys).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{SECRET, call, master_token, server};

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
