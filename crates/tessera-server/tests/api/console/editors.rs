//! The console's editors over plain HTTP (#18): a role's composites, a group's role mappings and members, a
//! user's roles and groups, a client's roles, scopes and protocol mappers, a client scope's mappers, "revoke
//! all tokens of this client" and the usage page. Each form needs the session's CSRF token, each write goes
//! through the admin service the REST API uses (checked here through that API), and an administrator
//! without the right is refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_testkit::TestServer;

use super::{delegated_administrator, sign_in};
use crate::admin::{ADMIN_PASSWORD, SECRET, call, master_token, server};
use crate::signin::field;

const NW: &str = "/admin/realms/northwind";
const CONSOLE: &str = "/admin/console/realms/northwind";

/// The ids the forms name, read through the admin REST API.
struct Ids {
    roles_app: String,
    orders_api: String,
    staff_group: String,
    alan: String,
    /// Realm roles: `uma_authorization` (included by no role of interest), `manager` (mapped to no group).
    uma: String,
    manager: String,
    /// `orders-api/orders:write`, which alan does not hold directly.
    orders_write: String,
}

async fn get(server: &TestServer, token: &str, path: &str) -> Value {
    let (status, body, _) = call(server, Method::GET, &format!("{NW}{path}"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

async fn ids(server: &TestServer, token: &str) -> Ids {
    let pk = |v: Value| v[0]["id"].as_str().unwrap().to_owned();
    let orders_api = pk(get(server, token, "/clients?clientId=orders-api").await);
    let orders_write = get(server, token, &format!("/clients/{orders_api}/roles/orders:write")).await;
    let role_id = |v: Value| v["id"].as_str().unwrap().to_owned();
    Ids {
        roles_app: pk(get(server, token, "/clients?clientId=roles-app").await),
        staff_group: pk(get(server, token, "/groups").await),
        alan: pk(get(server, token, "/users?username=alan&exact=true").await),
        uma: role_id(get(server, token, "/roles/uma_authorization").await),
        manager: role_id(get(server, token, "/roles/manager").await),
        orders_write: role_id(orders_write),
        orders_api,
    }
}

/// Posts a console form; returns the status and the `Location` (after a write, the page it changed).
async fn post(server: &TestServer, http: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let response = http.post(server.url(&format!("{CONSOLE}{path}"))).form(form).send().await.unwrap();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    (response.status(), location)
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().filter_map(|r| r["name"].as_str().or(r["username"].as_str())).collect()
}

/// Every editor form, with what it would change (the CSRF and rights tests send each of them).
fn forms(ids: &Ids) -> Vec<(String, Vec<(&'static str, String)>)> {
    let add = |pairs: &[(&'static str, String)]| {
        let mut form = vec![("action", "add".to_owned())];
        form.extend(pairs.iter().cloned());
        form
    };
    vec![
        ("/roles/staff/composites".into(), add(&[("role", format!("realm:{}", ids.uma))])),
        (format!("/groups/{}/roles", ids.staff_group), add(&[("role", format!("realm:{}", ids.manager))])),
        (format!("/groups/{}/members", ids.staff_group), add(&[("username", "alan".into())])),
        (
            format!("/users/{}/roles", ids.alan),
            add(&[("role", format!("client:{}:{}", ids.orders_api, ids.orders_write))]),
        ),
        (format!("/users/{}/groups", ids.alan), add(&[("group", ids.staff_group.clone())])),
        (format!("/clients/{}/roles", ids.roles_app), vec![("name", "reviewer".into())]),
        (format!("/clients/{}/roles/orders:write/delete", ids.orders_api), vec![]),
        (format!("/clients/{}/scopes", ids.roles_app), add(&[("scope", "orders".into()), ("link", "default".into())])),
        (
            format!("/clients/{}/mappers", ids.roles_app),
            vec![("name", "tier".into()), ("type", "oidc-hardcoded-claim-mapper".into())],
        ),
        (format!("/clients/{}/mappers/none/delete", ids.roles_app), vec![]),
        (
            "/scopes/orders/mappers".into(),
            vec![("name", "tier".into()), ("type", "oidc-hardcoded-claim-mapper".into())],
        ),
        ("/scopes/orders/mappers/none/delete".into(), vec![]),
        (format!("/clients/{}/revoke", ids.roles_app), vec![]),
    ]
}

/// What those forms would change, as the REST API shows it.
async fn snapshot(server: &TestServer, token: &str, ids: &Ids) -> Value {
    json!({
        "composites": get(server, token, "/roles/staff/composites").await,
        "group": get(server, token, &format!("/groups/{}/role-mappings", ids.staff_group)).await,
        "members": get(server, token, &format!("/groups/{}/members", ids.staff_group)).await,
        "alan": get(server, token, &format!("/users/{}/role-mappings", ids.alan)).await,
        "alanGroups": get(server, token, &format!("/users/{}/groups", ids.alan)).await,
        "rolesApp": get(server, token, &format!("/clients/{}", ids.roles_app)).await,
        "ordersRoles": get(server, token, &format!("/clients/{}/roles", ids.orders_api)).await,
        "scope": get(server, token, "/client-scopes/orders").await,
    })
}

#[tokio::test]
async fn every_editor_form_without_the_sessions_csrf_token_is_refused_with_403_and_changes_nothing() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let ids = ids(&server, &token).await;
    let before = snapshot(&server, &token, &ids).await;
    let (http, _) = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    for (path, form) in forms(&ids) {
        for csrf in [None, Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] {
            let mut form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form.extend(csrf.map(|c| ("csrf", c)));
            let (status, _) = post(&server, &http, &path, &form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} with csrf {csrf:?}");
        }
    }
    assert_eq!(snapshot(&server, &token, &ids).await, before, "nothing changed");
}

#[tokio::test]
async fn a_realm_administrator_who_may_only_view_users_is_refused_by_every_editor_and_nothing_changes() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    delegated_administrator(&server, &token, "viewer", "Viewer-Password-2026", "view-users").await;
    let ids = ids(&server, &token).await;
    let before = snapshot(&server, &token, &ids).await;
    let (http, page) = sign_in(&server, "viewer", "Viewer-Password-2026").await;
    let csrf = field(&page, "csrf");
    for (path, form) in forms(&ids) {
        let mut form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form.push(("csrf", &csrf));
        let (status, _) = post(&server, &http, &path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(snapshot(&server, &token, &ids).await, before, "nothing changed");
    // Viewing users is theirs; usage (view-events or view-clients) is not.
    let user = http.get(server.url(&format!("{CONSOLE}/users/{}", ids.alan))).send().await.unwrap();
    assert_eq!(user.status(), StatusCode::OK);
    let usage = http.get(server.url(&format!("{CONSOLE}/usage"))).send().await.unwrap();
    assert_eq!(usage.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_editors_change_roles_groups_scopes_and_mappers_through_the_admin_services() {
    let (server, _dir) = server().await;
    let token = master_token(&server).await;
    let ids = ids(&server, &token).await;
    let (http, page) = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    let csrf = field(&page, "csrf");
    let send = |path: String, mut form: Vec<(&'static str, String)>| {
        let http = &http;
        let server = &server;
        form.push(("csrf", csrf.clone()));
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, location) = post(server, http, &path, &form).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
            location
        }
    };
    let all = forms(&ids);
    let form = |i: usize| all[i].clone();

    let user_page = || async {
        let url = server.url(&format!("{CONSOLE}/users/{}", ids.alan));
        http.get(url).send().await.unwrap().text().await.unwrap()
    };
    let held = |page: &str| {
        let dd = page.split("id=\"effective-roles\">").nth(1).and_then(|rest| rest.split("</dd>").next());
        dd.unwrap().to_owned()
    };
    let before = user_page().await;
    assert!(!held(&before).contains("manager") && !before.contains("<td>orders-api / orders:write</td>"), "{before}");
    assert!(!before.contains(">/staff</a>"), "alan is in /staff/support, not in /staff itself: {before}");

    // A role includes another (a composite); a group gets a role; alan a client role and the group.
    let (path, f) = form(0);
    assert_eq!(send(path, f).await, format!("{CONSOLE}/roles/staff"));
    let composites = get(&server, &token, "/roles/staff/composites").await;
    assert_eq!(names(&composites), ["uma_authorization"]);
    let (path, f) = form(1);
    send(path, f).await;
    let group = get(&server, &token, &format!("/groups/{}/role-mappings/realm", ids.staff_group)).await;
    assert!(names(&group).contains(&"manager"), "{group}");
    let (path, f) = form(3);
    assert_eq!(send(path, f).await, format!("{CONSOLE}/users/{}?done=roles", ids.alan));
    let alan = get(&server, &token, &format!("/users/{}/role-mappings/clients/{}", ids.alan, ids.orders_api)).await;
    let mut held_there = names(&alan);
    held_there.sort_unstable();
    assert_eq!(held_there, ["orders:read", "orders:write"]);
    let (path, f) = form(4);
    send(path, f).await;
    // The user's page shows the role and the group, and the group's role among the realm roles held.
    let page = user_page().await;
    assert!(page.contains("<td>orders-api / orders:write</td>") && page.contains(">/staff</a>"), "{page}");
    assert!(held(&page).contains("manager"), "{}", held(&page));
    // Client roles held are listed with the realm roles, as client/role.
    assert!(held(&page).contains("orders-api/orders:write") && !held(&before).contains("orders:write"), "{page}");
    let members = get(&server, &token, &format!("/groups/{}/members", ids.staff_group)).await;
    assert!(names(&members).contains(&"alan"), "{members}");
    // Removing is the same form with `remove`.
    let remove = vec![("action", "remove".to_owned()), ("user", ids.alan.clone())];
    send(format!("/groups/{}/members", ids.staff_group), remove).await;
    let members = get(&server, &token, &format!("/groups/{}/members", ids.staff_group)).await;
    assert!(!names(&members).contains(&"alan"), "{members}");

    // A client role is created and deleted; a scope moves from optional to default.
    let (path, f) = form(5);
    send(path, f).await;
    assert!(names(&get(&server, &token, &format!("/clients/{}/roles", ids.roles_app)).await).contains(&"reviewer"));
    send(format!("/clients/{}/roles/reviewer/delete", ids.roles_app), vec![]).await;
    assert!(!names(&get(&server, &token, &format!("/clients/{}/roles", ids.roles_app)).await).contains(&"reviewer"));
    let (path, f) = form(7);
    send(path, f).await;
    let client = get(&server, &token, &format!("/clients/{}", ids.roles_app)).await;
    assert!(client["defaultClientScopes"].as_array().unwrap().contains(&json!("orders")), "{client}");
    assert!(!client["optionalClientScopes"].as_array().unwrap().contains(&json!("orders")), "{client}");

    // A protocol mapper with its config is added to the client and to a scope, then deleted.
    let mapper = vec![
        ("name", "tier".to_owned()),
        ("type", "oidc-hardcoded-claim-mapper".to_owned()),
        ("claim", "tier".to_owned()),
        ("access.token.claim", "true".to_owned()),
        ("config", "claim.value=gold\njsonType.label=String".to_owned()),
    ];
    send(format!("/clients/{}/mappers", ids.roles_app), mapper.clone()).await;
    let models = get(&server, &token, &format!("/clients/{}/protocol-mappers/models", ids.roles_app)).await;
    let tier = models.as_array().unwrap().iter().find(|m| m["name"] == "tier").expect("the mapper").clone();
    assert_eq!(tier["config"]["claim.value"], "gold");
    assert_eq!(
        (&tier["config"]["access.token.claim"], &tier["config"]["id.token.claim"]),
        (&json!("true"), &json!("false"))
    );
    let issued = crate::roles::password_grant(&server, "grace", "Grace-Hopper-1906").await;
    assert_eq!(crate::support::claims_of(issued["access_token"].as_str().unwrap())["tier"], "gold");
    let id = tier["id"].as_str().unwrap();
    send(format!("/clients/{}/mappers/{id}/delete", ids.roles_app), vec![]).await;
    let models = get(&server, &token, &format!("/clients/{}/protocol-mappers/models", ids.roles_app)).await;
    assert!(!names(&models).contains(&"tier"), "{models}");
    assert_eq!(send("/scopes/orders/mappers".into(), mapper).await, format!("{CONSOLE}/scopes/orders"));
    let scope = http.get(server.url(&format!("{CONSOLE}/scopes/orders"))).send().await.unwrap().text().await.unwrap();
    assert!(scope.contains("oidc-hardcoded-claim-mapper") && scope.contains("claim.value=gold"), "{scope}");
    // A type we do not run is refused with the service's own words (400), not a 500.
    let bad = vec![("name", "x".to_owned()), ("type", "oidc-script-mapper".to_owned())];
    let mut form: Vec<(&str, String)> = bad;
    form.push(("csrf", csrf.clone()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post(&server, &http, &format!("/clients/{}/mappers", ids.roles_app), &form).await.0,
        StatusCode::BAD_REQUEST
    );
}

/// The usage page draws tokens per minute per client as SVG, with no script and no style attribute (the
/// console's CSP refuses both), and lists each client's failures.
#[tokio::test]
async fn the_usage_page_charts_each_clients_tokens_per_minute_as_svg_within_the_csp() {
    let (server, _dir) = server().await;
    for _ in 0..3 {
        server.access_token("northwind", "reporting-job", SECRET).await;
    }
    let refused = server.client_credentials("northwind", "reporting-job", "wrong-secret", None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let (http, _) = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    let mut page = String::new();
    // Counted in memory and flushed every second; polled as the usage tests do.
    for _ in 0..50 {
        page = http.get(server.url(&format!("{CONSOLE}/usage?since=1h"))).send().await.unwrap().text().await.unwrap();
        if page.contains("<title>reporting-job: 3 tokens</title>") && page.contains("<tr class=\"failure\">") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.contains("<svg") && page.contains("class=\"series series-0\""), "{page}");
    assert!(page.contains("<title>reporting-job: 3 tokens</title>"), "{page}");
    assert!(
        page.contains("<tr class=\"failure\">") && page.contains("client_secret_"),
        "the failure is listed: {page}"
    );
    assert!(!page.contains("style=") && !page.contains("<script>"), "nothing the CSP refuses");
    let one = http.get(server.url(&format!("{CONSOLE}/usage?client=reporting-job&since=15m"))).send().await.unwrap();
    assert_eq!(one.status(), StatusCode::OK);
    assert!(one.text().await.unwrap().contains("<h1>Usage of reporting-job</h1>"));
}
