//! Users, their role mappings and groups, through the admin API (Keycloak's `/users` resource).

use secrecy::SecretString;
use tessera_proto::admin::{CredentialRepresentation, GroupRepresentation, UserRepresentation};

use super::api::{AdminApi, Page};
use super::caller::AdminRight;
use super::roles::RoleAdmin;
use super::user_revocation::{RevokedBy, UserRevocation};
use super::{AdminError, representation};
use crate::audit::AuditKind;
use crate::model::{Realm, User, UserSearch};
use crate::provisioning::new_user;

impl AdminApi<'_> {
    async fn user_by_id(&self, realm: &Realm, id: &str) -> Result<User, AdminError> {
        self.store.find_user_by_id(&realm.id, id).await?.ok_or_else(|| AdminError::NoSuchUser(id.to_owned()))
    }

    /// `GET /users` (service accounts are not listed, as in Keycloak): one bounded page from the store.
    pub async fn search_users(
        &self,
        realm: &str,
        query: UserSearch,
        page: Page,
    ) -> Result<Vec<UserRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::QueryUsers).await?;
        if let Some(why) = query.refusal() {
            return Err(AdminError::Invalid(why));
        }
        let query = UserSearch {
            offset: page.first.unwrap_or(0) as u64,
            limit: page.max.unwrap_or(100).min(super::api::MAX_PAGE) as u64,
            ..query
        };
        let users = self.store.search_users(&realm.id, &query).await?;
        Ok(users.iter().map(representation::user).collect())
    }

    /// `GET /users/count`.
    pub async fn count_users(&self, realm: &str, query: &UserSearch) -> Result<u64, AdminError> {
        let realm = self.realm_for(realm, AdminRight::QueryUsers).await?;
        if let Some(why) = query.refusal() {
            return Err(AdminError::Invalid(why));
        }
        Ok(self.store.count_users(&realm.id, query).await?)
    }

    /// `GET /users/{id}`.
    pub async fn get_user(&self, realm: &str, id: &str) -> Result<UserRepresentation, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewUsers).await?;
        Ok(representation::user(&self.user_by_id(&realm, id).await?))
    }

    /// `POST /users`: returns the new user's id (for `Location`). A password credential is hashed here.
    pub async fn create_user(&self, realm: &str, rep: &UserRepresentation) -> Result<String, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let username = rep.username.clone().ok_or_else(|| AdminError::Invalid("username is required".into()))?;
        // Keycloak keeps usernames in lower case.
        let mut user = new_user(&realm.id, &username.to_lowercase(), None, self.now)
            .map_err(|e| AdminError::Invalid(e.to_string()))?;
        user.enabled = rep.enabled.unwrap_or(true);
        user.email = rep.email.clone();
        user.email_verified = rep.email_verified.unwrap_or(false);
        user.first_name = rep.first_name.clone();
        user.last_name = rep.last_name.clone();
        user.attributes = rep.attributes.clone().unwrap_or_default();
        user.required_actions = rep.required_actions.clone().unwrap_or_default();
        if let Some(credential) =
            rep.credentials.iter().flatten().find(|c| c.kind.as_deref().is_none_or(|k| k == "password"))
        {
            let (hash, temporary) = self.hash_credential(credential).await?;
            user.password_hash = Some(hash);
            if temporary && !user.must_update_password() {
                user.required_actions.push(crate::model::UPDATE_PASSWORD.to_owned());
            }
        }
        RoleAdmin { store: self.store }.with_default_role(&realm, &mut user).await?;
        self.store.create_user(&user).await.map_err(|e| match e {
            crate::ports::StoreError::Conflict(_) => AdminError::Conflict("User exists with same username".into()),
            e => e.into(),
        })?;
        self.record(
            &realm.name,
            AuditKind::UserCreated,
            format!("user {} created through the admin API", user.username),
        );
        // `credentials` are never serialized: the representation is kept without the password.
        let path = format!("users/{}", user.id);
        self.admin_event(&realm.name, "CREATE", "USER", path, serde_json::to_string(rep).ok()).await?;
        Ok(user.id)
    }

    async fn hash_credential(&self, c: &CredentialRepresentation) -> Result<(String, bool), AdminError> {
        let value = c
            .value
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AdminError::Invalid("the password is empty".into()))?;
        if value.len() > 1024 {
            return Err(AdminError::Invalid("the password is longer than 1024 bytes".into()));
        }
        let hash = self.passwords.hash(SecretString::from(value.to_owned())).await.map_err(|_| AdminError::Busy)?;
        Ok((
            hash.ok_or_else(|| AdminError::Invalid("the password could not be hashed".into()))?,
            c.temporary.unwrap_or(false),
        ))
    }

    /// `PUT /users/{id}/reset-password`: `temporary` (Keycloak's default: true) makes the user choose a new
    /// one at the next sign-in.
    pub async fn reset_password(
        &self,
        realm: &str,
        id: &str,
        credential: &CredentialRepresentation,
    ) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let user = self.user_by_id(&realm, id).await?;
        let (hash, _) = self.hash_credential(credential).await?;
        let temporary = credential.temporary.unwrap_or(true);
        self.store.set_user_password(&realm.id, &user.username, &hash, temporary).await?;
        self.record(
            &realm.name,
            AuditKind::PasswordUpdated,
            format!("password of {} reset through the admin API", user.username),
        );
        self.admin_event(&realm.name, "ACTION", "USER", format!("users/{id}/reset-password"), None).await?;
        // A password an administrator had to reset may be known to someone else: end what the old one got.
        self.revoke_everything(&realm, &user, "password reset by an administrator").await?;
        Ok(())
    }

    /// `PUT /users/{id}`: the fields given change, the others stay (Keycloak's partial update). Disabling a
    /// user also ends everything they hold.
    pub async fn update_user(&self, realm: &str, id: &str, rep: &UserRepresentation) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let mut user = self.user_by_id(&realm, id).await?;
        if rep.username.as_deref().is_some_and(|u| !u.eq_ignore_ascii_case(&user.username)) {
            return Err(AdminError::Invalid("the username cannot be changed".into()));
        }
        let was_enabled = user.enabled;
        user.enabled = rep.enabled.unwrap_or(user.enabled);
        user.email = rep.email.clone().or(user.email);
        user.email_verified = rep.email_verified.unwrap_or(user.email_verified);
        user.first_name = rep.first_name.clone().or(user.first_name);
        user.last_name = rep.last_name.clone().or(user.last_name);
        if let Some(attributes) = &rep.attributes {
            user.attributes = attributes.clone();
        }
        if let Some(actions) = &rep.required_actions {
            user.required_actions = actions.clone();
        }
        if !self.store.update_user_profile(&user).await? {
            return Err(AdminError::NoSuchUser(id.to_owned()));
        }
        if was_enabled && !user.enabled {
            self.revoke_everything(&realm, &user, "disabled by an administrator").await?;
        }
        self.admin_event(&realm.name, "UPDATE", "USER", format!("users/{id}"), serde_json::to_string(rep).ok()).await
    }

    /// `DELETE /users/{id}`: everything the user holds is revoked first, on every node.
    pub async fn delete_user(&self, realm: &str, id: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let user = self.user_by_id(&realm, id).await?;
        if user.service_account_client_id.is_some() {
            return Err(AdminError::Invalid("a service account goes with its client".into()));
        }
        self.revoke_everything(&realm, &user, "deleted by an administrator").await?;
        self.store.delete_user(&realm.id, &user.id).await?;
        self.admin_event(&realm.name, "DELETE", "USER", format!("users/{id}"), None).await
    }

    /// `POST /users/{id}/logout`: ends every session of the user, revokes their refresh tokens (offline ones
    /// too) and makes their earlier access tokens inactive on every node.
    pub async fn logout_user(&self, realm: &str, id: &str) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let user = self.user_by_id(&realm, id).await?;
        self.revoke_everything(&realm, &user, "logged out by an administrator").await?;
        self.admin_event(&realm.name, "ACTION", "USER", format!("users/{id}/logout"), None).await
    }

    async fn revoke_everything(&self, realm: &Realm, user: &User, reason: &str) -> Result<(), AdminError> {
        let revocation =
            UserRevocation { store: self.store, live: Some(self.revocations), audit: self.audit, now: self.now };
        let by = RevokedBy { actor: &self.caller.username, reason, source_ip: self.caller.source_ip.as_deref() };
        let sessions = self.backchannel.live_sessions(self.store, realm, &user.id).await?;
        revocation.revoke_user(realm, user, by).await?;
        // Back-Channel Logout 1.0: the user is logged out whatever happens next; a failure to tell the clients is
        // logged, never the administrator's error.
        if let Err(e) = self.backchannel.sessions_ended(self.store, realm, &sessions, self.now).await {
            tracing::warn!(error = %e, "back-channel logout: could not notify the clients");
        }
        Ok(())
    }

    /// `GET /users/{id}/groups`.
    pub async fn user_groups(&self, realm: &str, id: &str) -> Result<Vec<GroupRepresentation>, AdminError> {
        let realm = self.realm_for(realm, AdminRight::ViewUsers).await?;
        let user = self.user_by_id(&realm, id).await?;
        let access = self.access_model(&realm).await?;
        Ok(user
            .roles
            .group_ids
            .iter()
            .filter_map(|g| representation::group_tree(&access, g))
            .map(|g| GroupRepresentation { sub_groups: None, ..g })
            .collect())
    }

    /// `PUT` (join) or `DELETE` (leave) `/users/{id}/groups/{groupId}`.
    pub async fn set_user_group(&self, realm: &str, id: &str, group_id: &str, member: bool) -> Result<(), AdminError> {
        let realm = self.realm_for(realm, AdminRight::ManageUsers).await?;
        let user = self.user_by_id(&realm, id).await?;
        let access = self.access_model(&realm).await?;
        access.group(group_id).ok_or_else(|| AdminError::NoSuchGroup(group_id.to_owned()))?;
        self.store.set_group_member(&realm.id, &user.id, group_id, member).await?;
        let operation = if member { "CREATE" } else { "DELETE" };
        let path = format!("users/{id}/groups/{group_id}");
        self.admin_event(&realm.name, operation, "GROUP_MEMBERSHIP", path, None).await?;
        Ok(())
    }
}
