//! Token binding (migration 0017): what a code and a refresh token are bound to reads back as written, and a
//! rotation stores the successor's own binding.

use tessera_core::model::{AuthorizationCode, CodeIssue, CodeRedemption, RefreshToken};
use tessera_core::ports::{AuthorizationCodeStore, RefreshTokenStore};

use super::Fixture;
use super::sign_in::{code, realm_with_user, refresh};

const JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
const X5T: &str = "A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0";

/// RFC 9449 §10: a code keeps its `dpop_jkt`; RFC 9449 §5 and RFC 8705 §4: a public client's refresh token
/// keeps the DPoP key and the certificate it is bound to, through a rotation; unbound rows read back unbound.
pub async fn codes_and_refresh_tokens_keep_their_binding_rfc9449_5_10_rfc8705_4(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let bound = AuthorizationCode { dpop_jkt: Some(JKT.into()), ..code(&realm_id, "bound", 160) };
    f.store.insert_code(&bound).await.unwrap();
    f.store.insert_code(&code(&realm_id, "plain", 160)).await.unwrap();
    let issue = CodeIssue { access_jti: "j".into(), access_exp: 400, family_id: "fam".into() };
    for expected in [&bound, &code(&realm_id, "plain", 160)] {
        let redeemed = f.store.redeem_code(&realm_id, &expected.code_hash, "spa", 130, &issue).await.unwrap();
        assert_eq!(redeemed, CodeRedemption::Redeemed(expected.clone()));
    }

    let first = RefreshToken {
        dpop_jkt: Some(JKT.into()),
        cert_thumbprint: Some(X5T.into()),
        ..refresh(&realm_id, "t1", "fam", "s1", false)
    };
    f.store.insert_refresh_token(&first).await.unwrap();
    assert_eq!(f.store.find_refresh_token("t1").await.unwrap(), Some(first.clone()));
    let next = RefreshToken { dpop_jkt: Some(JKT.into()), ..refresh(&realm_id, "t2", "fam", "s1", false) };
    assert!(f.store.rotate_refresh_token("t1", "sealed", &next, 150).await.unwrap());
    assert_eq!(f.store.find_refresh_token("t2").await.unwrap(), Some(next));
    let rotated = f.store.find_refresh_token("t1").await.unwrap().unwrap();
    assert_eq!((rotated.dpop_jkt, rotated.cert_thumbprint), (first.dpop_jkt, first.cert_thumbprint));
    let plain = refresh(&realm_id, "t3", "fam3", "s1", false);
    f.store.insert_refresh_token(&plain).await.unwrap();
    let back = f.store.find_refresh_token("t3").await.unwrap().unwrap();
    assert_eq!((back.dpop_jkt, back.cert_thumbprint), (None, None));
}
