//! The admin REST API's services, one method per operation: each checks the caller's right first, then
//! acts through the store in one write, and records what it changed in the audit trail.

use super::AdminError;
use super::caller::{AdminCaller, AdminRight};
use crate::audit::{AuditEvent, AuditKind};
use crate::model::Realm;
use crate::ports::{AuditSink, PasswordVerifier, Revocations, Store};
use crate::secret::{ClientSecretHasher, MasterKey};

/// At most this many items in one page (`max`), as Keycloak's default cap.
pub const MAX_PAGE: usize = 1000;

pub struct AdminApi<'a> {
    pub store: &'a dyn Store,
    pub caller: &'a AdminCaller,
    pub hasher: &'a ClientSecretHasher,
    pub master: &'a MasterKey,
    pub passwords: &'a dyn PasswordVerifier,
    pub audit: &'a dyn AuditSink,
    /// This node's revocation list: a user's revocation reaches every node through it at once.
    pub revocations: &'a dyn Revocations,
    /// When a next key may sign.
    pub rotation: crate::key_rotation::RotationPolicy,
    /// Back-Channel Logout 1.0: tells the clients when an administrator ends a user's sessions.
    pub backchannel: crate::backchannel_logout::Backchannel<'a>,
    pub now: i64,
}

/// `first` and `max` as Keycloak reads them: an offset and a page size (default 100, at most [`MAX_PAGE`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub first: Option<usize>,
    pub max: Option<usize>,
}

impl Page {
    pub fn apply<T>(&self, items: Vec<T>) -> Vec<T> {
        let max = self.max.unwrap_or(100).min(MAX_PAGE);
        items.into_iter().skip(self.first.unwrap_or(0)).take(max).collect()
    }
}

impl AdminApi<'_> {
    /// The realm, once the caller may act there this way. An unknown realm is 404 only to someone with a
    /// right somewhere; others learn nothing (403).
    pub(super) async fn realm_for(&self, name: &str, right: AdminRight) -> Result<Realm, AdminError> {
        self.caller.require(name, right)?;
        self.store.find_realm(name).await?.ok_or_else(|| AdminError::NoSuchRealm(name.to_owned()))
    }

    pub(super) fn record(&self, realm: &str, kind: AuditKind, what: impl Into<String>) {
        self.audit.record(AuditEvent::new(self.now, realm, kind).subject(&self.caller.username).reason(what));
    }
}
