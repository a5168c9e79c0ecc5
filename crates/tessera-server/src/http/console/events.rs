//! Events: the audit trail (sign-ins, tokens, failures) and the admin events (every write through the
//! admin API or the console), filterable by type, client, user and operation, paged.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use tessera_core::admin::events::AdminEventQuery;
use tessera_core::admin::{AdminError, Page};
use tessera_core::audit::AuditKind;

use super::pages::{EventFilter, EventsPage};
use super::{CONSOLE_PATH, Console};
use crate::state::AppState;

/// Rows per page of each table.
const PAGE_SIZE: usize = 50;

fn link(realm: &str, f: &EventFilter, page: usize) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("type", &f.kind)
        .append_pair("client", &f.client)
        .append_pair("user", &f.user)
        .append_pair("operation", &f.operation)
        .append_pair("page", &page.to_string())
        .finish();
    format!("{CONSOLE_PATH}/realms/{realm}/events?{query}")
}

fn given(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `GET /admin/console/realms/{realm}/events?type=&client=&user=&operation=&page=`.
pub async fn events(
    State(state): State<AppState>,
    console: Console,
    Path(realm): Path<String>,
    filter: Result<Query<EventFilter>, QueryRejection>,
) -> Response {
    let filter = filter.map(|Query(f)| f).unwrap_or_default();
    let kind = match given(&filter.kind) {
        None => None,
        Some(t) => match AuditKind::parse(&t.to_ascii_lowercase()) {
            Some(kind) => Some(kind),
            None => return console.error(&AdminError::Invalid(format!("unknown event type {t:?}"))),
        },
    };
    let page = Page { first: Some(filter.page * PAGE_SIZE), max: Some(PAGE_SIZE) };
    let api = console.api(&state);
    let admin_query = AdminEventQuery {
        realm: realm.clone(),
        operation: given(&filter.operation).map(|o| o.to_ascii_uppercase()),
        ..AdminEventQuery::default()
    };
    let found = async {
        Ok::<_, AdminError>((
            api.events(&realm, kind, given(&filter.client), None, page, true).await?,
            api.admin_events(admin_query, page).await?,
        ))
    };
    let (mut events, mut admin_events) = match found.await {
        Ok(found) => found,
        Err(e) => return console.error(&e),
    };
    let full = events.len() == PAGE_SIZE || admin_events.len() == PAGE_SIZE;
    if let Some(user) = given(&filter.user) {
        events.retain(|e| e.user_id.as_deref().is_some_and(|u| u.contains(&user)));
        admin_events.retain(|e| e.resource_path.contains(&user) || e.auth_details.user_id.contains(&user));
    }
    let previous = (filter.page > 0).then(|| link(&realm, &filter, filter.page - 1));
    let next = full.then(|| link(&realm, &filter, filter.page + 1));
    console.page(&EventsPage {
        layout: console.layout(Some(&realm), "events"),
        events,
        admin_events,
        filter,
        previous,
        next,
    })
}
