//! RFC 8628 device grants: found by either code's hash, answered once, redeemed once (8 concurrent
//! redemptions, one winner), purged once expired.

use tessera_core::model::{DeviceGrant, DeviceStatus};
use tessera_core::ports::{DeviceGrantStore, Janitor, Purged, Retention, StoreError};
use tessera_core::proto::ScopeSet;

use super::Fixture;
use super::sign_in::realm_with_user;

fn grant(realm_id: &str, device: &str, user: &str, expires_at: i64) -> DeviceGrant {
    DeviceGrant {
        device_code_hash: device.into(),
        user_code_hash: user.into(),
        realm_id: realm_id.into(),
        client_id: "tv".into(),
        scope: ScopeSet::parse("openid profile").unwrap(),
        created_at: 100,
        expires_at,
        interval: 5,
        last_polled_at: None,
        status: DeviceStatus::Pending,
        redeemed_at: None,
    }
}

/// §3.3-3.5: a grant is answered once (pending only, before it expires) and polls are remembered.
pub async fn a_device_grant_is_found_by_either_code_and_answered_once(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    let g = grant(&realm_id, "d1", "u1", 700);
    f.store.insert_device_grant(&g).await.unwrap();
    assert!(matches!(
        f.store.insert_device_grant(&grant(&realm_id, "d2", "u1", 700)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(f.store.find_device_grant(&realm_id, "d1").await.unwrap(), Some(g.clone()));
    assert_eq!(f.store.find_device_grant_by_user_code(&realm_id, "u1").await.unwrap(), Some(g.clone()));
    assert_eq!(f.store.find_device_grant(&realm_id, "u1").await.unwrap(), None, "a user code is not a device code");
    assert_eq!(f.store.find_device_grant("other-realm", "d1").await.unwrap(), None);
    f.store.record_device_poll("d1", 110, 10).await.unwrap();
    let polled = f.store.find_device_grant(&realm_id, "d1").await.unwrap().unwrap();
    assert_eq!((polled.last_polled_at, polled.interval), (Some(110), 10));
    let approve = DeviceStatus::Approved { user_id: "u-wile".into(), auth_time: 90 };
    assert!(f.store.decide_device_grant(&realm_id, "u1", &approve, 120).await.unwrap());
    assert!(!f.store.decide_device_grant(&realm_id, "u1", &DeviceStatus::Denied, 121).await.unwrap(), "answered once");
    assert_eq!(f.store.find_device_grant(&realm_id, "d1").await.unwrap().unwrap().status, approve);
    f.store.insert_device_grant(&grant(&realm_id, "d3", "u3", 200)).await.unwrap();
    assert!(!f.store.decide_device_grant(&realm_id, "u3", &approve, 200).await.unwrap(), "expired");
    assert!(f.store.decide_device_grant(&realm_id, "u3", &DeviceStatus::Denied, 150).await.unwrap());
    assert_eq!(f.store.find_device_grant(&realm_id, "d3").await.unwrap().unwrap().status, DeviceStatus::Denied);
}

/// §3.5 and STYLE.md habit 7: 8 parallel redemptions of one approved grant, exactly one gets it; a pending,
/// denied, expired or other client's grant is never redeemed.
pub async fn a_device_grant_is_redeemed_once(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    f.store.insert_device_grant(&grant(&realm_id, "d1", "u1", 700)).await.unwrap();
    assert_eq!(f.store.redeem_device_grant(&realm_id, "d1", "tv", 130).await.unwrap(), None, "still pending");
    let approve = DeviceStatus::Approved { user_id: "u-wile".into(), auth_time: 90 };
    assert!(f.store.decide_device_grant(&realm_id, "u1", &approve, 120).await.unwrap());
    assert_eq!(f.store.redeem_device_grant(&realm_id, "d1", "other", 130).await.unwrap(), None, "another client");
    assert_eq!(f.store.redeem_device_grant(&realm_id, "d1", "tv", 700).await.unwrap(), None, "expired");
    let attempts = (0..8).map(|_| {
        let store = f.store.clone();
        let realm_id = realm_id.clone();
        tokio::spawn(async move { store.redeem_device_grant(&realm_id, "d1", "tv", 130).await.unwrap() })
    });
    let mut winners = Vec::new();
    for attempt in attempts {
        winners.extend(attempt.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "exactly one redemption wins");
    assert_eq!(winners[0].status, approve);
    assert_eq!(winners[0].redeemed_at, Some(130));
    f.store.insert_device_grant(&grant(&realm_id, "d2", "u2", 700)).await.unwrap();
    assert!(f.store.decide_device_grant(&realm_id, "u2", &DeviceStatus::Denied, 120).await.unwrap());
    assert_eq!(f.store.redeem_device_grant(&realm_id, "d2", "tv", 130).await.unwrap(), None, "denied");
}

/// The janitor: a device grant goes once expired (an expired code is refused with or without its row).
pub async fn device_grants_go_once_expired(f: Fixture) {
    let realm_id = realm_with_user(&f).await;
    f.store.insert_device_grant(&grant(&realm_id, "old", "u-old", 400)).await.unwrap();
    f.store.insert_device_grant(&grant(&realm_id, "live", "u-live", 900)).await.unwrap();
    let retention = Retention {
        realm_id: realm_id.clone(),
        dead_by: 500,
        idle_by: 0,
        started_by: 0,
        failure_windows_started_by: 0,
    };
    assert_eq!(f.store.purge(&retention).await.unwrap(), Purged { device_grants: 1, ..Purged::default() });
    assert_eq!(f.store.find_device_grant(&realm_id, "old").await.unwrap(), None);
    assert!(f.store.find_device_grant(&realm_id, "live").await.unwrap().is_some());
}
