//! What the role and group editors share: the roles an administrator may pick (realm roles and every
//! client's roles), how a picked role travels in a form (`realm:{role id}` or `client:{client id}:{role id}`,
//! the client by its internal id), and the add/remove verb of every editor form.

use tessera_core::admin::{AdminApi, AdminError, Holder, Page, RoleLevel};
use tessera_core::request::FormParams;
use tessera_proto::admin::{MappingsRepresentation, RoleRepresentation};

/// A role as a form names it and a person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChoice {
    pub value: String,
    pub label: String,
}

fn realm_choice(role: RoleRepresentation) -> Option<RoleChoice> {
    Some(RoleChoice { value: format!("realm:{}", role.id?), label: role.name? })
}

fn client_choice(pk: &str, client_id: &str, role: RoleRepresentation) -> Option<RoleChoice> {
    Some(RoleChoice { value: format!("client:{pk}:{}", role.id?), label: format!("{client_id} / {}", role.name?) })
}

/// Every role of the realm, realm roles first. An administrator who may not see the realm's roles gets none
/// to choose from (the page still shows what they may see), one who may not see the clients the realm roles
/// only.
pub async fn role_choices(api: &AdminApi<'_>, realm: &str) -> Result<Vec<RoleChoice>, AdminError> {
    let mut choices: Vec<RoleChoice> = match api.list_roles(realm, RoleLevel::Realm).await {
        Ok(roles) => roles.into_iter().filter_map(realm_choice).collect(),
        Err(AdminError::Forbidden) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let clients = match api.list_clients(realm, None, false, Page { first: None, max: Some(1000) }).await {
        Ok(clients) => clients,
        Err(AdminError::Forbidden) => return Ok(choices),
        Err(e) => return Err(e),
    };
    for client in clients {
        let (Some(pk), Some(client_id)) = (client.id, client.client_id) else { continue };
        let roles = api.list_roles(realm, RoleLevel::Client(&pk)).await?;
        choices.extend(roles.into_iter().filter_map(|r| client_choice(&pk, &client_id, r)));
    }
    Ok(choices)
}

/// A holder's direct mappings as choices (each with the value its "remove" form sends).
pub fn mapped_choices(mappings: MappingsRepresentation) -> Vec<RoleChoice> {
    let mut choices: Vec<RoleChoice> =
        mappings.realm_mappings.unwrap_or_default().into_iter().filter_map(realm_choice).collect();
    for client in mappings.client_mappings.unwrap_or_default().into_values() {
        choices.extend(client.mappings.into_iter().filter_map(|r| client_choice(&client.id, &client.client, r)));
    }
    choices
}

/// A picked role: the level it lives at (the client by internal id) and its id.
pub struct PickedRole {
    pub client: Option<String>,
    pub id: String,
}

impl PickedRole {
    pub fn level(&self) -> RoleLevel<'_> {
        self.client.as_deref().map_or(RoleLevel::Realm, RoleLevel::Client)
    }

    pub fn representation(&self) -> RoleRepresentation {
        RoleRepresentation { id: Some(self.id.clone()), ..RoleRepresentation::default() }
    }
}

/// The form's `role` field.
pub fn picked_role(form: &FormParams) -> Result<PickedRole, AdminError> {
    let value = form.get("role").unwrap_or_default();
    let picked = match value.split_once(':') {
        Some(("realm", id)) => Some(PickedRole { client: None, id: id.to_owned() }),
        Some(("client", rest)) => {
            rest.split_once(':').map(|(pk, id)| PickedRole { client: Some(pk.to_owned()), id: id.to_owned() })
        }
        _ => None,
    };
    picked.filter(|p| !p.id.is_empty()).ok_or_else(|| AdminError::Invalid("choose a role".into()))
}

/// A field the form must carry, not empty; `what` names it in the refusal.
pub fn required<'f>(form: &'f FormParams, name: &str, what: &str) -> Result<&'f str, AdminError> {
    form.get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AdminError::Invalid(format!("{what} is required")))
}

/// The form's `action`: `add` (true) or `remove` (false); anything else is refused.
pub fn adding(form: &FormParams) -> Result<bool, AdminError> {
    match form.get("action") {
        Some("add") => Ok(true),
        Some("remove") => Ok(false),
        _ => Err(AdminError::Invalid("the form's action must be add or remove".into())),
    }
}

/// Grants or takes back the picked role of a user or a group, through the service the REST API's
/// `…/role-mappings/…` use.
pub async fn change_mapping(
    api: &AdminApi<'_>,
    realm: &str,
    holder: Holder<'_>,
    form: &FormParams,
) -> Result<(), AdminError> {
    let add = adding(form)?;
    let role = picked_role(form)?;
    api.map_roles(realm, holder, role.level(), &[role.representation()], add).await
}
