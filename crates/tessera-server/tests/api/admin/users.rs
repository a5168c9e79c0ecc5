//! Users through the admin API: logout everywhere, lockouts, updates and deletion.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{SECRET, call, master_token, server};

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
