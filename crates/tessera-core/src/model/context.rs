//! The realm as requests see it: loaded once with its issuer, scopes and key ring, cached by the server.

use crate::keys::KeyRing;
use crate::rate_limit::RealmLimits;

use super::realm::{ClientScope, Realm};
use super::roles::AccessModel;

/// The realm-wide facts a grant needs, loaded once and cached by the server.
#[derive(Debug, Clone)]
pub struct RealmContext {
    pub realm: Realm,
    pub issuer: String,
    pub scopes: Vec<ClientScope>,
    pub keys: KeyRing,
    /// The realm's roles and groups, for the protocol mappers.
    pub access: AccessModel,
    /// Its rate limits, parsed from its attributes.
    pub limits: RealmLimits,
}
