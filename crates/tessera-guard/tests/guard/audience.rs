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
