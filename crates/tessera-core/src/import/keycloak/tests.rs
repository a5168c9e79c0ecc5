use secrecy::ExposeSecret;

use super::*;
use crate::model::UPDATE_PASSWORD;
use crate::secret::ServerSecrets;

const ACME: &str = include_str!("../../../../../tests/fixtures/keycloak-realm-acme.json");

fn parse(json: &str) -> Result<ImportedRealm, ImportError> {
    let s = ServerSecrets::generate().unwrap();
    parse_realm_export(json, &s.master_key(), &s.secret_hasher(), 1_000)
}

#[test]
fn realistic_export_maps_realm_scopes_clients_and_users() {
    let secrets = ServerSecrets::generate().unwrap();
    let hasher = secrets.secret_hasher();
    let imported = parse_realm_export(ACME, &secrets.master_key(), &hasher, 1_000).unwrap();
    let b = &imported.bundle;
    assert_eq!(b.realm.name, "acme");
    assert_eq!(b.realm.display_name.as_deref(), Some("ACME Corp"));
    assert_eq!(b.realm.access_token_lifespan, 600);
    assert_eq!(b.keys.len(), 2, "an active and a next key");
    assert_eq!(
        b.scopes.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["profile", "email", "offline_access", "orders:read", "orders:write"]
    );

    let billing = b.clients.iter().find(|c| c.client_id == "billing-service").unwrap();
    assert!(billing.service_accounts_enabled && !billing.public_client);
    assert_eq!(billing.default_scopes, ["orders:read"]);
    assert_eq!(billing.optional_scopes, ["orders:write"]);
    assert_eq!(billing.access_token_lifespan(), Some(120));
    let secret = secrecy::SecretString::from("billing-service-secret-77f0c2b5d1e94a3c");
    assert!(hasher.matches_any(&secret, billing.secrets.iter().map(|s| &s.hash)));
    assert!(!billing.secrets[0].hash.0.contains("billing-service-secret"));
    // Keycloak's service-account user (u3) keeps its id: it is the `sub` of billing's tokens.
    assert_eq!(billing.service_account_user_id.as_deref(), Some("u3"));

    let storefront = b.clients.iter().find(|c| c.client_id == "storefront").unwrap();
    assert!(storefront.public_client && storefront.secrets.is_empty());
    assert_eq!(storefront.redirect_uris, ["https://shop.acme.test/callback", "http://127.0.0.1:5173/*"]);
    assert_eq!(storefront.attributes["pkce.code.challenge.method"], "S256");

    let legacy = b.clients.iter().find(|c| c.client_id == "legacy-importer").unwrap();
    assert!(!legacy.enabled && legacy.direct_access_grants_enabled);

    let wile = b.users.iter().find(|u| u.username == "wile").unwrap();
    assert_eq!(wile.id, "u1");
    assert!(crate::password::verify_password("Super-Genius-1949", wile.password_hash.as_deref().unwrap()));
    assert_eq!(b.users.len(), 3);
    assert!(imported.generated_secrets.is_empty());

    let warning = imported.warnings.iter().find(|w| w.starts_with("ignored fields")).unwrap();
    for field in ["sslRequired", "smtpServer"] {
        assert!(warning.contains(field), "{field} missing from {warning}");
    }
    // Roles, groups, mappings and mappers are imported now, not reported as ignored.
    for field in ["roles", "protocolMappers", "realmRoles", "groups"] {
        assert!(!warning.contains(field), "{field} still reported in {warning}");
    }
}

const NORTHWIND: &str = include_str!("../../../../../tests/fixtures/keycloak-realm-northwind.json");

#[test]
fn roles_groups_mappings_and_mappers_are_kept() {
    let imported = parse(NORTHWIND).unwrap();
    let b = &imported.bundle;
    let access = crate::model::AccessModel::new(b.roles.clone(), b.groups.clone());
    let manager = access.find_role(None, "manager").unwrap();
    let write = access.find_role(Some("orders-api"), "orders:write").unwrap();
    assert!(manager.composites.contains(&write.id), "composites keep client roles");
    let realm_admin = access.find_role(Some("realm-management"), "realm-admin").unwrap();
    assert!(realm_admin.composites.len() > 5);
    assert_eq!(
        access.group_path(&access.group_by_path("/staff/managers").unwrap().id).as_deref(),
        Some("/staff/managers")
    );
    assert_eq!(access.group_by_path("/staff").unwrap().attributes["building"], ["HQ"]);

    let grace = b.users.iter().find(|u| u.username == "grace").unwrap();
    assert_eq!(grace.attributes["department"], ["engineering"]);
    let mut names: Vec<&str> = access.effective_roles(&grace.roles).iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "default-roles-northwind",
            "manager",
            "offline_access",
            "orders:read",
            "orders:write",
            "staff",
            "uma_authorization"
        ]
    );

    let reporting = b.clients.iter().find(|c| c.client_id == "reporting-job").unwrap();
    let sa_roles: Vec<&str> =
        access.effective_roles(&reporting.service_account_roles).iter().map(|r| r.name.as_str()).collect();
    assert!(sa_roles.contains(&"orders:read"), "{sa_roles:?}");
    assert!(reporting.protocol_mappers.iter().any(|m| m.mapper_type == "oidc-hardcoded-claim-mapper"));
    let roles_scope = b.scopes.iter().find(|s| s.name == "roles").unwrap();
    assert_eq!(roles_scope.protocol_mappers.len(), 3);
    assert!(!roles_scope.include_in_token_scope);
}

#[test]
fn a_mapping_to_an_undefined_role_or_group_is_refused_naming_the_user() {
    let json = r#"{"realm":"r","users":[{"username":"a"},{"username":"b","realmRoles":["nope"]}]}"#;
    let err = parse(json).unwrap_err();
    assert_eq!(err.path, "users[1]");
    assert!(err.message.contains("nope"), "{err}");
    let json = r#"{"realm":"r","users":[{"username":"b","groups":["/missing"]}]}"#;
    assert!(parse(json).unwrap_err().message.contains("/missing"));
}

#[test]
fn masked_secret_is_replaced_by_a_generated_one_returned_once() {
    let json = r#"{"realm":"r","clients":[{"clientId":"svc","secret":"**********","serviceAccountsEnabled":true}]}"#;
    let imported = parse(json).unwrap();
    let (id, secret) = &imported.generated_secrets[0];
    assert_eq!(id, "svc");
    assert_eq!(secret.expose_secret().len(), 43);
    assert_eq!(imported.bundle.clients[0].secrets.len(), 1);
}

#[test]
fn malformed_field_is_refused_naming_its_json_path() {
    let json = r#"{"realm":"r","clients":[{"clientId":"a"},{"clientId":"b","enabled":"yes"}]}"#;
    let err = parse(json).unwrap_err();
    assert_eq!(err.path, "clients[1].enabled");
    let err = parse(r#"{"realm":"r","accessTokenLifespan":-5}"#).unwrap_err();
    assert_eq!(err.path, "accessTokenLifespan");
    let err = parse(r#"{"realm":"r","clients":[{"clientId":"a"},{"clientId":"a"}]}"#).unwrap_err();
    assert_eq!(err.path, "clients[1].clientId");
    let err = parse(r#"{"realm":"bad name"}"#).unwrap_err();
    assert_eq!(err.path, "realm");
    assert!(parse(r#"{"realm":"r"} trailing"#).is_err());
    assert!(parse(r#"[1,2]"#).is_err());
    let err = parse(r#"{"clients":[]}"#).unwrap_err();
    assert!(err.message.contains("realm"), "{err}");
}

/// Masked, given and missing secrets, a bearer-only client, a public one asking for a service account,
/// two clear passwords (the last is kept) and one temporary, unknown scopes, mappers and fields.
const MIXED: &str = r#"{"realm":"mixed","defaultSignatureAlgorithm":"EdDSA","clientScopes":[{"name":"a"}],"extra":1,
 "users":[{"username":"x","requiredActions":["VERIFY_EMAIL"],"credentials":[{"type":"password","value":"one",
   "temporary":true},{"type":"password","value":"two"},{"type":"otp"},{"type":"password"}]},
  {"id":"sa1","username":"service-account-svc","serviceAccountClientId":"svc"}],
 "clients":[{"clientId":"svc","secret":"**********","serviceAccountsEnabled":true,"defaultClientScopes":["a","b"]},
  {"clientId":"given","secret":"s3cret","bearerOnly":true},{"clientId":"missing","secret":""},
  {"clientId":"pub","publicClient":true,"serviceAccountsEnabled":true,"implicitFlowEnabled":true},
  {"clientId":"job","serviceAccountsEnabled":true,"clientAuthenticatorType":"client-jwt",
   "protocolMappers":[{"protocolMapper":"x-mapper"}]}]}"#;

/// An import with what is random in it blanked: the keys, the password hashes (whether a user has one
/// is kept), generated secrets, and each generated id replaced by its rank of first appearance.
fn normalized(imported: &ImportedRealm) -> String {
    let mut b = imported.bundle.clone();
    assert_eq!(b.keys.len(), 2, "an active and a next key");
    b.keys.clear();
    for u in &mut b.users {
        u.password_hash = u.password_hash.as_ref().map(|_| "<argon2>".to_owned());
    }
    let generated: Vec<&str> = imported.generated_secrets.iter().map(|(c, _)| c.as_str()).collect();
    for c in b.clients.iter_mut().filter(|c| generated.contains(&c.client_id.as_str())) {
        c.secrets.iter_mut().for_each(|s| s.hash.0 = "<generated>".to_owned());
    }
    number_uuids(&format!("{b:#?}\n{:#?}\n{generated:?}", imported.warnings))
}

fn number_uuids(text: &str) -> String {
    let is_uuid = |b: &[u8]| {
        b.len() == 36
            && b.iter()
                .enumerate()
                .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
    };
    let (bytes, mut seen, mut out, mut i, mut copied) = (text.as_bytes(), Vec::new(), String::new(), 0, 0);
    while i + 36 <= bytes.len() {
        if !is_uuid(&bytes[i..i + 36]) {
            i += 1;
            continue;
        }
        let id = &text[i..i + 36];
        let rank = seen.iter().position(|s| *s == id).unwrap_or_else(|| {
            seen.push(id);
            seen.len() - 1
        });
        out.push_str(&text[copied..i]);
        out.push_str(&format!("<id {rank}>"));
        i += 36;
        copied = i;
    }
    out.push_str(&text[copied..]);
    out
}

#[test]
fn parse_realm_export_equals_read_then_materialize_but_for_keys_ids_and_hashes() {
    for json in [ACME, NORTHWIND, MIXED] {
        let s = ServerSecrets::generate().unwrap();
        let (master, hasher) = (s.master_key(), s.secret_hasher());
        let composed = parse_realm_export(json, &master, &hasher, 1_000).unwrap();
        let stepped = read_realm_export(json, 1_000).unwrap().materialize(&master, &hasher).unwrap();
        assert_ne!(composed.bundle.realm.id, stepped.bundle.realm.id, "two imports, two sets of ids");
        assert_eq!(normalized(&composed), normalized(&stepped));
    }
}

#[test]
fn reading_generates_and_hashes_nothing_and_materializing_adds_only_that() {
    let s = ServerSecrets::generate().unwrap();
    for json in [ACME, NORTHWIND, MIXED] {
        let plan = read_realm_export(json, 1_000).unwrap();
        let b = plan.bundle();
        assert!(b.keys.is_empty());
        assert!(b.users.iter().all(|u| u.password_hash.is_none()) && b.clients.iter().all(|c| c.secrets.is_empty()));
        let planned = format!("{b:#?}");
        let warnings = plan.warnings().to_vec();
        let secrets: Vec<(String, bool)> = plan.planned_secrets().map(|(c, g)| (c.client_id.clone(), g)).collect();
        let passwords: Vec<String> = plan.planned_passwords().map(|u| u.username.clone()).collect();

        let imported = plan.materialize(&s.master_key(), &s.secret_hasher()).unwrap();
        let mut b = imported.bundle;
        assert_eq!(b.keys.len(), 2);
        let hashed: Vec<String> =
            b.users.iter().filter(|u| u.password_hash.is_some()).map(|u| u.username.clone()).collect();
        assert_eq!(hashed, passwords);
        let with_secret: Vec<(String, bool)> = b
            .clients
            .iter()
            .filter(|c| !c.secrets.is_empty())
            .map(|c| (c.client_id.clone(), imported.generated_secrets.iter().any(|(g, _)| *g == c.client_id)))
            .collect();
        assert_eq!(with_secret, secrets);
        assert!(b.clients.iter().all(|c| c.secrets.len() <= 1 && c.public_client == c.secrets.is_empty()));
        b.keys.clear();
        b.users.iter_mut().for_each(|u| u.password_hash = None);
        b.clients.iter_mut().for_each(|c| c.secrets.clear());
        assert_eq!(format!("{b:#?}"), planned);
        assert_eq!(imported.warnings, warnings);
    }
}

#[test]
fn the_last_clear_password_is_kept_and_given_secrets_are_hashed_as_given() {
    let s = ServerSecrets::generate().unwrap();
    let hasher = s.secret_hasher();
    let imported = read_realm_export(MIXED, 1_000).unwrap().materialize(&s.master_key(), &hasher).unwrap();
    let x = imported.bundle.users.iter().find(|u| u.username == "x").unwrap();
    assert!(crate::password::verify_password("two", x.password_hash.as_deref().unwrap()));
    assert_eq!(x.required_actions, ["VERIFY_EMAIL", UPDATE_PASSWORD], "a temporary password, even replaced");
    let given = imported.bundle.clients.iter().find(|c| c.client_id == "given").unwrap();
    assert!(hasher.matches_any(&secrecy::SecretString::from("s3cret"), given.secrets.iter().map(|s| &s.hash)));
    let generated: Vec<&str> = imported.generated_secrets.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(generated, ["svc", "missing", "job"]);
}

#[test]
fn keycloak_client_authenticators_map_and_only_client_secret_jwt_secrets_are_kept_sealed() {
    let json = r#"{"realm":"k","clients":[
      {"clientId":"pk","clientAuthenticatorType":"client-jwt","attributes":{"use.jwks.url":"true",
        "jwks.url":"https://c.example/jwks","token.endpoint.auth.signing.alg":"PS256"}},
      {"clientId":"hs","secret":"s3cret","clientAuthenticatorType":"client-secret-jwt"},
      {"clientId":"plain","secret":"s3cret","clientAuthenticatorType":"client-secret"},
      {"clientId":"x509","clientAuthenticatorType":"client-x509","attributes":{"x509.subjectdn":"CN=svc(.*)",
        "x509.allow.regex.pattern.comparison":"true","tls.client.certificate.bound.access.tokens":"true"}},
      {"clientId":"other","clientAuthenticatorType":"client-kerberos"}]}"#;
    let s = ServerSecrets::generate().unwrap();
    let imported = read_realm_export(json, 1_000).unwrap().materialize(&s.master_key(), &s.secret_hasher()).unwrap();
    let client = |id: &str| imported.bundle.clients.iter().find(|c| c.client_id == id).unwrap();
    use crate::model::{ClientAuthenticator, ClientKeySource};
    assert_eq!(client("pk").authenticator(), ClientAuthenticator::ClientJwt);
    assert_eq!(client("pk").key_source(), Some(ClientKeySource::Uri("https://c.example/jwks")));
    assert_eq!(client("pk").assertion_signing_alg(), Some("PS256"));
    assert_eq!(client("hs").authenticator(), ClientAuthenticator::ClientSecretJwt);
    let opened = crate::secret::unsealed_secrets(client("hs"), &s.master_key(), 1_000);
    assert_eq!(opened.iter().map(secrecy::ExposeSecret::expose_secret).collect::<Vec<_>>(), ["s3cret"]);
    assert!(client("plain").secrets.iter().all(|x| x.sealed.is_none()), "a hash alone for client-secret");
    assert!(client("pk").secrets.iter().all(|x| x.sealed.is_none()));
    // RFC 8705 §2.1: Keycloak's client-x509 and its attributes, as they are.
    assert_eq!(client("x509").authenticator(), ClientAuthenticator::ClientX509);
    assert_eq!(client("x509").attributes["x509.subjectdn"], "CN=svc(.*)");
    assert_eq!(client("x509").attributes["x509.allow.regex.pattern.comparison"], "true");
    assert!(crate::mtls::bound_tokens_required(client("x509")));
    assert_eq!(client("other").authenticator(), ClientAuthenticator::ClientSecret);
    assert!(imported.warnings.iter().any(|w| w.contains("client-kerberos")), "{:?}", imported.warnings);
}
