//! What a realm is made of: realms, scopes, clients, keys, users, roles and groups, revocations, and the
//! audit and admin-event trails. Every write to the configuration moves the revision (see [`RevisionStore`]).

use async_trait::async_trait;

use super::StoreError;
use crate::admin::events::{AdminEvent, AdminEventQuery};
use crate::audit::{AuditEvent, AuditQuery};
use crate::model::{
    Client, ClientScope, ClientSecret, Group, Realm, RealmBundle, RevokedToken, Role, StoredSigningKey, User,
    UserNotBefore, UserSearch,
};

/// A counter bumped by every committed change to realms, clients, scopes or keys. Servers poll it to know
/// when their caches are stale, which is how a change made by the CLI or another node reaches them.
#[async_trait]
pub trait RevisionStore: Send + Sync {
    async fn revision(&self) -> Result<i64, StoreError>;
}

#[async_trait]
pub trait RealmStore: Send + Sync {
    /// Writes a whole realm (realm, scopes, clients, users, keys) in one transaction.
    /// `Conflict` when a realm of that name exists.
    async fn create_realm(&self, bundle: &RealmBundle) -> Result<(), StoreError>;
    async fn find_realm(&self, name: &str) -> Result<Option<Realm>, StoreError>;
    async fn list_realms(&self) -> Result<Vec<Realm>, StoreError>;
    /// Realm-wide revoke-all: tokens issued before `at` are invalid.
    async fn set_realm_not_before(&self, realm_id: &str, at: i64) -> Result<(), StoreError>;
    /// Writes the realm's settings (display name, enabled, token lifespan, attributes); its name, id, keys and
    /// not-before stay. False when there is no such realm.
    async fn update_realm(&self, realm: &Realm) -> Result<bool, StoreError>;
    /// Deletes the realm with everything in it (clients, users, keys, sessions, tokens); its audit trail and
    /// admin events stay. False when there is no such realm.
    async fn delete_realm(&self, realm_id: &str) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait ScopeStore: Send + Sync {
    async fn create_scope(&self, realm_id: &str, scope: &ClientScope) -> Result<(), StoreError>;
    async fn list_scopes(&self, realm_id: &str) -> Result<Vec<ClientScope>, StoreError>;
    /// Replaces the scope of that name (description, attributes, mappers). False when there is none.
    async fn update_scope(&self, realm_id: &str, scope: &ClientScope) -> Result<bool, StoreError>;
    async fn delete_scope(&self, realm_id: &str, name: &str) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Inserts the client with its secrets (and its service-account user when it has one).
    async fn create_client(&self, client: &Client) -> Result<(), StoreError>;
    /// The client with its secrets.
    async fn find_client(&self, realm_id: &str, client_id: &str) -> Result<Option<Client>, StoreError>;
    /// The client with this internal id (`Client::id`), as `find_client` returns it.
    async fn find_client_by_pk(&self, realm_id: &str, id: &str) -> Result<Option<Client>, StoreError>;
    async fn list_clients(&self, realm_id: &str) -> Result<Vec<Client>, StoreError>;
    /// Writes the client's settings (everything but its `client_id`, secrets, not-before and creation time),
    /// creating its service-account user when service accounts were just enabled. False when there is none.
    async fn update_client(&self, client: &Client) -> Result<bool, StoreError>;
    /// True when a client was deleted.
    async fn delete_client(&self, realm_id: &str, client_id: &str) -> Result<bool, StoreError>;
    /// Revoke-all for one client: its tokens issued before `at` are invalid, and its live refresh tokens issued
    /// before `at` are revoked in the same transaction. False when there is no client.
    async fn set_client_not_before(&self, realm_id: &str, client_id: &str, at: i64) -> Result<bool, StoreError>;
    /// Adds `new` and makes every other secret of the client expire at `old_expire_at` at the latest, in one
    /// transaction. False when there is no client.
    async fn rotate_client_secret(
        &self,
        realm_id: &str,
        client_id: &str,
        new: &ClientSecret,
        old_expire_at: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// The realm's keys that are not removed.
    async fn signing_keys(&self, realm_id: &str) -> Result<Vec<StoredSigningKey>, StoreError>;
    /// One atomic claim: promotes `promote` from next to active, retires the active key (no token it signed
    /// outlives `retired_not_after`) and adds `new_next`. False when another process promoted it first.
    async fn rotate_signing_keys(
        &self,
        realm_id: &str,
        promote: &str,
        new_next: &StoredSigningKey,
        now: i64,
        retired_not_after: i64,
    ) -> Result<bool, StoreError>;
    /// Unpublishes retired keys; returns how many went.
    async fn remove_retired_keys(&self, realm_id: &str, kids: &[String]) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Idempotent: revoking a token twice keeps one record.
    async fn insert_revocation(&self, token: &RevokedToken) -> Result<(), StoreError>;
    /// Revocations recorded after `seq`, oldest first, with their sequence numbers.
    async fn revocations_since(&self, seq: i64, limit: i64) -> Result<Vec<(i64, RevokedToken)>, StoreError>;
    /// Forgets revocations of tokens that expired before `now`; returns how many.
    async fn purge_expired_revocations(&self, now: i64) -> Result<u64, StoreError>;
}

/// Per-user revocation ("log out everywhere"), durable, and read back in sequence by every node.
#[async_trait]
pub trait UserRevocationStore: Send + Sync {
    /// One transaction: ends the user's SSO sessions, revokes every live refresh token of theirs (offline ones
    /// included), voids their unredeemed authorization codes, and records `entry`.
    async fn revoke_user(&self, entry: &UserNotBefore) -> Result<UserRevoked, StoreError>;
    /// Per-user not-before instants recorded after `seq`, oldest first, with their sequence numbers.
    async fn user_not_before_since(&self, seq: i64, limit: i64) -> Result<Vec<(i64, UserNotBefore)>, StoreError>;
    /// Forgets entries whose tokens have all expired (`expires_at` before `now`); returns how many.
    async fn purge_expired_user_not_before(&self, now: i64) -> Result<u64, StoreError>;
}

/// What a per-user revocation ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserRevoked {
    pub sessions: u64,
    pub refresh_tokens: u64,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<(), StoreError>;
    async fn audit_events(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `Conflict` when the username is taken in the realm.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    async fn find_user(&self, realm_id: &str, username: &str) -> Result<Option<User>, StoreError>;
    async fn find_user_by_id(&self, realm_id: &str, id: &str) -> Result<Option<User>, StoreError>;
    async fn list_users(&self, realm_id: &str) -> Result<Vec<User>, StoreError>;
    /// False when there is no such user. A `temporary` password must be changed at the next sign-in
    /// (Keycloak's `UPDATE_PASSWORD` required action); a permanent one clears that action.
    async fn set_user_password(
        &self,
        realm_id: &str,
        username: &str,
        password_hash: &str,
        temporary: bool,
    ) -> Result<bool, StoreError>;
    /// The user chose a new password at sign-in: sets it and clears `UPDATE_PASSWORD`. False when there is
    /// no such enabled user.
    async fn complete_password_update(
        &self,
        realm_id: &str,
        user_id: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError>;
    /// False when there is no such user.
    async fn set_user_enabled(&self, realm_id: &str, username: &str, enabled: bool) -> Result<bool, StoreError>;
    /// Writes the profile (`enabled`, email, names, attributes, required actions) of the user with `user.id`;
    /// the username, password and mappings stay. False when there is no such user.
    async fn update_user_profile(&self, user: &User) -> Result<bool, StoreError>;
    /// One page of people matching `query`, by username (without their role mappings: a list does not need
    /// them). One statement, whatever the realm's size.
    async fn search_users(&self, realm_id: &str, query: &UserSearch) -> Result<Vec<User>, StoreError>;
    async fn count_users(&self, realm_id: &str, query: &UserSearch) -> Result<u64, StoreError>;
    /// Deletes the user with their role mappings and memberships. False when there is no such user.
    async fn delete_user(&self, realm_id: &str, id: &str) -> Result<bool, StoreError>;
}

/// Who holds a role mapping: a user (a person or a service account) or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleHolder<'a> {
    User(&'a str),
    Group(&'a str),
}

/// Roles, groups and their mappings (Keycloak's model). Every write moves the revision: the realm's roles
/// and groups and the service accounts' mappings are cached with the realm and the client.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// A role with its composites; `Conflict` when its container already has one of that name.
    async fn create_role(&self, role: &Role) -> Result<(), StoreError>;
    async fn list_roles(&self, realm_id: &str) -> Result<Vec<Role>, StoreError>;
    async fn delete_role(&self, realm_id: &str, role_id: &str) -> Result<bool, StoreError>;
    /// Renames the role or changes its description (its composites: [`RoleStore::set_role_composites`]).
    async fn update_role(&self, role: &Role) -> Result<bool, StoreError>;
    /// Replaces the roles a composite includes.
    async fn set_role_composites(&self, realm_id: &str, role_id: &str, children: &[String])
    -> Result<bool, StoreError>;
    /// `Conflict` when its parent already has a subgroup of that name.
    async fn create_group(&self, group: &Group) -> Result<(), StoreError>;
    async fn list_groups(&self, realm_id: &str) -> Result<Vec<Group>, StoreError>;
    /// Renames the group or replaces its attributes; `Conflict` when a sibling has that name.
    async fn update_group(&self, group: &Group) -> Result<bool, StoreError>;
    /// Deletes the group and its subgroups, with their mappings and memberships.
    async fn delete_group(&self, realm_id: &str, group_id: &str) -> Result<bool, StoreError>;
    /// Adds or removes one role mapping; `false` when the holder or the role is not in the realm, or
    /// nothing changed.
    async fn map_role(
        &self,
        realm_id: &str,
        holder: RoleHolder<'_>,
        role_id: &str,
        granted: bool,
    ) -> Result<bool, StoreError>;
    /// Adds or removes a user's membership of a group; `false` when nothing changed.
    async fn set_group_member(
        &self,
        realm_id: &str,
        user_id: &str,
        group_id: &str,
        member: bool,
    ) -> Result<bool, StoreError>;
}

/// Admin events: appended once per administrator's write, read back newest first.
#[async_trait]
pub trait AdminEventStore: Send + Sync {
    async fn append_admin_event(&self, event: &AdminEvent) -> Result<(), StoreError>;
    async fn admin_events(&self, query: &AdminEventQuery) -> Result<Vec<AdminEvent>, StoreError>;
}
