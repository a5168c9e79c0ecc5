//! "Log out everywhere" for one user, Keycloak's `POST /users/{id}/logout` with its user `notBefore`: ends
//! the user's SSO sessions, revokes their refresh tokens (offline ones too), voids their unredeemed
//! authorization codes, and sets a per-user not-before instant, so that every access token issued to them
//! before now is inactive at introspection and userinfo on every node. RFC 7009 §2.1 asks that revoking a
//! grant "SHOULD also invalidate all access tokens based on the same authorization grant"; here that is every
//! grant the user holds. The CLI's `revoke --user`, disabling a user and an administrator's password reset all
//! come here, and so does the admin REST API.

use crate::audit::{AuditEvent, AuditKind};
use crate::key_rotation::max_token_lifetime;
use crate::model::{Realm, User, UserNotBefore};
use crate::ports::{AuditSink, Revocations, Store, UserRevoked};

use super::AdminError;

pub struct UserRevocation<'a> {
    pub store: &'a dyn Store,
    /// This node's revocation list, which tells the other nodes at once (Redis). `None` off the server (the
    /// CLI): the nodes then read the not-before from the database within their poll interval.
    pub live: Option<&'a dyn Revocations>,
    pub audit: &'a dyn AuditSink,
    pub now: i64,
}

/// Who revoked, why, and from where: what the audit event says besides the counts.
#[derive(Debug, Clone, Copy)]
pub struct RevokedBy<'a> {
    /// The administrator's username (`cli` for the command line).
    pub actor: &'a str,
    pub reason: &'a str,
    pub source_ip: Option<&'a str>,
}

/// What a per-user revocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRevocationOutcome {
    pub user_id: String,
    pub username: String,
    /// Access tokens issued to the user before this instant are inactive.
    pub not_before: i64,
    /// Until when the not-before is kept (every token it voids has expired by then).
    pub expires_at: i64,
    pub sessions: u64,
    pub refresh_tokens: u64,
}

impl UserRevocation<'_> {
    /// The user named by internal id or by username (as `tessera revoke --user` accepts either).
    pub async fn find_user(&self, realm: &Realm, user: &str) -> Result<User, AdminError> {
        if let Some(u) = self.store.find_user_by_id(&realm.id, user).await? {
            return Ok(u);
        }
        self.store.find_user(&realm.id, user).await?.ok_or_else(|| AdminError::NoSuchUser(user.to_owned()))
    }

    /// Revokes everything the user named by id or username holds; see [`UserRevocation::revoke_user`].
    pub async fn revoke(
        &self,
        realm: &Realm,
        user: &str,
        by: RevokedBy<'_>,
    ) -> Result<UserRevocationOutcome, AdminError> {
        let user = self.find_user(realm, user).await?;
        self.revoke_user(realm, &user, by).await
    }

    /// Ends the user's sessions and refresh tokens and records their not-before in one transaction, tells
    /// every node, then writes one audit event with who, why and how many.
    pub async fn revoke_user(
        &self,
        realm: &Realm,
        user: &User,
        by: RevokedBy<'_>,
    ) -> Result<UserRevocationOutcome, AdminError> {
        // Kept until every token issued before `now` has expired: no access token outlives the longest
        // lifetime of the realm and its clients, so the entry can go then and memory stays bounded.
        let clients = self.store.list_clients(&realm.id).await?;
        let entry = UserNotBefore {
            realm_id: realm.id.clone(),
            user_id: user.id.clone(),
            not_before: self.now,
            expires_at: self.now + max_token_lifetime(realm, &clients).max(1),
        };
        let UserRevoked { sessions, refresh_tokens } = self.store.revoke_user(&entry).await?;
        if let Some(live) = self.live {
            live.user_revoked(&entry).await;
        }
        self.audit.record(
            AuditEvent::new(self.now, &realm.name, AuditKind::UserRevoked)
                .subject(by.actor)
                .source(by.source_ip)
                .count(sessions + refresh_tokens)
                .reason(format!(
                    "user {} ({}): {}; {sessions} sessions and {refresh_tokens} refresh tokens ended, access tokens issued before {} inactive",
                    user.username, user.id, by.reason, self.now
                )),
        );
        Ok(UserRevocationOutcome {
            user_id: user.id.clone(),
            username: user.username.clone(),
            not_before: self.now,
            expires_at: entry.expires_at,
            sessions,
            refresh_tokens,
        })
    }
}

impl UserRevocationOutcome {
    /// The not-before entry this revocation recorded, to tell other nodes about it.
    pub fn entry(&self, realm_id: &str) -> UserNotBefore {
        UserNotBefore {
            realm_id: realm_id.to_owned(),
            user_id: self.user_id.clone(),
            not_before: self.not_before,
            expires_at: self.expires_at,
        }
    }
}
