//! Protocol mappers of a client or of a client scope: listed on the owner's page, added as one of the
//! supported mapper types with its config, deleted; and the client scope's own page.

use axum::extract::{Path, State};
use axum::response::Response;
use tessera_core::admin::{AdminError, MapperOwner};
use tessera_core::request::FormParams;
use tessera_proto::admin::ProtocolMapperRepresentation;

use super::pages::ScopePage;
use super::{CONSOLE_PATH, Console, Posted, path_segment};
use crate::state::AppState;

/// The config keys the form offers as checkboxes: where the claim goes (Keycloak's names).
pub const TOKEN_CLAIM_KEYS: [&str; 3] = ["access.token.claim", "id.token.claim", "userinfo.token.claim"];

fn scope_url(realm: &str, name: &str) -> String {
    format!("{CONSOLE_PATH}/realms/{realm}/scopes/{}", path_segment(name))
}

fn owner_url(realm: &str, owner: MapperOwner<'_>) -> String {
    match owner {
        MapperOwner::Client(id) => super::client_edit::client_url(realm, id),
        MapperOwner::Scope(name) => scope_url(realm, name),
    }
}

/// The mapper a form describes: `name`, `type` (one of the supported mappers), `claim.name`, the token
/// checkboxes, and `config` as `key=value` lines for the rest.
fn mapper_from_form(form: &FormParams) -> Result<ProtocolMapperRepresentation, AdminError> {
    let mut config = std::collections::BTreeMap::new();
    for line in form.get("config").unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (key, value) =
            line.split_once('=').ok_or_else(|| AdminError::Invalid(format!("{line:?} is not key=value")))?;
        config.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    if let Some(claim) = form.get("claim").map(str::trim).filter(|c| !c.is_empty()) {
        config.insert("claim.name".to_owned(), claim.to_owned());
    }
    for key in TOKEN_CLAIM_KEYS {
        config.insert(key.to_owned(), form.get(key).is_some().to_string());
    }
    Ok(ProtocolMapperRepresentation {
        id: None,
        name: form.get("name").map(str::trim).map(str::to_owned),
        protocol: Some("openid-connect".to_owned()),
        protocol_mapper: form.get("type").map(str::to_owned),
        config,
    })
}

async fn add(state: &AppState, posted: Posted, realm: &str, owner: MapperOwner<'_>) -> Response {
    let Posted { console, form } = posted;
    let result = async {
        let rep = mapper_from_form(&form)?;
        console.api(state).add_protocol_mapper(realm, owner, &rep).await
    };
    console.after(result.await.map(drop), &owner_url(realm, owner))
}

async fn delete(state: &AppState, console: Console, realm: &str, owner: MapperOwner<'_>, id: &str) -> Response {
    console.after(console.api(state).delete_protocol_mapper(realm, owner, id).await, &owner_url(realm, owner))
}

/// `POST …/clients/{id}/mappers`.
pub async fn add_to_client(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    add(&state, posted, &realm, MapperOwner::Client(&id)).await
}

/// `POST …/clients/{id}/mappers/{mapper}/delete`.
pub async fn delete_from_client(
    State(state): State<AppState>,
    Path((realm, id, mapper)): Path<(String, String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    delete(&state, console, &realm, MapperOwner::Client(&id), &mapper).await
}

/// `POST …/scopes/{name}/mappers`.
pub async fn add_to_scope(
    State(state): State<AppState>,
    Path((realm, name)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    add(&state, posted, &realm, MapperOwner::Scope(&name)).await
}

/// `POST …/scopes/{name}/mappers/{mapper}/delete`.
pub async fn delete_from_scope(
    State(state): State<AppState>,
    Path((realm, name, mapper)): Path<(String, String, String)>,
    Posted { console, .. }: Posted,
) -> Response {
    delete(&state, console, &realm, MapperOwner::Scope(&name), &mapper).await
}

/// `GET /admin/console/realms/{realm}/scopes/{name}`: the scope and its mappers.
pub async fn scope(
    State(state): State<AppState>,
    console: Console,
    Path((realm, name)): Path<(String, String)>,
) -> Response {
    match console.api(&state).get_client_scope(&realm, &name).await {
        Ok(scope) => console.page(&ScopePage {
            layout: console.layout(Some(&realm), "access"),
            mappers: scope.protocol_mappers.clone().unwrap_or_default(),
            scope,
            mapper_base: format!("{}/mappers", scope_url(&realm, &name)),
            mapper_types: tessera_core::mappers::SUPPORTED_MAPPERS.to_vec(),
        }),
        Err(e) => console.error(&e),
    }
}
