//! The userinfo endpoint (OIDC Core §5.3) and its bearer-token rules (RFC 6750).

use reqwest::header::WWW_AUTHENTICATE;
use serde_json::Value;

use super::{Browser, acme, pkce, redeem_spa, userinfo};

#[tokio::test]
async fn userinfo_needs_a_bearer_token_with_openid_rfc6750_3_1() {
    let server = acme().await;
    let url = server.url("/realms/acme/protocol/openid-connect/userinfo");
    let none = server.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()[WWW_AUTHENTICATE], "Bearer realm=\"tessera\"");
    let bad = userinfo(&server, "not-a-token").await;
    assert_eq!(bad.status(), 401);
    assert!(bad.headers()[WWW_AUTHENTICATE].to_str().unwrap().contains("error=\"invalid_token\""));
    let m2m = server.access_token("acme", "billing-service", "billing-service-secret-77f0c2b5d1e94a3c").await;
    let no_openid = userinfo(&server, &m2m).await;
    assert_eq!(no_openid.status(), 403);
    assert!(no_openid.headers()[WWW_AUTHENTICATE].to_str().unwrap().contains("insufficient_scope"));
    // RFC 6750 §2.2: the token in a POST body works too.
    let browser = Browser::new(&server);
    let p = pkce();
    let code = browser.spa_code(&p).await;
    let tokens: Value = redeem_spa(&server, &code, &p.verifier).await.json().await.unwrap();
    let posted = server
        .http
        .post(&url)
        .form(&[("access_token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
}
