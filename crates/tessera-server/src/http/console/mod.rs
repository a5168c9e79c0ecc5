//! The admin console under `/admin/console/`: server-rendered pages over the SAME `AdminApi` services the
//! admin REST API calls, with the same caller and the same rights (what an administrator sees follows their
//! `realm-management` roles). The console is a public client of `master` (`security-admin-console`): it signs
//! in through our own login page with the authorization code and PKCE, keeps the tokens sealed in HttpOnly
//! cookies, and signs out through our RP-initiated logout. No inline script: a strict CSP, one static script.

mod access;
mod chart;
mod client_edit;
mod clients;
mod events;
mod group;
mod mappers;
mod mapping;
mod pages;
mod realms;
mod role;
mod session;
mod signin;
mod usage;
mod users;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tessera_core::admin::{AdminApi, AdminAuthentication, AdminCaller, AdminError};
use tessera_core::request::FormParams;

use self::pages::{Layout, MessagePage};
use self::session::{csrf_matches, csrf_token, read_session};
use crate::http::error::admin_error_status;
use crate::http::extract::{SourceIp, limited_body};
use crate::http::html;
use crate::state::AppState;

pub use self::session::CONSOLE_PATH;

/// Scripts, styles and images from us only; never framed; forms post to us only.
const CSP: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn with_cookies(response: Response, cookies: &[String]) -> Response {
    html::with_cookies(response, CSP, cookies)
}

fn render(status: StatusCode, page: &impl askama::Template, cookies: &[String]) -> Response {
    html::render(status, page, CSP, cookies)
}

/// `303 See Other` after a form (RFC 9110 §15.4.4: the browser follows with a GET).
fn see_other(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    with_cookies(response, cookies)
}

/// A page that only says something: an error, or that nobody is signed in.
fn message(status: StatusCode, heading: &str, text: &str, cookies: &[String]) -> Response {
    render(status, &MessagePage { heading, text }, cookies)
}

/// An administrator signed in to the console, checked exactly as the admin API checks a Bearer token.
pub struct Console {
    pub caller: AdminCaller,
    pub csrf: String,
    sid: String,
    /// `Set-Cookie` values of tokens refreshed for this request, added to its response.
    cookies: Vec<String>,
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(tokens) = read_session(&parts.headers, &state.master) else {
            return Err(see_other(&format!("{CONSOLE_PATH}/signin"), &[]));
        };
        let SourceIp(source_ip) = SourceIp::from_request_parts(parts, state).await.unwrap_or(SourceIp(None));
        match authenticate(state, &tokens.access_token, source_ip.clone()).await {
            Ok(caller) => return Ok(Console::new(state, caller, tokens.sid, Vec::new())),
            Err(AdminError::Unauthorized) => {}
            Err(e) => return Err(admin_error(&e, &[])),
        }
        // `master`'s access tokens live a minute: refresh once (RFC 6749 §6), then check the new one.
        if let Some((fresh, cookies)) = signin::refresh(state, tokens, source_ip.as_deref()).await
            && let Ok(caller) = authenticate(state, &fresh.access_token, source_ip).await
        {
            return Ok(Console::new(state, caller, fresh.sid, cookies));
        }
        Err(see_other(&format!("{CONSOLE_PATH}/signin"), &session::clear_session(state.secure_cookies)))
    }
}

async fn authenticate(state: &AppState, token: &str, source_ip: Option<String>) -> Result<AdminCaller, AdminError> {
    let authentication = AdminAuthentication {
        realms: state.directory.as_ref(),
        clients: state.directory.as_ref(),
        users: state.store.as_ref(),
        denylist: state.revocations.as_ref(),
        public_url: state.directory.public_url(),
        now: state.clock.now(),
    };
    authentication.caller(token, source_ip).await
}

impl Console {
    fn new(state: &AppState, caller: AdminCaller, sid: String, cookies: Vec<String>) -> Self {
        Console { csrf: csrf_token(&state.master, &sid), caller, sid, cookies }
    }

    /// The admin services for this administrator: the ones the REST API's handlers call.
    pub fn api<'a>(&'a self, state: &'a AppState) -> AdminApi<'a> {
        crate::http::admin::api(state, &self.caller)
    }

    pub fn layout(&self, realm: Option<&str>, section: &'static str) -> Layout {
        Layout {
            username: self.caller.username.clone(),
            csrf: self.csrf.clone(),
            realm: realm.map(str::to_owned),
            section,
        }
    }

    pub fn page(&self, page: &impl askama::Template) -> Response {
        render(StatusCode::OK, page, &self.cookies)
    }

    pub fn redirect(&self, location: &str) -> Response {
        see_other(location, &self.cookies)
    }

    /// After a form: on to `location` once it worked (Post/Redirect/Get), else the error page.
    pub fn after(&self, result: Result<(), AdminError>, location: &str) -> Response {
        match result {
            Ok(()) => self.redirect(location),
            Err(e) => self.error(&e),
        }
    }

    /// A list page once its items are found, or the error page.
    pub fn listed<T, P: askama::Template>(&self, found: Result<T, AdminError>, page: impl FnOnce(T) -> P) -> Response {
        match found {
            Ok(items) => self.page(&page(items)),
            Err(e) => self.error(&e),
        }
    }

    /// The page of an admin error: its status from the one mapping, its words (never a store's detail).
    pub fn error(&self, e: &AdminError) -> Response {
        admin_error(e, &self.cookies)
    }
}

fn admin_error(e: &AdminError, cookies: &[String]) -> Response {
    let status = admin_error_status(e);
    let text = match e {
        AdminError::Store(inner) if status != StatusCode::CONFLICT => {
            tracing::error!(error = %inner, "console request failed");
            "Something went wrong on our side. Try again later.".to_owned()
        }
        AdminError::Forbidden => "You do not have the rights for this.".to_owned(),
        AdminError::Unauthorized => "You are not signed in.".to_owned(),
        e => e.to_string(),
    };
    message(status, "That did not work", &text, cookies)
}

/// The `?q=` of a list page's search box.
#[derive(serde::Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    pub q: String,
}

impl Search {
    /// The query as given; a malformed one searches for nothing in particular.
    pub fn given(query: Result<Query<Search>, QueryRejection>) -> Self {
        query.map(|Query(s)| s).unwrap_or_default()
    }

    /// The trimmed text to look for, if any.
    pub fn wanted(&self) -> Option<String> {
        Some(self.q.trim().to_owned()).filter(|q| !q.is_empty())
    }
}

/// What a form did, named in the address it redirects to (Post/Redirect/Get: a reload repeats nothing).
#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

/// A name as one segment of a console address (a role or scope name may hold `/`, `?`, `#` or spaces).
pub fn path_segment(name: &str) -> String {
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// A form posted to the console by a signed-in administrator, with the session's CSRF token: anything else
/// is refused (403) before a handler runs.
pub struct Posted {
    pub console: Console,
    pub form: FormParams,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let console = Console::from_request_parts(&mut parts, state).await?;
        let bytes = limited_body(Request::from_parts(parts, body), state.max_body_bytes)
            .await
            .map_err(|_| message(StatusCode::BAD_REQUEST, "That did not work", "The form could not be read.", &[]))?;
        let form = FormParams::from_urlencoded(&bytes).map_err(|_| {
            message(StatusCode::BAD_REQUEST, "That did not work", "The form could not be read.", &console.cookies)
        })?;
        if !csrf_matches(&state.master, &console.sid, form.get("csrf")) {
            let text = "The form could not be verified (its security token is missing or wrong). Reload the page and try again.";
            return Err(message(StatusCode::FORBIDDEN, "That did not work", text, &console.cookies));
        }
        Ok(Posted { console, form })
    }
}

async fn stylesheet() -> Response {
    let css = include_str!("../../../templates/console/console.css");
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], css)
        .into_response()
}

async fn script() -> Response {
    let js = include_str!("../../../templates/console/console.js");
    let headers =
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")];
    (headers, js).into_response()
}

async fn home() -> Response {
    see_other(&format!("{CONSOLE_PATH}/"), &[])
}

/// The console's routes; writes empty the caches as the admin API's do.
pub fn routes(state: &AppState) -> Router<AppState> {
    let realm = |rest: &str| format!("{CONSOLE_PATH}/realms/{{realm}}{rest}");
    Router::new()
        .route(CONSOLE_PATH, get(home))
        .route(&format!("{CONSOLE_PATH}/"), get(realms::list))
        .route(&format!("{CONSOLE_PATH}/console.css"), get(stylesheet))
        .route(&format!("{CONSOLE_PATH}/console.js"), get(script))
        .route(&format!("{CONSOLE_PATH}/signin"), get(signin::start))
        .route(&format!("{CONSOLE_PATH}/callback"), get(signin::callback))
        .route(&format!("{CONSOLE_PATH}/signout"), post(signin::sign_out))
        .route(&format!("{CONSOLE_PATH}/realms"), post(realms::create))
        .route(&realm(""), get(realms::settings).post(realms::update))
        .route(&realm("/keys/rotate"), post(realms::rotate))
        .route(&realm("/clients"), get(clients::list).post(clients::create))
        .route(&realm("/clients/{id}"), get(clients::detail))
        .route(&realm("/clients/{id}/secret"), post(clients::rotate_secret))
        .route(&realm("/users"), get(users::list).post(users::create))
        .route(&realm("/users/{id}"), get(users::detail))
        .route(&realm("/users/{id}/password"), post(users::reset_password))
        .route(&realm("/users/{id}/enabled"), post(users::set_enabled))
        .route(&realm("/users/{id}/logout"), post(users::sign_out_everywhere))
        .route(&realm("/users/{id}/unlock"), post(users::unlock))
        .route(&realm("/clients/{id}/revoke"), post(client_edit::revoke_tokens))
        .route(&realm("/clients/{id}/roles"), post(client_edit::create_role))
        .route(&realm("/clients/{id}/roles/{name}"), get(role::client_role))
        .route(&realm("/clients/{id}/roles/{name}/composites"), post(role::client_composites))
        .route(&realm("/clients/{id}/roles/{name}/delete"), post(client_edit::delete_role))
        .route(&realm("/clients/{id}/scopes"), post(client_edit::scopes))
        .route(&realm("/clients/{id}/mappers"), post(mappers::add_to_client))
        .route(&realm("/clients/{id}/mappers/{mapper}/delete"), post(mappers::delete_from_client))
        .route(&realm("/roles/{name}"), get(role::realm_role))
        .route(&realm("/roles/{name}/composites"), post(role::realm_composites))
        .route(&realm("/groups/{id}"), get(group::group))
        .route(&realm("/groups/{id}/roles"), post(group::roles))
        .route(&realm("/groups/{id}/members"), post(group::members))
        .route(&realm("/scopes/{name}"), get(mappers::scope))
        .route(&realm("/scopes/{name}/mappers"), post(mappers::add_to_scope))
        .route(&realm("/scopes/{name}/mappers/{mapper}/delete"), post(mappers::delete_from_scope))
        .route(&realm("/users/{id}/roles"), post(users::roles))
        .route(&realm("/users/{id}/groups"), post(users::groups))
        .route(&realm("/usage"), get(usage::usage))
        .route(&realm("/events"), get(events::events))
        .route(&realm("/access"), get(access::access))
        .route(&realm("/access/roles"), post(access::create_role))
        .route(&realm("/access/groups"), post(access::create_group))
        .route(&realm("/access/scopes"), post(access::create_scope))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), crate::http::admin::fresh_after_write))
}
