use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_testkit::TestServer;

#[tokio::test]
async fn metadata_is_served_at_all_three_paths_with_urls_that_work_rfc8414_3_oidc_discovery_4() {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["orders:read"]).await;
    let c = server.service_client("shop", "svc", &["orders:read"], &[]).await;
    let paths = [
        "/realms/shop/.well-known/openid-configuration",
        "/realms/shop/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/realms/shop",
    ];
    for path in paths {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let doc: Value = response.json().await.unwrap();
        // RFC 8414 §3.3: the issuer is the one the metadata was asked about.
        assert_eq!(doc["issuer"], server.issuer("shop"), "{path}");
        assert_eq!(
            doc["grant_types_supported"],
            serde_json::json!([
                "authorization_code",
                "client_credentials",
                "refresh_token",
                "password",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ])
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!([
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "client_secret_jwt",
                "none"
            ])
        );
        assert!(doc["scopes_supported"].as_array().unwrap().contains(&Value::from("orders:read")));
        // Exactly what works: the code flow only (no implicit or hybrid), S256 only, three response modes.
        assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(doc["code_challenge_methods_supported"], serde_json::json!(["S256"]));
        assert_eq!(doc["response_modes_supported"], serde_json::json!(["query", "fragment", "form_post"]));
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        for (member, route) in [
            ("authorization_endpoint", "/realms/shop/protocol/openid-connect/auth"),
            ("userinfo_endpoint", "/realms/shop/protocol/openid-connect/userinfo"),
            ("end_session_endpoint", "/realms/shop/protocol/openid-connect/logout"),
            // RFC 8628 §4, at Keycloak's path.
            ("device_authorization_endpoint", "/realms/shop/protocol/openid-connect/auth/device"),
            // RFC 9126 §5, at Keycloak's path.
            ("pushed_authorization_request_endpoint", "/realms/shop/protocol/openid-connect/ext/par/request"),
        ] {
            assert_eq!(doc[member], server.url(route), "{path} {member}");
        }
        assert_eq!(doc["introspection_endpoint"], server.url("/realms/shop/protocol/openid-connect/token/introspect"));
        assert_eq!(doc["revocation_endpoint"], server.url("/realms/shop/protocol/openid-connect/revoke"));
        // RFC 9126 §5: PAR is required per client, not realm-wide; RFC 9701 §7: signed introspection.
        assert_eq!(doc["require_pushed_authorization_requests"], false);
        assert_eq!(doc["introspection_signing_alg_values_supported"], serde_json::json!(["ES256"]));
        for methods in ["introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"] {
            let expected = ["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"];
            assert_eq!(doc[methods], serde_json::json!(expected), "{methods}");
        }
        let jwks = server.http.get(doc["jwks_uri"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(jwks.status(), 200);
        let token = server
            .http
            .post(doc["token_endpoint"].as_str().unwrap())
            .basic_auth("svc", Some(&c.secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(token.status(), 200);
    }
    let oidc: Value = server.http.get(server.url(paths[0])).send().await.unwrap().json().await.unwrap();
    assert_eq!(oidc["subject_types_supported"], serde_json::json!(["public"]));
    assert_eq!(oidc["id_token_signing_alg_values_supported"], serde_json::json!(["ES256"]));
}

#[tokio::test]
async fn metadata_of_an_unknown_realm_is_404_json() {
    let server = TestServer::spawn().await;
    let response = server.http.get(server.url("/realms/none/.well-known/openid-configuration")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}
