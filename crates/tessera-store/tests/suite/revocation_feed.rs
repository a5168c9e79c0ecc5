//! The revocation feed's log: every revocation and not-before change of a realm, in one order, written with
//! the change; read per realm by cursor; only what can still matter is kept.

use tessera_core::model::{RevocationEvent, RevocationEventKind, RevokedToken, UserNotBefore};
use tessera_core::ports::{ClientStore, RealmStore, RevocationFeedStore, RevocationStore, UserRevocationStore};
use tessera_core::provisioning::{NewClient, new_client, new_realm};

use super::{Fixture, realm_spec};

fn revoked(realm_id: &str, jti: &str, exp: i64) -> RevokedToken {
    RevokedToken { jti: jti.into(), realm_id: realm_id.into(), client_id: "svc".into(), exp, revoked_at: 100 }
}

fn shape(events: &[RevocationEvent]) -> Vec<(RevocationEventKind, &str, i64, Option<i64>)> {
    events.iter().map(|e| (e.kind, e.subject.as_str(), e.at, e.expires_at)).collect()
}

/// RFC 7009 §2.2 (a revocation takes effect at once) carried to resource servers: every change is in the
/// log once, in order, per realm; the cursor resumes after any entry; expired and replaced entries go.
pub async fn every_revocation_and_not_before_enters_the_realms_log_once_in_order(f: Fixture) {
    let mut realms = Vec::new();
    for name in ["shop", "other"] {
        let bundle = new_realm(&realm_spec(name), &f.secrets.master_key(), 10).unwrap();
        f.store.create_realm(&bundle).await.unwrap();
        realms.push(bundle.realm.id);
    }
    let (shop, other) = (&realms[0], &realms[1]);
    let spec = NewClient { client_id: "svc".into(), ..NewClient::default() };
    let (client, _) = new_client(shop, &spec, &[], &f.secrets.secret_hasher(), 20).unwrap();
    f.store.create_client(&client).await.unwrap();

    f.store.insert_revocation(&revoked(shop, "a", 150)).await.unwrap();
    f.store.insert_revocation(&revoked(shop, "a", 150)).await.unwrap();
    f.store.insert_revocation(&revoked(other, "elsewhere", 500)).await.unwrap();
    assert!(f.store.set_client_not_before(shop, "svc", 110).await.unwrap());
    assert!(!f.store.set_client_not_before(shop, "ghost", 110).await.unwrap());
    let user = UserNotBefore { realm_id: shop.clone(), user_id: "u1".into(), not_before: 120, expires_at: 400 };
    f.store.revoke_user(&user).await.unwrap();
    f.store.set_realm_not_before(shop, 130).await.unwrap();
    f.store.insert_revocation(&revoked(shop, "b", 300)).await.unwrap();
    f.store.set_client_not_before(shop, "svc", 140).await.unwrap();

    let all = f.store.revocation_events(shop, 0, 100, 100).await.unwrap();
    use RevocationEventKind::*;
    assert_eq!(
        shape(&all),
        [
            (Token, "a", 100, Some(150)),
            (Client, "svc", 110, None),
            (User, "u1", 120, Some(400)),
            (Realm, "", 130, None),
            (Token, "b", 100, Some(300)),
            (Client, "svc", 140, None),
        ]
    );
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "ids increase: {all:?}");
    // The cursor resumes after any entry, and the limit bounds a page.
    assert_eq!(f.store.revocation_events(shop, all[2].id, 100, 100).await.unwrap(), all[3..]);
    assert_eq!(f.store.revocation_events(shop, 0, 100, 2).await.unwrap(), all[..2]);
    // Entries of tokens expired by `now` are not read, even before they are purged.
    let at_200 = f.store.revocation_events(shop, 0, 200, 100).await.unwrap();
    assert_eq!(at_200.iter().map(|e| e.subject.as_str()).collect::<Vec<_>>(), ["svc", "u1", "", "b", "svc"]);
    assert_eq!(
        shape(&f.store.revocation_events(other, 0, 100, 100).await.unwrap()),
        [(Token, "elsewhere", 100, Some(500))]
    );

    // The expired token and the replaced client not-before go; the latest of each stays.
    assert_eq!(f.store.purge_revocation_events(200).await.unwrap(), 2);
    let kept = f.store.revocation_events(shop, 0, 0, 100).await.unwrap();
    assert_eq!(
        shape(&kept),
        [
            (User, "u1", 120, Some(400)),
            (Realm, "", 130, None),
            (Token, "b", 100, Some(300)),
            (Client, "svc", 140, None)
        ]
    );
    // A deleted realm takes its log.
    assert!(f.store.delete_realm(other).await.unwrap());
    assert!(f.store.revocation_events(other, 0, 0, 100).await.unwrap().is_empty());
}
