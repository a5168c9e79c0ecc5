//! The clients of the export, with their scopes, audiences, mappers and service accounts. A secret is
//! planned, not hashed: hashing (and generating a masked one) is [`super::plan::RealmPlan::materialize`]'s.

use std::collections::BTreeSet;

use secrecy::SecretString;

use super::document::KcClient;
use super::error::ImportError;
use super::plan::PlannedSecret;
use super::roles;
use crate::model::{AUTHENTICATOR_ATTRIBUTE, Client, ClientAuthenticator, ClientScope, User};
use crate::provisioning::{new_id, service_account_user};

/// How Keycloak exports a secret it will not show.
const MASKED_SECRET: &str = "**********";

/// What reading the clients needs from the rest of the export, and what it notes along the way.
pub(super) struct ClientContext<'a> {
    pub(super) realm_id: &'a str,
    pub(super) scopes: &'a [ClientScope],
    pub(super) now: i64,
    pub(super) warnings: &'a mut Vec<String>,
    pub(super) unsupported_mappers: &'a mut BTreeSet<String>,
}

/// Every client in export order, one planned secret per confidential one; the service-account users
/// the export lacks are added to `users`.
pub(super) fn import_clients(
    kc: &[KcClient],
    users: &mut Vec<User>,
    cx: ClientContext<'_>,
) -> Result<(Vec<Client>, Vec<PlannedSecret>), ImportError> {
    let mut clients: Vec<Client> = Vec::new();
    let mut secrets = Vec::new();
    let mut missing_scopes = BTreeSet::new();
    for (i, c) in kc.iter().enumerate() {
        let path = |field: &str| format!("clients[{i}].{field}");
        if !Client::is_valid_client_id(&c.client_id) {
            return Err(ImportError::at(path("clientId"), "not a valid client id"));
        }
        if clients.iter().any(|d| d.client_id == c.client_id) {
            return Err(ImportError::at(path("clientId"), format!("duplicate client {:?}", c.client_id)));
        }
        if c.implicit_flow_enabled == Some(true) {
            cx.warnings.push(format!("clients[{i}] ({}): the implicit flow is refused (RFC 9700 §2.1.2)", c.client_id));
        }
        let bearer_only = c.bearer_only == Some(true);
        let public_client = c.public_client == Some(true);
        let mut attributes = c.attributes.clone();
        attributes.remove(AUTHENTICATOR_ATTRIBUTE);
        match c.client_authenticator_type.as_deref().map(|t| (t, ClientAuthenticator::parse(t))) {
            None | Some((_, Some(ClientAuthenticator::ClientSecret))) => {}
            Some((_, Some(other))) if !public_client => {
                attributes.insert(AUTHENTICATOR_ATTRIBUTE.to_owned(), other.as_str().to_owned());
            }
            Some((_, Some(_))) => {}
            Some((other, None)) => cx.warnings.push(format!(
                "clients[{i}] ({}): authenticator {other:?} is not supported; the client authenticates with a secret",
                c.client_id
            )),
        }
        let mut known = |s: &&String| {
            let exists = cx.scopes.iter().any(|d| &d.name == *s);
            if !exists {
                missing_scopes.insert((*s).clone());
            }
            exists
        };
        let default_scopes: Vec<String> = c.default_client_scopes.iter().filter(&mut known).cloned().collect();
        let optional_scopes: Vec<String> = c.optional_client_scopes.iter().filter(&mut known).cloned().collect();
        let audiences = c
            .protocol_mappers
            .iter()
            .filter(|m| m.protocol_mapper == "oidc-audience-mapper")
            .filter_map(|m| {
                m.config.get("included.custom.audience").or_else(|| m.config.get("included.client.audience"))
            })
            .filter(|a| !a.is_empty())
            .cloned()
            .collect();
        let service_accounts_enabled = c.service_accounts_enabled == Some(true) && !public_client && !bearer_only;
        if !public_client {
            let given = match c.secret.as_deref() {
                Some(s) if !s.is_empty() && s != MASKED_SECRET => Some(SecretString::from(s.to_owned())),
                _ => None,
            };
            secrets.push(PlannedSecret { client: i, given });
        }
        let service_account =
            users.iter().find(|u: &&User| u.service_account_client_id.as_deref() == Some(c.client_id.as_str()));
        let service_account_user_id =
            service_accounts_enabled.then(|| service_account.map(|u| u.id.clone()).unwrap_or_else(new_id));
        let service_account_roles =
            service_account.filter(|_| service_accounts_enabled).map(|u| u.roles.clone()).unwrap_or_default();
        let client = Client {
            id: new_id(),
            realm_id: cx.realm_id.to_owned(),
            client_id: c.client_id.clone(),
            name: c.name.clone(),
            enabled: c.enabled.unwrap_or(true),
            public_client,
            service_accounts_enabled,
            standard_flow_enabled: c.standard_flow_enabled.unwrap_or(true) && !bearer_only,
            direct_access_grants_enabled: c.direct_access_grants_enabled == Some(true) && !bearer_only,
            consent_required: c.consent_required == Some(true),
            redirect_uris: c.redirect_uris.clone(),
            web_origins: c.web_origins.clone(),
            default_scopes,
            optional_scopes,
            audiences,
            attributes,
            service_account_user_id,
            // Planned above; made by `RealmPlan::materialize`.
            secrets: Vec::new(),
            not_before: 0,
            created_at: cx.now,
            protocol_mappers: roles::import_mappers(&c.protocol_mappers, cx.unsupported_mappers),
            service_account_roles,
            claims_memo: Default::default(),
        };
        if !users.iter().any(|u| Some(&u.id) == client.service_account_user_id.as_ref())
            && let Some(user) = service_account_user(&client)
        {
            users.push(user);
        }
        clients.push(client);
    }
    if !missing_scopes.is_empty() {
        cx.warnings.push(format!(
            "client scopes referenced but not defined in clientScopes, left out: {}",
            missing_scopes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok((clients, secrets))
}
