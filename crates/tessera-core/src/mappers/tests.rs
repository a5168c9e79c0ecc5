use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::keys::{KeyRing, generate_signing_key};
use crate::model::{ClientScope, Group, KeyState, SigningAlgorithm};
use crate::provisioning::tests::{client_with_scopes, realm};
use crate::secret::ServerSecrets;

fn mapper(kind: &str, config: &[(&str, &str)]) -> ProtocolMapper {
    ProtocolMapper {
        id: kind.into(),
        name: kind.into(),
        mapper_type: kind.into(),
        config: config.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

fn role(id: &str, name: &str, client: Option<&str>, composites: &[&str]) -> Role {
    Role {
        id: id.into(),
        realm_id: "realm".into(),
        name: name.into(),
        client_id: client.map(Into::into),
        description: None,
        composites: composites.iter().map(|c| (*c).into()).collect(),
    }
}

/// Northwind's shape: `roles` and `groups` scopes as Keycloak ships them, a composite `manager`, a group tree.
fn context() -> RealmContext {
    let master = ServerSecrets::generate().unwrap().master_key();
    let key = generate_signing_key("realm", SigningAlgorithm::EdDsa, KeyState::Active, &master, 0).unwrap();
    let keys = KeyRing::load(&[key], &master).unwrap();
    let on = [("access.token.claim", "true"), ("multivalued", "true")];
    let mut roles_scope = ClientScope::new("roles");
    roles_scope.include_in_token_scope = false;
    roles_scope.protocol_mappers = vec![
        mapper("oidc-usermodel-realm-role-mapper", &[&on[..], &[("claim.name", "realm_access.roles")]].concat()),
        mapper(
            "oidc-usermodel-client-role-mapper",
            &[&on[..], &[("claim.name", "resource_access.${client_id}.roles")]].concat(),
        ),
        mapper("oidc-audience-resolve-mapper", &[("access.token.claim", "true")]),
    ];
    let mut groups_scope = ClientScope::new("groups");
    groups_scope.protocol_mappers = vec![mapper(
        "oidc-group-membership-mapper",
        &[("claim.name", "groups"), ("full.path", "true"), ("access.token.claim", "true"), ("id.token.claim", "true")],
    )];
    let mut profile = ClientScope::new("profile");
    profile.protocol_mappers = vec![
        mapper("oidc-full-name-mapper", &[("id.token.claim", "true"), ("userinfo.token.claim", "true")]),
        mapper(
            "oidc-usermodel-attribute-mapper",
            &[("user.attribute", "department"), ("claim.name", "department"), ("access.token.claim", "true")],
        ),
    ];
    let access = AccessModel::new(
        vec![
            role("staff", "staff", None, &[]),
            role("manager", "manager", None, &["staff", "write"]),
            role("read", "orders:read", Some("orders-api"), &[]),
            role("write", "orders:write", Some("orders-api"), &[]),
            role("own", "admin", Some("svc"), &[]),
        ],
        vec![
            Group {
                id: "g-staff".into(),
                realm_id: "realm".into(),
                name: "staff".into(),
                parent_id: None,
                attributes: BTreeMap::new(),
                role_ids: vec!["read".into()],
            },
            Group {
                id: "g-managers".into(),
                realm_id: "realm".into(),
                name: "managers".into(),
                parent_id: Some("g-staff".into()),
                attributes: BTreeMap::new(),
                role_ids: vec!["manager".into()],
            },
        ],
    );
    RealmContext {
        realm: realm(),
        issuer: "https://auth.example/realms/test".into(),
        scopes: vec![roles_scope, groups_scope, profile],
        keys,
        access,
        limits: Default::default(),
    }
}

fn grace() -> User {
    let mut user = crate::provisioning::new_user("realm", "grace", None, 0).unwrap();
    user.first_name = Some("Grace".into());
    user.last_name = Some("Hopper".into());
    user.attributes.insert("department".into(), vec!["engineering".into()]);
    user.roles = RoleMappings { role_ids: vec!["own".into()], group_ids: vec!["g-managers".into()] };
    user
}

fn subject(user: &User) -> Subject<'_> {
    Subject { id: &user.id, username: &user.username, user: Some(user), mappings: &user.roles }
}

#[test]
fn role_mappers_write_keycloaks_realm_access_and_resource_access_with_composites_and_group_roles() {
    let ctx = context();
    let client = client_with_scopes(&["roles"], &[]);
    let user = grace();
    let mapped = map_claims(&ctx, &client, &ScopeSet::parse("roles").unwrap(), subject(&user), TokenKind::Access);
    assert_eq!(
        Value::Object(mapped.claims),
        json!({
            "realm_access": {"roles": ["manager", "staff"]},
            "resource_access": {"orders-api": {"roles": ["orders:read", "orders:write"]}, "svc": {"roles": ["admin"]}}
        })
    );
    // Audience resolve: the clients whose roles the token carries, not the requesting client itself.
    assert_eq!(mapped.audiences, ["orders-api"]);
}

#[test]
fn each_mapper_writes_only_to_the_tokens_its_config_names() {
    let ctx = context();
    let client = client_with_scopes(&["groups", "profile"], &[]);
    let user = grace();
    let granted = ScopeSet::parse("groups profile").unwrap();
    let access = map_claims(&ctx, &client, &granted, subject(&user), TokenKind::Access);
    assert_eq!(Value::Object(access.claims), json!({"groups": ["/staff/managers"], "department": "engineering"}));
    let id = map_claims(&ctx, &client, &granted, subject(&user), TokenKind::Id);
    assert_eq!(Value::Object(id.claims), json!({"groups": ["/staff/managers"], "name": "Grace Hopper"}));
    let userinfo = map_claims(&ctx, &client, &granted, subject(&user), TokenKind::UserInfo);
    assert_eq!(Value::Object(userinfo.claims), json!({"name": "Grace Hopper"}));
    // Scopes not granted contribute nothing.
    let none = map_claims(&ctx, &client, &ScopeSet::default(), subject(&user), TokenKind::Access);
    assert_eq!(none, MappedClaims::default());
}

#[test]
fn client_mappers_hardcode_claims_and_roles_and_add_audiences() {
    let ctx = context();
    let mut client = client_with_scopes(&["roles"], &[]);
    client.protocol_mappers = vec![
        mapper(
            "oidc-hardcoded-claim-mapper",
            &[
                ("claim.name", "tenant.id"),
                ("claim.value", "42"),
                ("jsonType.label", "long"),
                ("access.token.claim", "true"),
            ],
        ),
        mapper("oidc-hardcoded-role-mapper", &[("role", "orders-api.orders:read")]),
        mapper(
            "oidc-audience-mapper",
            &[("included.custom.audience", "https://api.example"), ("access.token.claim", "true")],
        ),
        mapper(
            "oidc-hardcoded-claim-mapper",
            &[("claim.name", "iss"), ("claim.value", "https://evil"), ("access.token.claim", "true")],
        ),
    ];
    let nobody = RoleMappings::default();
    let service = Subject { id: "sa", username: "service-account-svc", user: None, mappings: &nobody };
    let mapped = map_claims(&ctx, &client, &ScopeSet::parse("roles").unwrap(), service, TokenKind::Access);
    assert_eq!(
        Value::Object(mapped.claims),
        json!({"tenant": {"id": 42}, "resource_access": {"orders-api": {"roles": ["orders:read"]}}})
    );
    assert_eq!(mapped.audiences, ["https://api.example", "orders-api"]);
}

#[test]
fn a_mapped_profile_claim_replaces_the_standard_one_and_the_tokens_own_claims_are_never_overridden() {
    let mut profile = UserClaims { name: Some("old".into()), ..UserClaims::default() };
    let other = merge_profile(
        &mut profile,
        json!({"name": "new", "sub": "x", "email_verified": "true", "k": 1}).as_object().cloned().unwrap(),
    );
    assert_eq!(profile.name.as_deref(), Some("new"));
    assert_eq!(profile.email_verified, Some(true));
    assert_eq!(Value::Object(other), json!({"k": 1}));
}
