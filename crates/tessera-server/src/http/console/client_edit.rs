//! A client's editors: its roles (create, delete), its default and optional client scopes (add, remove),
//! and "revoke all tokens of this client" (Keycloak's client "Revocation → Set to now / Push"). Every write
//! goes through the service the REST API's handler for it calls.

use axum::extract::{Path, State};
use axum::response::Response;
use tessera_core::admin::{AdminError, RoleLevel, ScopeLink};
use tessera_proto::admin::RoleRepresentation;

use super::mapping::{adding, required};
use super::{CONSOLE_PATH, Posted};
use crate::state::AppState;

pub fn client_url(realm: &str, id: &str) -> String {
    format!("{CONSOLE_PATH}/realms/{realm}/clients/{id}")
}

/// `POST …/clients/{id}/roles`: a new client role (`name`, `description`).
pub async fn create_role(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let rep = RoleRepresentation {
        name: form.get("name").map(str::trim).map(str::to_owned),
        description: form.get("description").map(str::to_owned).filter(|d| !d.is_empty()),
        ..RoleRepresentation::default()
    };
    let result = console.api(&state).create_role(&realm, RoleLevel::Client(&id), &rep).await.map(drop);
    console.after(result, &client_url(&realm, &id))
}

/// `POST …/clients/{id}/roles/{name}/delete`: the role goes with its mappings.
pub async fn delete_role(
    State(state): State<AppState>,
    Path((realm, id, name)): Path<(String, String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    let result = console.api(&state).delete_role(&realm, RoleLevel::Client(&id), &name).await;
    console.after(result, &client_url(&realm, &id))
}

/// `POST …/clients/{id}/scopes`: `action=add|remove`, `scope` (its name), `link=default|optional`.
pub async fn scopes(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let result = async {
        let add = adding(&form)?;
        let link = match form.get("link") {
            Some("default") => ScopeLink::Default,
            Some("optional") => ScopeLink::Optional,
            _ => return Err(AdminError::Invalid("a scope is linked as default or optional".into())),
        };
        console.api(&state).link_client_scope(&realm, &id, required(&form, "scope", "a client scope")?, link, add).await
    };
    console.after(result.await, &client_url(&realm, &id))
}

/// `POST …/clients/{id}/revoke`: every token issued to the client before now is refused from now on.
pub async fn revoke_tokens(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    let result = console.api(&state).revoke_client_tokens(&realm, &id).await.map(drop);
    console.after(result, &format!("{}?done=revoked", client_url(&realm, &id)))
}
