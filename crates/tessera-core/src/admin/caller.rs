//! Who calls the admin API and what they may do there, Keycloak's way: a Bearer access token of one of our
//! realms, checked as any resource server checks it (signature, issuer, expiry, revocation), whose subject
//! holds `realm-management` client roles in its own realm, or, from the `master` realm, the realm role
//! `admin` (every realm) or the roles of the client `{realm}-realm` (that realm).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::AdminError;
use crate::model::RealmName;
use crate::ports::{ClientDirectory, Denylist, RealmDirectory, UserStore};
use crate::revocation::access_token_is_live;
use crate::token::verify_access_token;

/// The realm whose administrators administer every realm.
pub const MASTER_REALM: &str = "master";
/// The client whose roles grant rights in its realm.
pub const REALM_MANAGEMENT: &str = "realm-management";

/// A right in a realm, by Keycloak's role names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRight {
    ViewRealm,
    ManageRealm,
    QueryClients,
    ViewClients,
    ManageClients,
    QueryUsers,
    ViewUsers,
    ManageUsers,
    QueryGroups,
    ViewEvents,
    ManageEvents,
}

impl AdminRight {
    /// The roles that grant this right: the right's own and the stronger ones (`manage-x` lets you view,
    /// viewing lets you query), and `realm-admin`.
    fn granted_by(self) -> &'static [&'static str] {
        match self {
            AdminRight::ViewRealm => &["view-realm", "manage-realm", "realm-admin"],
            AdminRight::ManageRealm => &["manage-realm", "realm-admin"],
            AdminRight::QueryClients => &["query-clients", "view-clients", "manage-clients", "realm-admin"],
            AdminRight::ViewClients => &["view-clients", "manage-clients", "realm-admin"],
            AdminRight::ManageClients => &["manage-clients", "realm-admin"],
            AdminRight::QueryUsers => &["query-users", "view-users", "manage-users", "realm-admin"],
            AdminRight::ViewUsers => &["view-users", "manage-users", "realm-admin"],
            AdminRight::ManageUsers => &["manage-users", "realm-admin"],
            AdminRight::QueryGroups => &["query-groups", "view-users", "manage-users", "realm-admin"],
            AdminRight::ViewEvents => &["view-events", "manage-events", "realm-admin"],
            AdminRight::ManageEvents => &["manage-events", "realm-admin"],
        }
    }
}

/// An authenticated administrator (a person or a service account) with their effective roles.
#[derive(Debug, Clone)]
pub struct AdminCaller {
    pub realm: String,
    pub user_id: String,
    pub username: String,
    /// Where the request came from (the trusted-proxy rule applied), for admin events.
    pub source_ip: Option<String>,
    /// (client id for a client role, role name), composites expanded.
    roles: Vec<(Option<String>, String)>,
}

impl AdminCaller {
    fn holds(&self, client: Option<&str>, role: &str) -> bool {
        self.roles.iter().any(|(c, r)| c.as_deref() == client && r == role)
    }

    /// Whether the caller may administer `realm` this way. A token of another realm never may, unless it
    /// comes from `master` with rights there (Keycloak's cross-realm administration).
    pub fn may(&self, realm: &str, right: AdminRight) -> bool {
        let client = if self.realm == realm {
            if self.realm == MASTER_REALM && self.holds(None, "admin") {
                return true;
            }
            REALM_MANAGEMENT.to_owned()
        } else if self.realm == MASTER_REALM {
            if self.holds(None, "admin") {
                return true;
            }
            format!("{realm}-realm")
        } else {
            return false;
        };
        right.granted_by().iter().any(|role| self.holds(Some(&client), role))
    }

    /// Only `master`'s administrators create realms (Keycloak's `admin` or `create-realm` realm roles).
    pub fn may_create_realms(&self) -> bool {
        self.realm == MASTER_REALM && (self.holds(None, "admin") || self.holds(None, "create-realm"))
    }

    pub fn require(&self, realm: &str, right: AdminRight) -> Result<(), AdminError> {
        if self.may(realm, right) { Ok(()) } else { Err(AdminError::Forbidden) }
    }
}

/// The part of a token read before its realm's keys are known: which realm issued it.
#[derive(serde::Deserialize)]
struct Issuer {
    iss: String,
}

/// What checking an administrator's token needs.
pub struct AdminAuthentication<'a> {
    pub realms: &'a dyn RealmDirectory,
    pub clients: &'a dyn ClientDirectory,
    pub users: &'a dyn UserStore,
    pub denylist: &'a dyn Denylist,
    /// Issuers are `{public_url}/realms/{name}`.
    pub public_url: &'a str,
    pub now: i64,
}

impl AdminAuthentication<'_> {
    /// Checks the Bearer token and finds who it stands for. Any failure is `Unauthorized` (401), whatever
    /// the cause, so nothing is learnt from the answer.
    pub async fn caller(&self, token: &str, source_ip: Option<String>) -> Result<AdminCaller, AdminError> {
        // The issuer names the realm whose keys verify the token; it is trusted only once they have.
        let payload = token.split('.').nth(1).ok_or(AdminError::Unauthorized)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| AdminError::Unauthorized)?;
        let Issuer { iss } = serde_json::from_slice(&bytes).map_err(|_| AdminError::Unauthorized)?;
        let prefix = format!("{}/realms/", self.public_url.trim_end_matches('/'));
        let name = iss.strip_prefix(&prefix).and_then(RealmName::parse).ok_or(AdminError::Unauthorized)?;
        let realm = self.realms.realm(&name).await?.ok_or(AdminError::Unauthorized)?;
        let claims =
            verify_access_token(&realm.keys, &realm.issuer, token, self.now).map_err(|_| AdminError::Unauthorized)?;
        let client = self.clients.client(&realm.realm.id, &claims.client_id).await?;
        if !access_token_is_live(&realm.realm, client.as_deref(), self.denylist, (&claims).into()) {
            return Err(AdminError::Unauthorized);
        }
        let user = self.users.find_user_by_id(&realm.realm.id, &claims.sub).await?.filter(|u| u.enabled);
        let user = user.ok_or(AdminError::Unauthorized)?;
        let roles = realm
            .access
            .effective_roles(&user.roles)
            .into_iter()
            .map(|r| (r.client_id.clone(), r.name.clone()))
            .collect();
        Ok(AdminCaller { realm: realm.realm.name.clone(), user_id: user.id, username: user.username, source_ip, roles })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(realm: &str, roles: &[(Option<&str>, &str)]) -> AdminCaller {
        AdminCaller {
            realm: realm.into(),
            user_id: "u".into(),
            username: "u".into(),
            source_ip: None,
            roles: roles.iter().map(|(c, r)| (c.map(str::to_owned), (*r).to_owned())).collect(),
        }
    }

    #[test]
    fn rights_follow_keycloaks_realm_management_roles_and_never_cross_realms() {
        let viewer = caller("shop", &[(Some("realm-management"), "view-users")]);
        assert!(viewer.may("shop", AdminRight::ViewUsers) && viewer.may("shop", AdminRight::QueryUsers));
        assert!(!viewer.may("shop", AdminRight::ManageUsers) && !viewer.may("shop", AdminRight::ViewClients));
        assert!(!viewer.may("other", AdminRight::ViewUsers), "a token of one realm never administers another");
        let admin = caller("shop", &[(Some("realm-management"), "realm-admin")]);
        assert!(admin.may("shop", AdminRight::ManageClients) && !admin.may_create_realms());
        // A realm role named like a right grants nothing; a look-alike client neither.
        let fake = caller("shop", &[(None, "manage-users"), (Some("shop-realm"), "manage-users")]);
        assert!(!fake.may("shop", AdminRight::ManageUsers));
        let master = caller("master", &[(None, "admin")]);
        assert!(master.may("shop", AdminRight::ManageUsers) && master.may_create_realms());
        let delegated = caller("master", &[(Some("shop-realm"), "manage-users")]);
        assert!(delegated.may("shop", AdminRight::ManageUsers) && !delegated.may("other", AdminRight::ViewUsers));
    }
}
