//! Mutual TLS (RFC 8705) over real TLS, certificates made by rcgen: client authentication with a PKI
//! certificate (§2.1) or a self-signed one (§2.2), certificate-bound tokens (§3, §3.1) shown at introspection
//! (§3.2), discovery (§5), and the deployment behind a TLS-terminating proxy that forwards the certificate.

use serde_json::Value;
use tessera_core::model::{AUTHENTICATOR_ATTRIBUTE, SigningAlgorithm};
use tessera_testkit::TestServer;
use tessera_testkit::mtls::{ClientIdentity, Pki};

use crate::support::claims_of;

async fn tls_server(pki: &Pki, with_ca: bool) -> TestServer {
    let server = TestServer::builder().configure(|c| pki.serve_tls(c, with_ca)).spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    server
}

/// A client_credentials request with only `client_id` in the body (RFC 8705 §2), over `http`.
async fn token_by_certificate(server: &TestServer, http: &reqwest::Client, id: &str) -> (u16, Value) {
    let response = http
        .post(server.token_url("shop"))
        .form(&[("grant_type", "client_credentials"), ("client_id", id)])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn x5t(token: &str) -> Option<String> {
    claims_of(token)["cnf"]["x5t#S256"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn rfc8705_2_1_a_ca_certificate_with_the_registered_subject_dn_authenticates_and_binds_the_token_3_1() {
    let pki = Pki::new();
    let server = tls_server(&pki, true).await;
    server
        .service_client_with(
            "shop",
            "svc",
            &[(AUTHENTICATOR_ATTRIBUTE, "client-x509"), ("x509.subjectdn", "CN=svc, O=Example")],
        )
        .await;
    let cert = pki.client("svc", &[]);
    let (status, body) = token_by_certificate(&server, &pki.http(Some(&cert)), "svc").await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(body["token_type"], "Bearer", "§3: a certificate-bound token is still a Bearer token");
    assert_eq!(x5t(token), Some(cert.thumbprint()), "§3.1: cnf.x5t#S256 is the certificate's SHA-256");

    // §3.2: introspection, the client authenticating with its certificate there too, shows the cnf.
    let introspected: Value = pki
        .http(Some(&cert))
        .post(server.url("/realms/shop/protocol/openid-connect/token/introspect"))
        .form(&[("token", token), ("client_id", "svc")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["cnf"]["x5t#S256"], cert.thumbprint().as_str());
    assert_eq!(introspected["token_type"], "Bearer");

    // RFC 7009 at the revocation endpoint, same authentication.
    let revoked = pki
        .http(Some(&cert))
        .post(server.url("/realms/shop/protocol/openid-connect/revoke"))
        .form(&[("token", token), ("client_id", "svc")])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
}

/// RFC 8628 §3.1: "the client authenticates … as described in Section 2.3 of RFC 6749"; a `tls_client_auth`
/// client does so with its certificate alone (RFC 8705 §2), and without it is `invalid_client`.
#[tokio::test]
async fn rfc8705_2_the_device_authorization_endpoint_authenticates_a_client_by_its_certificate() {
    let pki = Pki::new();
    let server = tls_server(&pki, true).await;
    let attributes = [
        (AUTHENTICATOR_ATTRIBUTE, "client-x509"),
        ("x509.subjectdn", "CN=tv, O=Example"),
        (tessera_core::device::DEVICE_GRANT_ATTRIBUTE, "true"),
    ];
    server.service_client_with("shop", "tv", &attributes).await;
    let device_authorization = |cert: Option<ClientIdentity>| {
        let http = pki.http(cert.as_ref());
        let url = server.url("/realms/shop/protocol/openid-connect/auth/device");
        async move { http.post(url).form(&[("client_id", "tv")]).send().await.unwrap() }
    };
    let answer = device_authorization(Some(pki.client("tv", &[]))).await;
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    assert!(body["device_code"].is_string() && body["user_code"].is_string(), "{body}");
    let refused = device_authorization(None).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "invalid_client");
}

#[tokio::test]
async fn rfc8705_2_1_another_subject_no_certificate_or_one_outside_the_ca_is_invalid_client() {
    let pki = Pki::new();
    let server = tls_server(&pki, true).await;
    server
        .service_client_with(
            "shop",
            "svc",
            &[(AUTHENTICATOR_ATTRIBUTE, "client-x509"), ("x509.subjectdn", "CN=svc,O=Example")],
        )
        .await;
    let cases: [(&str, Option<ClientIdentity>); 3] = [
        ("another subject", Some(pki.client("intruder", &[]))),
        ("no certificate", None),
        ("the same subject, self-signed (not from the CA)", Some(Pki::self_signed("svc"))),
    ];
    for (why, cert) in cases {
        let (status, body) = token_by_certificate(&server, &pki.http(cert.as_ref()), "svc").await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{why}: {body}");
    }
}

#[tokio::test]
async fn rfc8705_2_1_2_a_registered_dns_san_or_a_keycloak_regex_subject_authenticates() {
    let pki = Pki::new();
    let server = tls_server(&pki, true).await;
    server
        .service_client_with(
            "shop",
            "by-san",
            &[(AUTHENTICATOR_ATTRIBUTE, "client-x509"), ("tls_client_auth_san_dns", "svc.shop.test")],
        )
        .await;
    let regex = [
        (AUTHENTICATOR_ATTRIBUTE, "client-x509"),
        ("x509.subjectdn", "CN=worker-[0-9]+, O=Example"),
        ("x509.allow.regex.pattern.comparison", "true"),
    ];
    server.service_client_with("shop", "by-regex", &regex).await;
    let (status, body) =
        token_by_certificate(&server, &pki.http(Some(&pki.client("x", &["svc.shop.test"]))), "by-san").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = token_by_certificate(&server, &pki.http(Some(&pki.client("x", &["other.test"]))), "by-san").await;
    assert_eq!(status, 401, "another SAN");
    let (status, body) = token_by_certificate(&server, &pki.http(Some(&pki.client("worker-7", &[]))), "by-regex").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = token_by_certificate(&server, &pki.http(Some(&pki.client("worker-x", &[]))), "by-regex").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn rfc8705_2_2_the_self_signed_certificate_registered_in_the_jwks_authenticates_without_a_ca() {
    let pki = Pki::new();
    let server = tls_server(&pki, false).await;
    let cert = Pki::self_signed("device");
    let jwks = serde_json::json!({ "keys": [cert.jwk_with_x5c()] }).to_string();
    let attributes =
        [(AUTHENTICATOR_ATTRIBUTE, "client-x509-self-signed"), ("use.jwks.string", "true"), ("jwks.string", &jwks)];
    server.service_client_with("shop", "device", &attributes).await;
    let (status, body) = token_by_certificate(&server, &pki.http(Some(&cert)), "device").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(x5t(body["access_token"].as_str().unwrap()), Some(cert.thumbprint()));
    let other = Pki::self_signed("device");
    let (status, body) = token_by_certificate(&server, &pki.http(Some(&other)), "device").await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "another key, same name");
}

#[tokio::test]
async fn rfc8705_3_any_client_presenting_a_certificate_gets_a_bound_token_and_one_requiring_it_needs_one() {
    let pki = Pki::new();
    let server = tls_server(&pki, false).await;
    let plain = server.service_client("shop", "plain", &[], &[]).await.secret;
    let strict = server
        .service_client_with("shop", "strict", &[("tls.client.certificate.bound.access.tokens", "true")])
        .await
        .secret;
    let cert = Pki::self_signed("anything");
    let ask = |http: reqwest::Client, id: &'static str, secret: String| {
        let url = server.token_url("shop");
        async move {
            let r = http
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = ask(pki.http(Some(&cert)), "plain", plain.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        x5t(body["access_token"].as_str().unwrap()),
        Some(cert.thumbprint()),
        "bound though the secret authenticated"
    );
    let (status, body) = ask(pki.http(None), "plain", plain).await;
    assert_eq!(status, 200, "a request without a certificate still works where none is required");
    assert_eq!(x5t(body["access_token"].as_str().unwrap()), None);
    let (status, body) = ask(pki.http(None), "strict", strict.clone()).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    let (status, body) = ask(pki.http(Some(&cert)), "strict", strict).await;
    assert_eq!(status, 200, "{body}");
    assert!(x5t(body["access_token"].as_str().unwrap()).is_some());
}

#[tokio::test]
async fn rfc8705_5_discovery_lists_the_methods_bound_tokens_and_endpoint_aliases_only_where_certificates_arrive() {
    let pki = Pki::new();
    let server = tls_server(&pki, true).await;
    let url = server.url("/realms/shop/.well-known/openid-configuration");
    let doc: Value = pki.http(None).get(&url).send().await.unwrap().json().await.unwrap();
    let methods = doc["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(
        methods.contains(&"tls_client_auth".into()) && methods.contains(&"self_signed_tls_client_auth".into()),
        "{doc}"
    );
    assert_eq!(doc["tls_client_certificate_bound_access_tokens"], true);
    assert_eq!(doc["mtls_endpoint_aliases"]["token_endpoint"], doc["token_endpoint"]);
    assert_eq!(doc["mtls_endpoint_aliases"]["revocation_endpoint"], doc["revocation_endpoint"]);

    let plain = TestServer::spawn().await;
    plain.realm("shop", SigningAlgorithm::Es256, &[]).await;
    let doc: Value = plain
        .http
        .get(plain.url("/realms/shop/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc.get("mtls_endpoint_aliases").is_none() && doc.get("tls_client_certificate_bound_access_tokens").is_none()
    );
    assert!(!doc["token_endpoint_auth_methods_supported"].as_array().unwrap().contains(&"tls_client_auth".into()));
}

/// nginx's `$ssl_client_escaped_cert`.
fn escaped(cert: &ClientIdentity) -> String {
    percent_encoding::utf8_percent_encode(&cert.cert_pem, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn behind_proxy(pki: &Pki, proxies: &str) -> TestServer {
    let ca = pki.ca_file();
    let server = TestServer::builder()
        .configure(|c| {
            c.client_cert_header = Some("x-client-cert".into());
            c.trusted_proxies = vec![proxies.parse().unwrap()];
            c.tls_client_ca = Some(ca);
        })
        .spawn()
        .await;
    server.realm("shop", SigningAlgorithm::Es256, &[]).await;
    server
        .service_client_with(
            "shop",
            "svc",
            &[(AUTHENTICATOR_ATTRIBUTE, "client-x509"), ("x509.subjectdn", "CN=svc,O=Example")],
        )
        .await;
    server
}

#[tokio::test]
async fn rfc8705_2_1_behind_a_trusted_proxy_the_forwarded_certificate_authenticates_and_binds() {
    let pki = Pki::new();
    let server = behind_proxy(&pki, "127.0.0.0/8").await;
    let cert = pki.client("svc", &[]);
    let response = server
        .http
        .post(server.token_url("shop"))
        .header("X-Client-Cert", escaped(&cert))
        .form(&[("grant_type", "client_credentials"), ("client_id", "svc")])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(x5t(body["access_token"].as_str().expect("a token")), Some(cert.thumbprint()), "{body}");
}

#[tokio::test]
async fn rfc8705_2_1_the_certificate_header_from_an_untrusted_peer_is_ignored() {
    let pki = Pki::new();
    let server = behind_proxy(&pki, "10.0.0.0/8").await;
    let response = server
        .http
        .post(server.token_url("shop"))
        .header("X-Client-Cert", escaped(&pki.client("svc", &[])))
        .form(&[("grant_type", "client_credentials"), ("client_id", "svc")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "anyone can send the header: it counts only from the proxy");
}
