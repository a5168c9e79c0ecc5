//! The admin API's OpenAPI 3.1 document, served at `GET /admin/openapi.json`.
//!
//! The operations come from the handlers' `#[utoipa::path]` annotations, gathered by the route table
//! ([`super::routes`]) that also builds the router: a route is not served without being described. What
//! every admin operation shares is added here, once: the Bearer scheme, the path parameters (read from
//! the path template, so none can be missing), the error answers of [`crate::http::error`]
//! (`AdminErrorRepresentation`, Keycloak's shape) by rule, `Location` on a 201, and operation ids.

use axum::body::Bytes;
use axum::http::{Method, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get};
use tessera_core::OAuthError;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, Header, Ref, RefOr, Required};

use tessera_proto::admin::AdminErrorRepresentation;

use crate::http::error::{ApiError, method_not_allowed};
use crate::state::AppState;

/// The operations' tags, one per resource.
pub mod tag {
    pub const REALMS: &str = "Realms";
    pub const KEYS: &str = "Keys";
    pub const CLIENTS: &str = "Clients";
    pub const CLIENT_SCOPES: &str = "Client scopes";
    pub const PROTOCOL_MAPPERS: &str = "Protocol mappers";
    pub const ROLES: &str = "Roles";
    pub const GROUPS: &str = "Groups";
    pub const USERS: &str = "Users";
    pub const ROLE_MAPPINGS: &str = "Role mappings";
    pub const ATTACK_DETECTION: &str = "Attack detection";
    pub const EVENTS: &str = "Events";
}

/// The security scheme every operation requires: the name `security(("bearer" = []))` of [`ApiDoc`] uses.
const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera admin REST API",
        version = env!("CARGO_PKG_VERSION"),
        description = "Keycloak's admin REST API as Tessera serves it: Keycloak's paths, methods, status codes \
            and representations (`org.keycloak.representations.idm`), so that Keycloak's admin client and \
            `kcadm`-style scripts work unchanged. Tessera's extensions are marked as such. Every operation \
            takes a Bearer access token issued by Tessera; the rights it needs are in docs/admin-api.md.",
        license(name = "Apache-2.0"),
    ),
    security(("bearer" = [])),
    components(schemas(AdminErrorRepresentation)),
    tags(
        (name = tag::REALMS, description = "Realms: list, create, read, update, delete, partial import."),
        (name = tag::KEYS, description = "A realm's signing keys, and their rotation (Tessera's extension)."),
        (name = tag::CLIENTS, description = "Clients, their secret, client scopes and service account."),
        (name = tag::CLIENT_SCOPES, description = "Client scopes."),
        (name = tag::PROTOCOL_MAPPERS, description = "Protocol mappers of a client or a client scope."),
        (name = tag::ROLES, description = "Realm roles and client roles, and their composites."),
        (name = tag::GROUPS, description = "Groups, their subgroups and members."),
        (name = tag::USERS, description = "Users: search, profile, password, sessions, groups, logout."),
        (name = tag::ROLE_MAPPINGS, description = "The roles granted to a user or a group."),
        (name = tag::ATTACK_DETECTION, description = "Brute-force lockouts of users."),
        (name = tag::EVENTS, description = "The audit trail: user and client events, admin events."),
    ),
)]
struct ApiDoc;

/// The document's frame (info, security, tags) that the route table fills with operations.
pub fn frame() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Adds what every operation shares; the document is complete after this.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let bearer = Http::builder()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("JWT")
        .description(Some("An access token issued by Tessera (any realm's; rights from its roles)."))
        .build();
    components.add_security_scheme(BEARER, SecurityScheme::Http(bearer));
    error_components(components);
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            (Method::GET, &mut item.get),
            (Method::POST, &mut item.post),
            (Method::PUT, &mut item.put),
            (Method::DELETE, &mut item.delete),
            (Method::PATCH, &mut item.patch),
            (Method::HEAD, &mut item.head),
            (Method::OPTIONS, &mut item.options),
            (Method::TRACE, &mut item.trace),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                operation.operation_id = Some(operation_id(&method, path));
                add_path_parameters(operation, path);
                add_errors(operation, &method, path);
                add_location(operation);
            }
        }
    }
}

/// `GET /admin/openapi.json`: the document, serialized once. No token: it describes, it grants nothing.
pub fn serve(doc: &utoipa::openapi::OpenApi) -> MethodRouter<AppState> {
    let json = serde_json::to_vec(doc).map(Bytes::from).map_err(|e| e.to_string());
    let document = move || {
        let json = json.clone();
        async move {
            match json {
                Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
                Err(e) => ApiError::OAuth(OAuthError::Internal(format!("the OpenAPI document: {e}"))).into_response(),
            }
        }
    };
    get(document).fallback(method_not_allowed)
}

/// The (method, path) pairs a document describes.
pub fn operations(doc: &utoipa::openapi::OpenApi) -> Vec<(Method, String)> {
    let mut found = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::DELETE, &item.delete),
            (Method::PATCH, &item.patch),
            (Method::HEAD, &item.head),
            (Method::OPTIONS, &item.options),
            (Method::TRACE, &item.trace),
        ];
        found.extend(methods.into_iter().filter(|(_, op)| op.is_some()).map(|(m, _)| (m, path.clone())));
    }
    found
}

/// `get` + the path's segments in camel case (`getAdminRealmsRealmUsersId`), as Keycloak's own document
/// names them: unique, and stable while the path is.
fn operation_id(method: &Method, path: &str) -> String {
    let method = method.as_str().to_ascii_lowercase();
    let words = path.split(['/', '-']).map(|w| w.trim_matches(['{', '}'])).filter(|w| !w.is_empty());
    words.fold(method, |mut id, word| {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.extend(first.to_uppercase());
            id.push_str(chars.as_str());
        }
        id
    })
}

/// Every `{name}` of the path, described by the segment before it, unless the annotation described it.
fn add_path_parameters(operation: &mut Operation, path: &str) {
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else { continue };
        let described = parameters.iter().any(|p| matches!(p, RefOr::T(p) if p.name == name));
        if described {
            continue;
        }
        let previous = i.checked_sub(1).and_then(|j| segments.get(j)).copied().unwrap_or("");
        parameters.push(RefOr::T(path_parameter(name, describe(previous, name))));
    }
}

fn path_parameter(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(Object::with_type(Type::String)))
        .build()
}

/// What a path parameter names, from the collection it indexes.
fn describe(previous: &str, name: &str) -> &'static str {
    match (previous, name) {
        (_, "realm") => "The realm's name.",
        ("users", _) => "The user's id.",
        ("groups", _) => "The group's id.",
        ("clients", _) => "The client's internal id (its `id`, not its `clientId`).",
        ("client-scopes" | "default-client-scopes" | "optional-client-scopes", _) => {
            "The client scope's id (Tessera: its name)."
        }
        ("roles", _) => "The role's name.",
        ("roles-by-id", _) => "The role's id.",
        ("models", _) => "The protocol mapper's id.",
        _ => "An identifier.",
    }
}

/// A `201 Created` names the new resource in `Location`, as Keycloak's creates do ([`super::created`]).
fn add_location(operation: &mut Operation) {
    if let Some(RefOr::T(created)) = operation.responses.responses.get_mut("201") {
        let mut location = Header::new(Object::with_type(Type::String));
        location.description = Some("The new resource's URL.".into());
        created.headers.entry("Location".to_owned()).or_insert(RefOr::T(location));
    }
}

/// The error answers, one component each: Keycloak's `AdminErrorRepresentation`, as `http::error` maps
/// `AdminError` (name, status, when).
const ERRORS: [(&str, &str, &str); 5] = [
    ("Unauthorized", "401", "No valid Bearer token."),
    ("Forbidden", "403", "The token's holder lacks the right."),
    ("NotFound", "404", "The realm or a resource the path names does not exist."),
    ("BadRequest", "400", "The body or a query parameter is not acceptable."),
    ("Conflict", "409", "It clashes with what exists (a name taken, a concurrent change)."),
];

fn error_components(components: &mut utoipa::openapi::Components) {
    for (name, status, description) in ERRORS {
        let body = Content::new(Some(Ref::from_schema_name("AdminErrorRepresentation")));
        let mut response = ResponseBuilder::new().description(description).content("application/json", body);
        if status == "401" {
            let mut challenge = Header::new(Object::with_type(Type::String));
            challenge.description = Some("`Bearer`, as RFC 6750 §3 asks.".into());
            response = response.header("WWW-Authenticate", challenge);
        }
        components.responses.insert(name.to_owned(), RefOr::T(response.build()));
    }
}

/// The errors an operation may answer: 401 and 403 for all (the caller's token and rights), 404 where the
/// path names a resource, 400 where there is a body or a query to get wrong, 409 where a body is written
/// (POST, PUT). An annotation that names one of these statuses keeps its own.
fn add_errors(operation: &mut Operation, method: &Method, path: &str) {
    let query =
        operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
    let body = operation.request_body.is_some();
    let writes = body && (method == Method::POST || method == Method::PUT);
    for (name, status, _) in ERRORS {
        let applies = match status {
            "404" => path.contains('{'),
            "400" => body || query,
            "409" => writes,
            _ => true,
        };
        if applies {
            let responses = &mut operation.responses.responses;
            responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
    }
}
