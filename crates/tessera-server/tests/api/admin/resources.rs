//! The rest of Keycloak's admin resources (#16 §2): realm settings and deletion, client updates and scope
//! links, client scopes, protocol mappers, client roles and composites, groups with their role mappings,
//! role mappings at every level, and the rights each needs, both ways.

use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_testkit::TestServer;

use super::{SECRET, call, master_token, server};
use crate::support::claims_of;

const NW: &str = "/admin/realms/northwind";

struct Admin<'a> {
    server: &'a TestServer,
    token: String,
}

impl Admin<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value, Option<String>) {
        call(self.server, method, &format!("{NW}{path}"), Some(&self.token), body).await
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body, _) = self.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// A write that must succeed (201 or 204); the new resource's id from `Location` when there is one.
    async fn ok(&self, method: Method, path: &str, body: Value) -> String {
        let (status, answer, location) = self.send(method.clone(), path, Some(body)).await;
        assert!(
            status == StatusCode::CREATED || status == StatusCode::NO_CONTENT,
            "{method} {path}: {status} {answer}"
        );
        location.map(|l| l.rsplit('/').next().unwrap().to_owned()).unwrap_or_default()
    }

    async fn client_pk(&self, client_id: &str) -> String {
        let found = self.get(&format!("/clients?clientId={client_id}")).await;
        found[0]["id"].as_str().unwrap().to_owned()
    }

    async fn user_id(&self, username: &str) -> String {
        let found = self.get(&format!("/users?username={username}&exact=true")).await;
        found[0]["id"].as_str().unwrap().to_owned()
    }
}

async fn grace_token(server: &TestServer, scope: &str) -> Value {
    let form = [("grant_type", "password"), ("username", "grace"), ("password", "Grace-Hopper-1906"), ("scope", scope)];
    let response =
        server.http.post(server.token_url("northwind")).basic_auth("roles-app", Some(SECRET)).form(&form).send().await;
    let body: Value = response.unwrap().json().await.unwrap();
    claims_of(body["access_token"].as_str().unwrap_or_else(|| panic!("{body}")))
}

#[tokio::test]
async fn realm_settings_are_updated_and_a_realm_deleted_with_everything_in_it() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let update = json!({"displayName": "Northwind Traders", "failureFactor": 3, "bruteForceProtected": true});
    admin.ok(Method::PUT, "", update).await;
    let realm = admin.get("").await;
    assert_eq!(realm["displayName"], "Northwind Traders");
    assert_eq!(realm["failureFactor"], 3);
    assert_eq!(realm["bruteForceProtected"], true);
    let (status, body, _) = admin.send(Method::PUT, "", Some(json!({"realm": "southwind"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no rename: {body}");
    assert!(body["errorMessage"].is_string());
    let (status, _, _) = admin.send(Method::PUT, "", Some(json!({"failureFactor": -1}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let t = Some(admin.token.as_str());
    let (status, _, _) = call(&server, Method::DELETE, "/admin/realms/master", t, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "master holds the administrators");
    admin.ok(Method::DELETE, "", json!(null)).await;
    assert_eq!(admin.send(Method::GET, "", None).await.0, StatusCode::NOT_FOUND);
    let token = server.client_credentials("northwind", "reporting-job", SECRET, None).await;
    assert_ne!(token.status(), StatusCode::OK, "no tokens from a deleted realm");
    let well_known = server.http.get(server.url("/realms/northwind/.well-known/openid-configuration")).send().await;
    assert_eq!(well_known.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_client_scope_with_a_mapper_linked_to_a_client_puts_its_claim_in_tokens_and_cannot_go_while_in_use() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let scope =
        json!({"name": "inventory", "protocol": "openid-connect", "attributes": {"include.in.token.scope": "true"}});
    let id = admin.ok(Method::POST, "/client-scopes", scope.clone()).await;
    assert_eq!(id, "inventory");
    assert_eq!(admin.send(Method::POST, "/client-scopes", Some(scope)).await.0, StatusCode::CONFLICT);
    let (status, _, _) = admin.send(Method::POST, "/client-scopes", Some(json!({"name": "two words"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a scope name is an RFC 6749 §3.3 scope-token");
    let mapper = json!({
        "name": "warehouse", "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {"claim.name": "warehouse", "claim.value": "north", "jsonType.label": "String", "access.token.claim": "true"}
    });
    let mapper_id = admin.ok(Method::POST, "/client-scopes/inventory/protocol-mappers/models", mapper.clone()).await;
    let (status, _, _) =
        admin.send(Method::POST, "/client-scopes/inventory/protocol-mappers/models", Some(mapper)).await;
    assert_eq!(status, StatusCode::CONFLICT, "mapper names are unique per scope");
    let unknown = json!({"name": "x", "protocolMapper": "oidc-script-mapper", "config": {}});
    let (status, _, _) =
        admin.send(Method::POST, "/client-scopes/inventory/protocol-mappers/models", Some(unknown)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a mapper type Tessera does not run");
    let listed = admin.get("/client-scopes").await;
    assert!(listed.as_array().unwrap().iter().any(|s| s["name"] == "inventory"));

    let app = admin.client_pk("roles-app").await;
    admin.ok(Method::PUT, &format!("/clients/{app}/optional-client-scopes/inventory"), json!(null)).await;
    let optional = admin.get(&format!("/clients/{app}/optional-client-scopes")).await;
    assert!(optional.as_array().unwrap().iter().any(|s| s["name"] == "inventory"), "{optional}");
    let claims = grace_token(&server, "inventory").await;
    assert_eq!(claims["warehouse"], "north", "{claims}");
    assert!(claims["scope"].as_str().unwrap().split(' ').any(|s| s == "inventory"));

    let changed = json!({"name": "warehouse", "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {"claim.name": "warehouse", "claim.value": "south", "access.token.claim": "true"}});
    admin.ok(Method::PUT, &format!("/client-scopes/inventory/protocol-mappers/models/{mapper_id}"), changed).await;
    assert_eq!(grace_token(&server, "inventory").await["warehouse"], "south");

    let (status, body, _) = admin.send(Method::DELETE, "/client-scopes/inventory", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "in use by roles-app: {body}");
    admin.ok(Method::DELETE, &format!("/clients/{app}/optional-client-scopes/inventory"), json!(null)).await;
    admin.ok(Method::DELETE, "/client-scopes/inventory", json!(null)).await;
    assert_eq!(admin.send(Method::GET, "/client-scopes/inventory", None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_client_is_updated_its_mappers_edited_and_its_service_account_read() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let app = admin.client_pk("roles-app").await;
    let update = json!({"redirectUris": ["https://app.northwind.example/cb", "https://new.northwind.example/cb"],
        "attributes": {"post.logout.redirect.uris": "https://app.northwind.example/bye"}});
    admin.ok(Method::PUT, &format!("/clients/{app}"), update).await;
    let client = admin.get(&format!("/clients/{app}")).await;
    assert_eq!(client["redirectUris"].as_array().unwrap().len(), 2, "{client}");
    assert_eq!(client["attributes"]["post.logout.redirect.uris"], "https://app.northwind.example/bye");
    let (status, _, _) = admin.send(Method::PUT, &format!("/clients/{app}"), Some(json!({"clientId": "other"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "clientId is how tokens and roles name it");
    let (status, _, _) =
        admin.send(Method::PUT, &format!("/clients/{app}"), Some(json!({"defaultClientScopes": ["nope"]}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an unknown scope");

    let mapper = json!({"name": "tier", "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {"claim.name": "tier", "claim.value": "gold", "access.token.claim": "true"}});
    let mid = admin.ok(Method::POST, &format!("/clients/{app}/protocol-mappers/models"), mapper).await;
    assert_eq!(admin.get(&format!("/clients/{app}/protocol-mappers/models/{mid}")).await["name"], "tier");
    assert_eq!(grace_token(&server, "openid").await["tier"], "gold");
    admin.ok(Method::DELETE, &format!("/clients/{app}/protocol-mappers/models/{mid}"), json!(null)).await;
    assert!(grace_token(&server, "openid").await.get("tier").is_none());
    let path = format!("/clients/{app}/protocol-mappers/models/{mid}");
    assert_eq!(admin.send(Method::DELETE, &path, None).await.0, StatusCode::NOT_FOUND);

    // Turning service accounts on creates the account, as Keycloak does.
    let (status, _, _) = admin.send(Method::GET, &format!("/clients/{app}/service-account-user"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not enabled yet");
    admin.ok(Method::PUT, &format!("/clients/{app}"), json!({"serviceAccountsEnabled": true})).await;
    let account = admin.get(&format!("/clients/{app}/service-account-user")).await;
    assert_eq!(account["username"], "service-account-roles-app");
    let token = server.client_credentials("northwind", "roles-app", SECRET, None).await;
    assert_eq!(token.status(), StatusCode::OK, "client credentials work once service accounts are on");
}

#[tokio::test]
async fn client_roles_composites_and_group_mappings_reach_the_members_next_token() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let orders = admin.client_pk("orders-api").await;
    admin
        .ok(Method::POST, &format!("/clients/{orders}/roles"), json!({"name": "refunds", "description": "Refund"}))
        .await;
    let role = admin.get(&format!("/clients/{orders}/roles/refunds")).await;
    assert_eq!(role["clientRole"], true);
    assert_eq!(role["containerId"], orders.as_str());
    assert_eq!(admin.get(&format!("/roles-by-id/{}", role["id"].as_str().unwrap())).await["name"], "refunds");
    let (status, _, _) =
        admin.send(Method::POST, &format!("/clients/{orders}/roles"), Some(json!({"name": "refunds"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A realm role that includes the client role.
    admin.ok(Method::POST, "/roles", json!({"name": "finance"})).await;
    admin.ok(Method::POST, "/roles/finance/composites", json!([{"id": role["id"]}])).await;
    let composites = admin.get("/roles/finance/composites").await;
    assert_eq!(composites[0]["name"], "refunds", "{composites}");
    assert_eq!(admin.get("/roles/finance").await["composite"], true);
    let (status, _, _) =
        admin.send(Method::POST, "/roles/finance/composites", Some(json!([{"name": "finance"}]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a role never includes itself");

    // The group holds the realm role; grace joins the group and her token carries both roles.
    let group = admin.ok(Method::POST, "/groups", json!({"name": "accounts"})).await;
    admin.ok(Method::POST, &format!("/groups/{group}/role-mappings/realm"), json!([{"name": "finance"}])).await;
    let mapped = admin.get(&format!("/groups/{group}/role-mappings")).await;
    assert_eq!(mapped["realmMappings"][0]["name"], "finance", "{mapped}");
    let grace = admin.user_id("grace").await;
    admin.ok(Method::PUT, &format!("/users/{grace}/groups/{group}"), json!(null)).await;
    let members = admin.get(&format!("/groups/{group}/members")).await;
    assert_eq!(members[0]["username"], "grace");
    let claims = grace_token(&server, "openid").await;
    assert!(claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("finance")), "{claims}");
    assert!(claims["resource_access"]["orders-api"]["roles"].as_array().unwrap().contains(&json!("refunds")));
    let effective = admin.get(&format!("/users/{grace}/role-mappings/clients/{orders}/composite")).await;
    assert!(effective.as_array().unwrap().iter().any(|r| r["name"] == "refunds"), "{effective}");

    // A direct client-role mapping, read back in Keycloak's MappingsRepresentation.
    admin
        .ok(Method::DELETE, &format!("/users/{grace}/role-mappings/clients/{orders}"), json!([{"name": "auditor"}]))
        .await;
    admin
        .ok(Method::POST, &format!("/users/{grace}/role-mappings/clients/{orders}"), json!([{"name": "auditor"}]))
        .await;
    let all = admin.get(&format!("/users/{grace}/role-mappings")).await;
    let mapped = &all["clientMappings"]["orders-api"];
    assert_eq!(mapped["id"], orders.as_str());
    assert!(mapped["mappings"].as_array().unwrap().iter().any(|r| r["name"] == "auditor"), "{all}");
    let (status, _, _) = admin
        .send(Method::POST, &format!("/users/{grace}/role-mappings/clients/{orders}"), Some(json!([{"name": "nope"}])))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Renaming and deleting.
    admin.ok(Method::PUT, &format!("/groups/{group}"), json!({"name": "accounting"})).await;
    assert_eq!(admin.get(&format!("/groups/{group}")).await["path"], "/accounting");
    admin.ok(Method::PUT, "/roles/finance", json!({"name": "finance", "description": "Money"})).await;
    assert_eq!(admin.get("/roles/finance").await["description"], "Money");
    admin.ok(Method::DELETE, &format!("/groups/{group}"), json!(null)).await;
    admin.ok(Method::DELETE, "/roles/finance", json!(null)).await;
    admin.ok(Method::DELETE, &format!("/clients/{orders}/roles/refunds"), json!(null)).await;
    let claims = grace_token(&server, "openid").await;
    assert!(!claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("finance")));
    assert_eq!(admin.send(Method::GET, &format!("/groups/{group}"), None).await.0, StatusCode::NOT_FOUND);
    let sessions = admin.get(&format!("/users/{grace}/sessions")).await;
    assert!(sessions.is_array());
}

/// Keycloak's fine-grained `realm-management` roles, both ways: a service account given only
/// `view-clients` (through the new client-role mapping route) reads clients and scopes and is refused every
/// write and every user.
#[tokio::test]
async fn each_realm_management_role_allows_exactly_its_resources() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let viewer = admin
        .ok(Method::POST, "/clients", json!({"clientId": "viewer", "secret": SECRET, "serviceAccountsEnabled": true}))
        .await;
    let account = admin.get(&format!("/clients/{viewer}/service-account-user")).await;
    let account = account["id"].as_str().unwrap().to_owned();
    let management = admin.client_pk("realm-management").await;
    let grant = format!("/users/{account}/role-mappings/clients/{management}");
    admin.ok(Method::POST, &grant, json!([{"name": "view-clients"}])).await;
    let body: Value = server.client_credentials("northwind", "viewer", SECRET, None).await.json().await.unwrap();
    let view = Admin { token: body["access_token"].as_str().unwrap().to_owned(), server: &server };
    let app = admin.client_pk("roles-app").await;
    let orders = admin.client_pk("orders-api").await;
    for path in [
        "/clients".to_owned(),
        format!("/clients/{app}"),
        "/client-scopes".to_owned(),
        format!("/clients/{app}/protocol-mappers/models"),
        format!("/clients/{orders}/roles"),
        format!("/clients/{app}/default-client-scopes"),
    ] {
        assert_eq!(view.send(Method::GET, &path, None).await.0, StatusCode::OK, "view-clients reads {path}");
    }
    let writes = [
        (Method::PUT, format!("/clients/{app}"), json!({"enabled": false})),
        (Method::POST, "/client-scopes".to_owned(), json!({"name": "sneaky"})),
        (Method::POST, format!("/clients/{orders}/roles"), json!({"name": "sneaky"})),
        (Method::PUT, format!("/clients/{app}/default-client-scopes/email"), json!(null)),
        (Method::POST, "/roles".to_owned(), json!({"name": "sneaky"})),
        (Method::PUT, "".to_owned(), json!({"displayName": "sneaky"})),
        (Method::DELETE, "".to_owned(), json!(null)),
    ];
    for (method, path, body) in writes {
        let (status, _, _) = view.send(method.clone(), &path, Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "view-clients may not {method} {path}");
    }
    for path in ["/users", "/groups", "/roles"] {
        assert_eq!(view.send(Method::GET, path, None).await.0, StatusCode::FORBIDDEN, "view-clients reads no {path}");
    }
    // Taking the role back takes the right away from the next token.
    admin.ok(Method::DELETE, &grant, json!([{"name": "view-clients"}])).await;
    let body: Value = server.client_credentials("northwind", "viewer", SECRET, None).await.json().await.unwrap();
    let gone = Admin { token: body["access_token"].as_str().unwrap().to_owned(), server: &server };
    assert_eq!(gone.send(Method::GET, "/clients", None).await.0, StatusCode::FORBIDDEN);
}

/// Our extension beside Keycloak's key list: rotation with the scheduler's rule (the next key signs only
/// once verifiers can hold it, RFC 7517 key sets being cached for `max-age`), refused with how long is left.
#[tokio::test]
async fn keys_rotate_through_the_admin_api_only_when_verifiers_can_hold_the_next_key_unless_forced() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let keys = admin.get("/keys").await;
    let next = keys["keys"].as_array().unwrap().iter().find(|k| k["tesseraState"] == "next").unwrap()["kid"].clone();
    let (status, body, _) = admin.send(Method::POST, "/keys/rotate", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the next key was published a moment ago: {body}");
    assert!(body["errorMessage"].as_str().unwrap().contains("published for"), "{body}");
    let (status, rotated, _) = admin.send(Method::POST, "/keys/rotate?force=true", None).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_eq!(rotated["promoted"], next);
    let keys = admin.get("/keys").await;
    assert_eq!(keys["active"]["RS256"], next, "{keys}");
    let token = server.client_credentials("northwind", "reporting-job", SECRET, None).await;
    let body: Value = token.json().await.unwrap();
    let header = body["access_token"].as_str().unwrap().split('.').next().unwrap().to_owned();
    let header: Value = serde_json::from_slice(&base64_decode(&header)).unwrap();
    assert_eq!(header["kid"], next, "tokens are signed with the promoted key");
    let plain = Admin { token: body["access_token"].as_str().unwrap().to_owned(), server: &server };
    assert_eq!(plain.send(Method::POST, "/keys/rotate?force=true", None).await.0, StatusCode::FORBIDDEN);
}

fn base64_decode(part: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()
}

/// Keycloak's partial import: `FAIL` writes nothing when one resource exists, `SKIP` adds only what is new,
/// `OVERWRITE` replaces; roles, clients, client roles, groups (with their roles) and users (with password,
/// roles and groups) all arrive, and the user's next token shows it.
#[tokio::test]
async fn a_partial_import_adds_skips_or_overwrites_as_asked_and_fail_writes_nothing() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let import = |policy: &str| {
        json!({
            "ifResourceExists": policy,
            "roles": {"realm": [{"name": "buyer", "description": "Buys"}], "client": {"shipping": [{"name": "ship"}]}},
            "clients": [{"clientId": "shipping", "secret": SECRET, "directAccessGrantsEnabled": true, "defaultClientScopes": ["roles"]}],
            "groups": [{"name": "purchasing", "realmRoles": ["buyer"], "subGroups": [{"name": "eu"}]}],
            "users": [{"username": "hedy", "enabled": true, "groups": ["/purchasing/eu"],
                       "clientRoles": {"shipping": ["ship"]},
                       "credentials": [{"type": "password", "value": "Hedy-Lamarr-1914", "temporary": false}]}]
        })
    };
    // FAIL with something existing (grace): nothing is written.
    let mut failing = import("FAIL");
    failing["users"].as_array_mut().unwrap().push(json!({"username": "grace"}));
    let (status, body, _) = admin.send(Method::POST, "/partialImport", Some(failing)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["errorMessage"].as_str().unwrap().contains("grace"), "{body}");
    assert_eq!(admin.send(Method::GET, "/roles/buyer", None).await.0, StatusCode::NOT_FOUND, "nothing written");

    let (status, added, _) = admin.send(Method::POST, "/partialImport", Some(import("FAIL"))).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!((added["added"].as_u64(), added["skipped"].as_u64()), (Some(6), Some(0)), "{added}");
    let form = [("grant_type", "password"), ("username", "hedy"), ("password", "Hedy-Lamarr-1914")];
    let response =
        server.http.post(server.token_url("northwind")).basic_auth("shipping", Some(SECRET)).form(&form).send();
    let body: Value = response.await.unwrap().json().await.unwrap();
    let claims = claims_of(body["access_token"].as_str().unwrap_or_else(|| panic!("{body}")));
    assert!(claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("buyer")), "via /purchasing: {claims}");
    assert_eq!(claims["resource_access"]["shipping"]["roles"], json!(["ship"]), "{claims}");

    let (_, skipped, _) = admin.send(Method::POST, "/partialImport", Some(import("SKIP"))).await;
    assert_eq!((skipped["added"].as_u64(), skipped["skipped"].as_u64()), (Some(0), Some(6)), "{skipped}");
    let mut changed = import("OVERWRITE");
    changed["roles"]["realm"][0]["description"] = json!("Buys things");
    let (_, overwritten, _) = admin.send(Method::POST, "/partialImport", Some(changed)).await;
    assert_eq!(overwritten["overwritten"].as_u64(), Some(6), "{overwritten}");
    assert_eq!(admin.get("/roles/buyer").await["description"], "Buys things");
    let (status, _, _) = admin.send(Method::POST, "/partialImport", Some(json!({"ifResourceExists": "MAYBE"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// RFC 8707 §2: the client attribute `tessera.resources`, set through the admin API, is what `resource=`
/// may name; a value that is not an absolute URI is refused before it is stored.
#[tokio::test]
async fn a_clients_resources_are_registered_through_its_attributes_rfc8707_2() {
    let (server, _dir) = server().await;
    let admin = Admin { token: master_token(&server).await, server: &server };
    let app = admin.client_pk("roles-app").await;
    let path = format!("/clients/{app}");
    let bad = json!({"attributes": {"tessera.resources": "https://orders.northwind.example/##orders-api"}});
    assert_eq!(admin.send(Method::PUT, &path, Some(bad)).await.0, StatusCode::BAD_REQUEST);
    let good = json!({"attributes": {"tessera.resources": "https://orders.northwind.example/"}});
    admin.ok(Method::PUT, &path, good).await;
    let form = [
        ("grant_type", "password"),
        ("username", "grace"),
        ("password", "Grace-Hopper-1906"),
        ("resource", "https://orders.northwind.example/"),
    ];
    let response =
        server.http.post(server.token_url("northwind")).basic_auth("roles-app", Some(SECRET)).form(&form).send().await;
    let body: Value = response.unwrap().json().await.unwrap();
    let claims = claims_of(body["access_token"].as_str().unwrap_or_else(|| panic!("{body}")));
    assert_eq!(claims["aud"], "https://orders.northwind.example/");
}
