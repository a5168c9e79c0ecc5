//! Discovery documents: OIDC Discovery 1.0 §4 and RFC 8414 §3. URLs come from the route table; only what
//! works is advertised.

use axum::Json;
use axum::extract::State;
use tessera_core::client_assertion::{CLIENT_SECRET_JWT_ALGS, PRIVATE_KEY_JWT_ALGS};
use tessera_core::client_auth::ClientAuthMethod;
use tessera_core::dpop::DPOP_SIGNING_ALGS;
use tessera_core::model::RealmContext;
use tessera_core::request::GrantType;
use tessera_core::scope::OPENID;
use tessera_core::sign_in::authorization::ResponseMode;
use tessera_proto::ServerMetadata;

use crate::http::extract::RealmInPath;
use crate::routes::Endpoint;
use crate::state::AppState;

fn metadata(public_url: &str, realm: &RealmContext, mtls: bool) -> ServerMetadata {
    let name = &realm.realm.name;
    let mut scopes: Vec<String> = vec![OPENID.to_owned()];
    scopes.extend(realm.scopes.iter().map(|s| s.name.clone()));
    // RFC 8705 §2.1.1, §2.2.1: the certificate methods only where certificates reach the server.
    let certificate_methods: &[ClientAuthMethod] =
        if mtls { &[ClientAuthMethod::TlsClientAuth, ClientAuthMethod::SelfSignedTlsClientAuth] } else { &[] };
    let secret_methods: Vec<String> = [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
        ClientAuthMethod::PrivateKeyJwt,
        ClientAuthMethod::ClientSecretJwt,
    ]
    .iter()
    .chain(certificate_methods)
    .map(|m| m.as_str().to_owned())
    .collect();
    let mtls_endpoint_aliases = match mtls {
        true => [
            ("token_endpoint", Endpoint::Token),
            ("introspection_endpoint", Endpoint::Introspect),
            ("revocation_endpoint", Endpoint::Revoke),
        ]
        .into_iter()
        .map(|(field, endpoint)| (field.to_owned(), endpoint.url(public_url, name)))
        .collect(),
        false => Default::default(),
    };
    let assertion_algs: Vec<String> =
        PRIVATE_KEY_JWT_ALGS.iter().chain(&CLIENT_SECRET_JWT_ALGS).map(|a| format!("{a:?}")).collect();
    ServerMetadata {
        issuer: realm.issuer.clone(),
        authorization_endpoint: Some(Endpoint::Authorize.url(public_url, name)),
        token_endpoint: Endpoint::Token.url(public_url, name),
        jwks_uri: Endpoint::Certs.url(public_url, name),
        introspection_endpoint: Some(Endpoint::Introspect.url(public_url, name)),
        introspection_endpoint_auth_methods_supported: secret_methods.clone(),
        revocation_endpoint: Some(Endpoint::Revoke.url(public_url, name)),
        revocation_endpoint_auth_methods_supported: secret_methods.clone(),
        revocation_feed_endpoint: Some(Endpoint::RevocationFeed.url(public_url, name)),
        userinfo_endpoint: Some(Endpoint::UserInfo.url(public_url, name)),
        end_session_endpoint: Some(Endpoint::Logout.url(public_url, name)),
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
        device_authorization_endpoint: Some(Endpoint::DeviceAuthorization.url(public_url, name)),
        registration_endpoint: Some(Endpoint::ClientRegistration.url(public_url, name)),
        pushed_authorization_request_endpoint: Some(Endpoint::PushedAuthorizationRequest.url(public_url, name)),
        require_pushed_authorization_requests: false,
        introspection_signing_alg_values_supported: vec![realm.realm.signing_alg.as_str().to_owned()],
        scopes_supported: scopes,
        // Implicit and hybrid are refused (RFC 9700 §2.1.2).
        response_types_supported: vec!["code".to_owned()],
        grant_types_supported: GrantType::ALL.map(|g| g.as_str().to_owned()).to_vec(),
        token_endpoint_auth_methods_supported: secret_methods
            .into_iter()
            .chain([ClientAuthMethod::None.as_str().to_owned()])
            .collect(),
        token_endpoint_auth_signing_alg_values_supported: assertion_algs.clone(),
        introspection_endpoint_auth_signing_alg_values_supported: assertion_algs.clone(),
        revocation_endpoint_auth_signing_alg_values_supported: assertion_algs,
        subject_types_supported: Vec::new(),
        id_token_signing_alg_values_supported: Vec::new(),
        code_challenge_methods_supported: vec!["S256".to_owned()],
        response_modes_supported: ResponseMode::SUPPORTED.map(str::to_owned).to_vec(),
        authorization_response_iss_parameter_supported: true,
        claims_supported: Vec::new(),
        dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS.iter().map(|a| format!("{a:?}")).collect(),
        tls_client_certificate_bound_access_tokens: mtls,
        mtls_endpoint_aliases,
    }
}

/// RFC 8414 §3
pub async fn oauth_server_metadata(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
) -> Json<ServerMetadata> {
    Json(metadata(state.directory.public_url(), &realm, state.client_certificates.available))
}

/// OIDC Discovery §3: also names the subject types and ID-token algorithms it requires.
pub async fn openid_configuration(
    State(state): State<AppState>,
    RealmInPath(realm): RealmInPath,
) -> Json<ServerMetadata> {
    let mut document = metadata(state.directory.public_url(), &realm, state.client_certificates.available);
    document.subject_types_supported = vec!["public".to_owned()];
    document.id_token_signing_alg_values_supported = vec![realm.realm.signing_alg.as_str().to_owned()];
    document.claims_supported = [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nonce",
        "azp",
        "at_hash",
        "sid",
        "preferred_username",
        "name",
        "given_name",
        "family_name",
        "email",
        "email_verified",
    ]
    .map(str::to_owned)
    .to_vec();
    Json(document)
}
