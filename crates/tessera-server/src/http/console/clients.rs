//! Clients: search, create (confidential, public, service account), and the secret — shown once, on
//! creation and on rotation, with a ready-to-paste curl for a token.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tessera_core::admin::{AdminError, Page};
use tessera_proto::admin::ClientRepresentation;

use super::pages::{ClientPage, ClientsPage};
use super::realms::number;
use super::{Console, Posted};
use crate::routes::Endpoint;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// `GET /admin/console/realms/{realm}/clients?q=`: a part of the client id.
pub async fn list(
    State(state): State<AppState>,
    console: Console,
    Path(realm): Path<String>,
    search: Result<Query<Search>, QueryRejection>,
) -> Response {
    let search = search.map(|Query(s)| s).unwrap_or_default();
    let wanted = Some(search.q.trim()).filter(|q| !q.is_empty());
    let page = Page { first: None, max: Some(200) };
    match console.api(&state).list_clients(&realm, wanted, true, page).await {
        Ok(clients) => {
            console.page(&ClientsPage { layout: console.layout(Some(&realm), "clients"), clients, search: search.q })
        }
        Err(e) => console.error(&e),
    }
}

async fn client_page(
    state: &AppState,
    console: &Console,
    realm: &str,
    id: &str,
    secret: Option<SecretString>,
) -> Response {
    match console.api(state).get_client(realm, id).await {
        Ok(client) => console.page(&ClientPage {
            layout: console.layout(Some(realm), "clients"),
            client,
            secret: secret.map(|s| s.expose_secret().to_owned()),
            token_url: Endpoint::Token.url(state.directory.public_url(), realm),
        }),
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
        Ok(id) => client_page(&state, &console, &realm, &id, (!public).then_some(secret)).await,
        Err(e) => console.error(&e),
    }
}

/// `GET /admin/console/realms/{realm}/clients/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    console: Console,
    Path((realm, id)): Path<(String, String)>,
) -> Response {
    client_page(&state, &console, &realm, &id, None).await
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
        Ok(secret) => client_page(&state, &console, &realm, &id, Some(secret)).await,
        Err(e) => console.error(&e),
    }
}
