//! The admin API's OpenAPI 3.1 document (#16 item 5): `GET /admin/openapi.json`, without a token, describes
//! every (method, path) of the admin route table (`tessera_server::admin_route_table`, the table the router is
//! built from) and nothing else; every route of the table is served, with and without a trailing slash, and
//! no other method on its path; and the document validates against the OpenAPI 3.1 schema
//! (openapi-spec-validator, pinned in `e2e/python/requirements.txt`, run from the e2e venv).

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tessera_testkit::TestServer;

use crate::python_keycloak::{e2e_dir, python_ready, required};

const METHODS: [&str; 8] = ["get", "post", "put", "delete", "patch", "head", "options", "trace"];

async fn document(server: &TestServer) -> Value {
    let response = server.http.get(server.url("/admin/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"));
    response.json().await.unwrap()
}

/// The route table, as the document's pairs (`get`, path).
fn table() -> BTreeSet<(String, String)> {
    let table: BTreeSet<_> = tessera_server::admin_route_table()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_ascii_lowercase(), path))
        .collect();
    for known in
        [("get", "/admin/realms"), ("post", "/admin/realms/{realm}/users"), ("delete", "/admin/realms/{realm}")]
    {
        assert!(table.contains(&(known.0.to_owned(), known.1.to_owned())), "the table lacks {known:?}");
    }
    table
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut found = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS.into_iter().filter(|m| item.get(*m).is_some()) {
            found.insert((method.to_owned(), path.clone()));
        }
    }
    found
}

/// An error response of the document (or a reference to one): Keycloak's `AdminErrorRepresentation` as JSON.
fn is_admin_error(doc: &Value, response: &Value) -> bool {
    let response = match response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/")) {
        Some(name) => &doc["components"]["responses"][name],
        None => response,
    };
    response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/AdminErrorRepresentation"
}

/// What a client generator needs of each operation: a tag, a unique id, a success answer, the token's 401
/// and 403 in Keycloak's error shape, and every `{parameter}` of the path described as a path parameter.
fn operation_faults(doc: &Value, method: &str, path: &str, ids: &mut BTreeMap<String, String>) -> Vec<String> {
    let op = &doc["paths"][path][method];
    let mut faults = Vec::new();
    let at = format!("{method} {path}");
    if op["tags"].as_array().is_none_or(Vec::is_empty) {
        faults.push(format!("{at}: no tag"));
    }
    match op["operationId"].as_str() {
        Some(id) => {
            if let Some(other) = ids.insert(id.to_owned(), at.clone()) {
                faults.push(format!("{at}: operationId {id} also names {other}"));
            }
        }
        None => faults.push(format!("{at}: no operationId")),
    }
    let responses = op["responses"].as_object().cloned().unwrap_or_default();
    if !responses.keys().any(|status| status.starts_with('2')) {
        faults.push(format!("{at}: no success response"));
    }
    for status in ["401", "403"] {
        if !responses.get(status).is_some_and(|r| is_admin_error(doc, r)) {
            faults.push(format!("{at}: no {status} with AdminErrorRepresentation"));
        }
    }
    let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
    for name in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
        let described = parameters.iter().any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true);
        if !described {
            faults.push(format!("{at}: path parameter {name} not described"));
        }
    }
    faults
}

/// Keycloak's admin API, described: every route of the table is in the document with what a generated
/// client needs, and the document describes no route the server does not serve.
#[tokio::test]
async fn the_openapi_document_describes_every_admin_route_and_only_those() {
    let server = TestServer::builder().spawn().await;
    let doc = document(&server).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Tessera admin REST API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert_eq!(doc["security"], serde_json::json!([{"bearer": []}]));

    let table = table();
    let documented = documented(&doc);
    let missing: Vec<_> = table.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&table).collect();
    assert!(missing.is_empty(), "routes served but not in the document: {missing:?}");
    assert!(extra.is_empty(), "operations in the document that the table does not serve: {extra:?}");

    let mut ids = BTreeMap::new();
    let faults: Vec<String> =
        table.iter().flat_map(|(method, path)| operation_faults(&doc, method, path, &mut ids)).collect();
    assert!(faults.is_empty(), "{} faults:\n{}", faults.len(), faults.join("\n"));
}

/// The table is what the router serves: each (method, path) answers an unauthenticated call with the admin
/// API's 401 (not a 404 or 405), with and without a trailing slash; another method on the path is a 405.
#[tokio::test]
async fn every_route_of_the_table_is_served_and_no_other_method_on_its_path() {
    let server = TestServer::builder().spawn().await;
    let table = table();
    let mut faults = Vec::new();
    for (method, path) in &table {
        let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        for url in [concrete.clone(), format!("{concrete}/")] {
            let status = server.http.request(method.clone(), server.url(&url)).send().await.unwrap().status();
            if status != StatusCode::UNAUTHORIZED {
                faults.push(format!("{method} {url}: {status}"));
            }
        }
    }
    let paths: BTreeSet<&String> = table.iter().map(|(_, path)| path).collect();
    for path in paths {
        let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>().join("/");
        for method in ["get", "post", "put", "delete", "patch"] {
            if table.contains(&(method.to_owned(), path.clone())) {
                continue;
            }
            let verb = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            let status = server.http.request(verb.clone(), server.url(&concrete)).send().await.unwrap().status();
            if status != StatusCode::METHOD_NOT_ALLOWED {
                faults.push(format!("{verb} {concrete} (not in the table): {status}"));
            }
        }
    }
    assert!(faults.is_empty(), "{} faults:\n{}", faults.len(), faults.join("\n"));
}

/// Runs openapi-spec-validator on a document; `None` when python is not available here (and not required).
async fn validate(doc: &Value) -> Option<Result<(), String>> {
    let e2e = e2e_dir();
    if let Err(why) = python_ready(&e2e, "openapi_spec_validator").await {
        assert!(!required(), "openapi-spec-validator required: {why}");
        eprintln!("OpenAPI validation skipped: {why}");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let out = tokio::process::Command::new(e2e.join(".venv/bin/openapi-spec-validator"))
        .args(["--schema", "3.1", "--validation-errors", "all"])
        .arg(&file)
        .output()
        .await
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Some(if out.status.success() { Ok(()) } else { Err(said.chars().take(4000).collect()) })
}

/// OpenAPI 3.1 §4 (the document's schema, and its rules beyond the schema: path parameters defined, unique
/// operation ids, references that resolve): the served document passes; a document with an undefined path
/// parameter does not, so the validator is really looking.
#[tokio::test]
async fn the_openapi_document_validates_against_the_openapi_3_1_schema() {
    let server = TestServer::builder().spawn().await;
    let doc = document(&server).await;
    let Some(verdict) = validate(&doc).await else { return };
    if let Err(said) = verdict {
        panic!("the document does not validate:\n{said}");
    }
    let mut broken = doc.clone();
    let users = &mut broken["paths"]["/admin/realms/{realm}/users/{id}"]["get"];
    users["parameters"] = serde_json::json!([]);
    let verdict = validate(&broken).await.expect("the validator ran a moment ago");
    assert!(verdict.is_err(), "a path parameter without a definition passed the validator");
}

/// The document promises Keycloak's error body for a 400: a query value that does not parse (`first=abc`,
/// `force=maybe`) is a JSON `AdminErrorRepresentation`, never axum's plain-text rejection.
#[tokio::test]
async fn a_query_value_that_does_not_parse_is_keycloaks_400_as_the_document_says() {
    let (server, _dir) = super::server().await;
    let token = super::master_token(&server).await;
    let calls = [
        (Method::GET, "/admin/realms/master/users?first=abc"),
        // Booleans are read as Keycloak (JAX-RS) reads them: anything but `true` is false, never a 400.
        (Method::GET, "/admin/realms/master/users/count?max=lots"),
        (Method::GET, "/admin/realms/master/clients?max=-1"),
        (Method::POST, "/admin/realms/master/keys/rotate?force=maybe"),
    ];
    for (method, path) in calls {
        let response = server.http.request(method.clone(), server.url(path)).bearer_auth(&token).send().await.unwrap();
        let status = response.status();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(content_type.as_deref(), Some("application/json"), "{method} {path}");
        assert!(body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "{method} {path}: {body}");
    }
}
