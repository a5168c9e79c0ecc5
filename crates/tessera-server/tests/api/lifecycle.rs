//! Introspection (RFC 7662), revocation (RFC 7009) and revoke-all (not-before).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tessera_core::clock::{Clock, ManualClock};
use tessera_core::introspection::INTROSPECTION_SCOPE_ATTRIBUTE;
use tessera_core::model::SigningAlgorithm;
use tessera_core::ports::RealmStore;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

use crate::support::{b64, claims_of, sign_as_realm};

const T0: i64 = 1_900_000_000;

struct Fixture {
    server: TestServer,
    clock: Arc<ManualClock>,
    svc: String,
    other: String,
}

async fn fixture() -> Fixture {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::builder().clock(clock.clone()).spawn().await;
    // `other` plays a resource server that introspects every client's tokens, as Keycloak lets any
    // confidential client do: the realm opts into that.
    let realm_wide = [(INTROSPECTION_SCOPE_ATTRIBUTE, "realm")];
    server.realm_with_attributes("shop", SigningAlgorithm::Rs256, &["orders:read"], &realm_wide).await;
    let svc = server.service_client("shop", "svc", &["orders:read"], &[]).await.secret;
    let other = server.service_client("shop", "other", &[], &[]).await.secret;
    Fixture { server, clock, svc, other }
}

fn inactive() -> Value {
    json!({"active": false})
}

#[tokio::test]
async fn introspection_of_a_good_token_is_active_with_its_claims_rfc7662_2_2() {
    let f = fixture().await;
    let token = f.server.access_token("shop", "svc", &f.svc).await;
    let claims = claims_of(&token);
    // Any confidential client of the realm may introspect.
    let body = f.server.introspect("shop", "other", &f.other, &token).await;
    assert_eq!(
        body,
        json!({
            "active": true,
            "scope": "orders:read",
            "client_id": "svc",
            "username": "service-account-svc",
            "token_type": "Bearer",
            "exp": T0 + 300,
            "iat": T0,
            "sub": claims["sub"],
            "aud": f.server.issuer("shop"),
            "iss": f.server.issuer("shop"),
            "jti": claims["jti"],
            "typ": "Bearer",
        })
    );
}

#[tokio::test]
async fn every_inactive_case_answers_only_active_false_rfc7662_2_2() {
    let f = fixture().await;
    let good = f.server.access_token("shop", "svc", &f.svc).await;
    let claims = claims_of(&good);
    let [header, payload, signature]: [&str; 3] = good.split('.').collect::<Vec<_>>().try_into().unwrap();

    // Forgeries: alg none, an altered payload under the original signature, HS256 keyed with our public key.
    let none_header = b64(br#"{"alg":"none","typ":"at+jwt"}"#);
    let alg_none = format!("{none_header}.{payload}.");
    let mut altered_claims = claims.clone();
    altered_claims["scope"] = json!("orders:read admin");
    let altered = format!("{header}.{}.{signature}", b64(altered_claims.to_string().as_bytes()));
    let jwks: Value = f.server.http.get(f.server.certs_url("shop")).send().await.unwrap().json().await.unwrap();
    let kid = jwks["keys"][0]["kid"].as_str().unwrap();
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.typ = Some("at+jwt".into());
    hs_header.kid = Some(kid.into());
    let public_key_bytes = jwks["keys"][0].to_string();
    let hs256 =
        jsonwebtoken::encode(&hs_header, &claims, &jsonwebtoken::EncodingKey::from_secret(public_key_bytes.as_bytes()))
            .unwrap();

    // Signed by us but not acceptable: not yet valid, wrong typ.
    let mut future = claims.clone();
    future["nbf"] = json!(T0 + 60);
    future["jti"] = json!("not-yet-valid-token-01");
    let not_yet_valid = sign_as_realm(&f.server, "shop", &future).await;
    let untyped = {
        use tessera_core::keys::KeyRing;
        use tessera_core::ports::KeyStore;
        let realm = f.server.store.find_realm("shop").await.unwrap().unwrap();
        let ring =
            KeyRing::load(&f.server.store.signing_keys(&realm.id).await.unwrap(), &f.server.secrets.master_key())
                .unwrap();
        let t = ring.active().sign_access_token(&claims).unwrap();
        // Swap the header for one claiming plain JWT, then re-sign is impossible: the signature covers it.
        let plain = b64(format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#).as_bytes());
        format!("{plain}.{}", t.split_once('.').unwrap().1)
    };

    // Foreign: another realm's token on this server.
    f.server.realm("elsewhere", SigningAlgorithm::Rs256, &[]).await;
    let stranger = f.server.service_client("elsewhere", "svc", &[], &[]).await.secret;
    let foreign = f.server.access_token("elsewhere", "svc", &stranger).await;

    let cases: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        ("altered payload", altered),
        ("HS256 keyed with our public key", hs256),
        ("not yet valid", not_yet_valid),
        ("typ is not at+jwt", untyped),
        ("another realm's token", foreign),
        ("garbage", "abc".into()),
        ("three garbage segments", "a.b.c".into()),
        ("empty header", format!(".{payload}.{signature}")),
    ];
    for (name, token) in &cases {
        assert_eq!(f.server.introspect("shop", "other", &f.other, token).await, inactive(), "{name}");
    }
    assert_eq!(f.server.introspect("shop", "other", &f.other, &good).await["active"], true);

    // Expired: one second past exp on the server's clock.
    f.clock.advance(300);
    assert_eq!(f.server.introspect("shop", "other", &f.other, &good).await, inactive(), "expired");
}

#[tokio::test]
async fn introspection_needs_a_confidential_client_of_the_realm_rfc7662_2_1() {
    let f = fixture().await;
    f.server.client("shop", NewClient { client_id: "spa".into(), public_client: true, ..NewClient::default() }).await;
    let token = f.server.access_token("shop", "svc", &f.svc).await;
    let url = f.server.url("/realms/shop/protocol/openid-connect/token/introspect");
    let cases = [
        f.server.http.post(&url).form(&[("token", token.as_str())]),
        f.server.http.post(&url).form(&[("token", token.as_str()), ("client_id", "spa")]),
        f.server.http.post(&url).basic_auth("svc", Some("wrong")).form(&[("token", token.as_str())]),
    ];
    for request in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_client");
    }
    let missing =
        f.server.http.post(&url).basic_auth("svc", Some(&f.svc)).form(&[("nothing", "")]).send().await.unwrap();
    assert_eq!(missing.status(), 400);
}

#[tokio::test]
async fn token_type_hint_is_honoured_but_never_trusted_rfc7662_2_1() {
    let f = fixture().await;
    let token = f.server.access_token("shop", "svc", &f.svc).await;
    for hint in ["access_token", "refresh_token", "something_else"] {
        let response = f
            .server
            .http
            .post(f.server.url("/realms/shop/protocol/openid-connect/token/introspect"))
            .basic_auth("svc", Some(&f.svc))
            .form(&[("token", token.as_str()), ("token_type_hint", hint)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.json::<Value>().await.unwrap()["active"], true, "{hint}");
    }
}

#[tokio::test]
async fn a_revoked_token_is_inactive_at_once_rfc7009_2_1() {
    let f = fixture().await;
    let token = f.server.access_token("shop", "svc", &f.svc).await;
    let response = f.server.revoke("shop", "svc", &f.svc, &token).await;
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(f.server.introspect("shop", "other", &f.other, &token).await, inactive());
    // Revoking again is fine.
    assert_eq!(f.server.revoke("shop", "svc", &f.svc, &token).await.status(), 200);
}

#[tokio::test]
async fn a_client_revoking_another_clients_token_changes_nothing_rfc7009_2_1() {
    let f = fixture().await;
    let token = f.server.access_token("shop", "svc", &f.svc).await;
    assert_eq!(f.server.revoke("shop", "other", &f.other, &token).await.status(), 200);
    assert_eq!(f.server.introspect("shop", "other", &f.other, &token).await["active"], true);
}

#[tokio::test]
async fn unknown_or_garbage_tokens_get_200_and_bad_callers_401_rfc7009_2_2() {
    let f = fixture().await;
    for token in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
        assert_eq!(f.server.revoke("shop", "svc", &f.svc, token).await.status(), 200, "{token}");
    }
    let response = f.server.revoke("shop", "svc", "wrong", "x").await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn revocations_survive_a_restart_and_are_forgotten_after_expiry() {
    let clock = Arc::new(ManualClock::new(T0));
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder().data_dir(dir.path()).clock(clock.clone()).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let svc = server.service_client("shop", "svc", &[], &[]).await.secret;
    let token = server.access_token("shop", "svc", &svc).await;
    assert_eq!(server.revoke("shop", "svc", &svc, &token).await.status(), 200);
    server.stop().await;

    let server = TestServer::builder().data_dir(dir.path()).clock(clock.clone()).spawn().await;
    assert_eq!(server.introspect("shop", "svc", &svc, &token).await, inactive());
    // Past its exp the token is dead anyway, and the denylist lets it go.
    use tessera_core::ports::RevocationStore;
    assert_eq!(server.store.revocations_since(0, 10).await.unwrap().len(), 1);
    clock.advance(301);
    let forgotten = TestServer::eventually(Duration::from_secs(5), || async {
        server.store.revocations_since(0, 10).await.unwrap().is_empty()
    })
    .await;
    assert!(forgotten.is_some(), "the expired revocation was never purged");
}

#[tokio::test]
async fn a_revocation_on_one_server_reaches_another_on_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    // Nodes of one deployment share a public URL, hence an issuer.
    let shared = |c: &mut tessera_server::Config| c.public_url = Some("http://tessera.test".into());
    let a = TestServer::builder().data_dir(dir.path()).configure(shared).spawn().await;
    let b = TestServer::builder().data_dir(dir.path()).configure(shared).spawn().await;
    a.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let svc = a.service_client("shop", "svc", &[], &[]).await.secret;
    let token = a.access_token("shop", "svc", &svc).await;
    assert_eq!(b.introspect("shop", "svc", &svc, &token).await["active"], true);
    assert_eq!(a.revoke("shop", "svc", &svc, &token).await.status(), 200);
    let seen = TestServer::eventually(Duration::from_secs(2), || async {
        b.introspect("shop", "svc", &svc, &token).await == inactive()
    })
    .await;
    assert!(seen.is_some(), "server B still says active");
}

#[tokio::test]
async fn revoke_all_kills_older_tokens_and_spares_newer_ones_not_before_policy() {
    let f = fixture().await;
    let old = f.server.access_token("shop", "svc", &f.svc).await;
    let bystander = f.server.access_token("shop", "other", &f.other).await;
    f.clock.advance(10);
    let realm = f.server.store.find_realm("shop").await.unwrap().unwrap();
    tessera_server::operations::revoke_all(&f.server.store, &realm, Some("svc"), "key leaked", f.clock.now())
        .await
        .unwrap();
    let dead = TestServer::eventually(Duration::from_secs(5), || async {
        f.server.introspect("shop", "other", &f.other, &old).await == inactive()
    })
    .await;
    assert!(dead.is_some(), "a token issued before revoke-all stayed active");
    assert_eq!(f.server.introspect("shop", "other", &f.other, &bystander).await["active"], true);
    f.clock.advance(1);
    let fresh = f.server.access_token("shop", "svc", &f.svc).await;
    assert_eq!(f.server.introspect("shop", "other", &f.other, &fresh).await["active"], true);

    // Realm-wide: everything older dies, and token responses report the policy as Keycloak does.
    f.clock.advance(10);
    let at = f.clock.now();
    tessera_server::operations::revoke_all(&f.server.store, &realm, None, "incident", at).await.unwrap();
    let reported = TestServer::eventually(Duration::from_secs(5), || async {
        let body: Value = f.server.client_credentials("shop", "other", &f.other, None).await.json().await.unwrap();
        body["not-before-policy"] == json!(at)
    })
    .await;
    assert!(reported.is_some(), "not-before-policy not reported");
    assert_eq!(f.server.introspect("shop", "other", &f.other, &bystander).await, inactive());
    assert_eq!(f.server.introspect("shop", "other", &f.other, &fresh).await, inactive());

    use tessera_core::audit::{AuditKind, AuditQuery};
    use tessera_core::ports::AuditStore;
    let q = AuditQuery { realm: "shop".into(), kind: Some(AuditKind::RevokeAll), ..AuditQuery::default() };
    let events = f.server.store.audit_events(&q).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].reason.as_deref(), Some("key leaked"));
    assert_eq!(events[0].client_id.as_deref(), Some("svc"));
    assert_eq!(events[1].client_id, None);
}
