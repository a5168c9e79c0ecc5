//! Clients: search, create (confidential, public, service account), and the secret — shown once, on
//! creation and on rotation, with a ready-to-paste curl for a token. The client's page also carries its
//! editors (roles, scopes, mappers, revocation: `client_edit.rs`, `mappers.rs`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};
use tessera_core::admin::{AdminError, Page, RoleLevel};
use tessera_proto::admin::ClientRepresentation;

use super::client_edit::client_url;
use super::pages::{ClientPage, ClientsPage};
use super::realms::number;
use super::{Console, Done, Posted, Search};
use crate::routes::Endpoint;
use crate::state::AppState;

/// `GET /admin/console/realms/{realm}/clients?q=`: a part of the client id.
pub async fn list(
    State(state): State<AppState>,
    console: Console,
    Path(realm): Path<String>,
    search: Result<Query<Search>, QueryRejection>,
) -> Response {
    let search = Search::given(search);
    let page = Page { first: None, max: Some(200) };
    let found = console.api(&state).list_clients(&realm, search.wanted().as_deref(), true, page).await;
    console.listed(found, |clients| ClientsPage {
        layout: console.layout(Some(&realm), "clients"),
        clients,
        search: search.q.clone(),
    })
}

fn said(done: &str) -> Option<String> {
    (done == "revoked").then(|| {
        "Every token issued to this client before now is revoked: introspection answers inactive for them, and \
         their refresh tokens no longer work."
            .to_owned()
    })
}

async fn client_page(
    state: &AppState,
    console: &Console,
    realm: &str,
    id: &str,
    secret: Option<SecretString>,
    notice: Option<String>,
) -> Response {
    let api = console.api(state);
    let shown = async {
        let client = api.get_client(realm, id).await?;
        let roles = api.list_roles(realm, RoleLevel::Client(id)).await?;
        let linked: Vec<(String, &'static str)> =
            [(&client.default_client_scopes, "default"), (&client.optional_client_scopes, "optional")]
                .into_iter()
                .flat_map(|(names, kind)| names.iter().flatten().map(move |n| (n.clone(), kind)))
                .collect();
        let unlinked_scopes = api
            .list_client_scopes(realm)
            .await?
            .into_iter()
            .filter_map(|s| s.name)
            .filter(|name| !linked.iter().any(|(n, _)| n == name))
            .collect();
        Ok::<_, AdminError>((client, roles, linked, unlinked_scopes))
    };
    match shown.await {
        Ok((client, roles, linked_scopes, unlinked_scopes)) => {
            let base = client_url(realm, id);
            console.page(&ClientPage {
                layout: console.layout(Some(realm), "clients"),
                mappers: client.protocol_mappers.clone().unwrap_or_default(),
                client,
                secret: secret.map(|s| s.expose_secret().to_owned()),
                token_url: Endpoint::Token.url(state.directory.public_url(), realm),
                notice,
                mapper_base: format!("{base}/mappers"),
                base,
                roles,
                linked_scopes,
                unlinked_scopes,
                mapper_types: tessera_core::mappers::SUPPORTED_MAPPERS.to_vec(),
            })
        }
        Err(e) => console.error(&e),
    }
}

/// `POST /admin/console/realms/{realm}/clients`: `kind` is `confidential`, `public` or `service`. A
/// confidential client's first secret is made here and shown on the page that answers, this once.
pub async fn create(State(state): State<AppState>, Path(realm): Path<String>, posted: Posted) -> Response {
    let Posted { console, form } = posted;
    let kind = form.get("kind").unwrap_or("confidential");
    let lines = |name: &str| -> Vec<String> {
        form.get(name).unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
    };
    let Ok(secret) = tessera_core::secret::generate_client_secret() else {
        return console.error(&AdminError::Busy);
    };
    let public = kind == "public";
    let rep = ClientRepresentation {
        client_id: form.get("clientId").map(str::to_owned),
        name: form.get("name").map(str::to_owned),
        public_client: Some(public),
        service_accounts_enabled: Some(kind == "service"),
        redirect_uris: Some(lines("redirectUris")),
        web_origins: Some(lines("webOrigins")),
        secret: (!public).then(|| secret.expose_secret().to_owned()),
        ..ClientRepresentation::default()
    };
    match console.api(&state).create_client(&realm, &rep).await {
        Ok(id) => client_page(&state, &console, &realm, &id, (!public).then_some(secret), None).await,
        Err(e) => console.error(&e),
    }
}

/// `GET /admin/console/realms/{realm}/clients/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    console: Console,
    Path((realm, id)): Path<(String, String)>,
    done: Result<Query<Done>, QueryRejection>,
) -> Response {
    let notice = done.ok().and_then(|Query(d)| said(&d.done));
    client_page(&state, &console, &realm, &id, None, notice).await
}

/// `POST /admin/console/realms/{realm}/clients/{id}/secret`: a new secret, shown once; the old one keeps
/// working for the grace period given (seconds).
pub async fn rotate_secret(
    State(state): State<AppState>,
    Path((realm, id)): Path<(String, String)>,
    posted: Posted,
) -> Response {
    let Posted { console, form } = posted;
    let grace = match number::<i64>(&form, "grace") {
        Ok(grace) => grace.unwrap_or(0),
        Err(e) => return console.error(&e),
    };
    match console.api(&state).regenerate_secret(&realm, &id, grace).await {
        Ok(secret) => client_page(&state, &console, &realm, &id, Some(secret), None).await,
        Err(e) => console.error(&e),
    }
}
