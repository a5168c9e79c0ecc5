//! RFC 9068 §4: the resource server MUST check that `aud` names it. A validator is built only once the
//! choice is made: the accepted audiences, or an explicit opt-out.

use super::*;
use crate::local_issuer::LocalIssuer;

#[tokio::test]
async fn building_without_an_audience_or_any_audience_fails_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    let err = Validator::builder().issuer(&idp.uri).build().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "choose the accepted audiences (.audience(..), RFC 9068 §4) or opt out explicitly (.any_audience())"
    );
}

#[tokio::test]
async fn a_token_without_aud_is_refused_when_audiences_are_set_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    let validator = Validator::builder().issuer(&idp.uri).audience("urn:orders").build().await.unwrap();
    validator.validate(&idp.token("k1", Some("urn:orders"))).await.unwrap();
    let err = validator.validate(&idp.token("k1", None)).await.unwrap_err();
    assert_eq!(err, ValidationError::InvalidToken("the token lacks a required claim".into()));
    let err = validator.validate(&idp.token("k1", Some("urn:billing"))).await.unwrap_err();
    assert_eq!(err, ValidationError::InvalidToken("the token is for another audience".into()));
}

#[tokio::test]
async fn any_audience_is_an_explicit_opt_out_of_rfc9068_s4() {
    let idp = LocalIssuer::start().await;
    let gateway = Validator::builder().issuer(&idp.uri).any_audience().build().await.unwrap();
    gateway.validate(&idp.token("k1", Some("urn:billing"))).await.unwrap();
    gateway.validate(&idp.token("k1", None)).await.unwrap();
    let both = Validator::builder().issuer(&idp.uri).audience("urn:orders").any_audience().build().await;
    assert!(matches!(both, Err(BuildError::AudienceAndAnyAudience)), "{both:?}");
    let neither = Validator::builder().issuer(&idp.uri).build().await;
    assert!(matches!(neither, Err(BuildError::NoAudience)), "{neither:?}");
}

/// RFC 8707 §2 with the real server: a token asked for API A (`resource=`) carries exactly A in `aud`, so a
/// guard configured for API B refuses it, and the guard for A takes it.
#[tokio::test]
async fn a_token_asked_for_api_a_is_refused_by_a_guard_for_api_b_rfc8707_2() {
    const API_A: &str = "https://orders.shop.test/";
    const API_B: &str = "https://billing.shop.test/";
    let server = TestServer::spawn().await;
    server.realm("shop", tessera_core::model::SigningAlgorithm::Rs256, &["orders:read"]).await;
    let spec = NewClient {
        client_id: "svc".into(),
        service_accounts_enabled: true,
        default_scopes: vec!["orders:read".into()],
        resources: vec![API_A.into(), API_B.into()],
        ..NewClient::default()
    };
    let secret = server.client("shop", spec).await.secret;
    let form = [("grant_type", "client_credentials"), ("resource", API_A)];
    let response = server.http.post(server.token_url("shop")).basic_auth("svc", Some(&secret)).form(&form);
    let body: Value = response.send().await.unwrap().json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let guard = |aud: &'static str| Validator::builder().issuer(server.issuer("shop")).audience(aud).build();
    let for_b = guard(API_B).await.unwrap();
    let err = for_b.validate(token).await.unwrap_err();
    assert_eq!(err, ValidationError::InvalidToken("the token is for another audience".into()));
    let for_a = guard(API_A).await.unwrap();
    assert_eq!(for_a.validate(token).await.unwrap().client_id(), Some("svc"));
}
