//! RFC 6749 §5.2: one table pins code, status and headers for every error case.

use reqwest::{RequestBuilder, header};
use serde_json::Value;
use tessera_core::model::SigningAlgorithm;
use tessera_core::provisioning::NewClient;
use tessera_testkit::TestServer;

struct Ctx {
    secret: String,
    web_secret: String,
}

struct Case {
    name: &'static str,
    request: fn(&TestServer, &Ctx) -> RequestBuilder,
    status: u16,
    error: &'static str,
    basic_challenge: bool,
}

fn cc(server: &TestServer) -> RequestBuilder {
    server.http.post(server.token_url("shop"))
}

const CASES: &[Case] = &[
    Case {
        name: "wrong secret via Basic",
        request: |s, _| cc(s).basic_auth("svc", Some("wrong")).form(&[("grant_type", "client_credentials")]),
        status: 401,
        error: "invalid_client",
        basic_challenge: true,
    },
    Case {
        name: "wrong secret via post",
        request: |s, _| {
            cc(s).form(&[("grant_type", "client_credentials"), ("client_id", "svc"), ("client_secret", "wrong")])
        },
        status: 401,
        error: "invalid_client",
        basic_challenge: false,
    },
    Case {
        name: "unknown client via Basic",
        request: |s, c| cc(s).basic_auth("nobody", Some(&c.secret)).form(&[("grant_type", "client_credentials")]),
        status: 401,
        error: "invalid_client",
        basic_challenge: true,
    },
    Case {
        name: "no client authentication at all",
        request: |s, _| cc(s).form(&[("grant_type", "client_credentials")]),
        status: 401,
        error: "invalid_client",
        basic_challenge: false,
    },
    Case {
        name: "malformed Basic credentials",
        request: |s, _| cc(s).header(header::AUTHORIZATION, "Basic %%%").form(&[("grant_type", "client_credentials")]),
        status: 401,
        error: "invalid_client",
        basic_challenge: true,
    },
    Case {
        name: "confidential client without a secret",
        request: |s, _| cc(s).form(&[("grant_type", "client_credentials"), ("client_id", "svc")]),
        status: 401,
        error: "invalid_client",
        basic_challenge: false,
    },
    Case {
        name: "disabled client",
        request: |s, c| {
            cc(s).form(&[("grant_type", "client_credentials"), ("client_id", "off"), ("client_secret", &c.secret)])
        },
        status: 401,
        error: "invalid_client",
        basic_challenge: false,
    },
    Case {
        name: "unknown grant type",
        request: |s, c| cc(s).basic_auth("svc", Some(&c.secret)).form(&[("grant_type", "urn:example:magic")]),
        status: 400,
        error: "unsupported_grant_type",
        basic_challenge: false,
    },
    Case {
        name: "implicit is not a token grant",
        request: |s, c| cc(s).basic_auth("svc", Some(&c.secret)).form(&[("grant_type", "implicit")]),
        status: 400,
        error: "unsupported_grant_type",
        basic_challenge: false,
    },
    Case {
        name: "missing grant_type",
        request: |s, c| cc(s).basic_auth("svc", Some(&c.secret)).form(&[("scope", "a")]),
        status: 400,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "repeated parameter (§3.2)",
        request: |s, c| {
            cc(s)
                .basic_auth("svc", Some(&c.secret))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&scope=a&scope=a")
        },
        status: 400,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "two authentication methods at once (§2.3)",
        request: |s, c| {
            cc(s)
                .basic_auth("svc", Some(&c.secret))
                .form(&[("grant_type", "client_credentials"), ("client_secret", &c.secret)])
        },
        status: 400,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "JSON body instead of a form",
        request: |s, c| {
            cc(s).basic_auth("svc", Some(&c.secret)).json(&serde_json::json!({"grant_type": "client_credentials"}))
        },
        status: 400,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "no content type",
        request: |s, c| cc(s).basic_auth("svc", Some(&c.secret)).body("grant_type=client_credentials"),
        status: 400,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "a Bearer header on the token endpoint",
        request: |s, _| cc(s).bearer_auth("abc").form(&[("grant_type", "client_credentials")]),
        status: 400,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "body over the limit",
        request: |s, c| {
            let big = format!("grant_type=client_credentials&pad={}", "x".repeat(70_000));
            cc(s)
                .basic_auth("svc", Some(&c.secret))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(big)
        },
        status: 413,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "client not allowed client_credentials",
        request: |s, c| {
            cc(s).form(&[("grant_type", "client_credentials"), ("client_id", "web"), ("client_secret", &c.web_secret)])
        },
        status: 400,
        error: "unauthorized_client",
        basic_challenge: false,
    },
    Case {
        name: "public client asking for client_credentials (§4.4)",
        request: |s, _| cc(s).form(&[("grant_type", "client_credentials"), ("client_id", "spa")]),
        status: 400,
        error: "unauthorized_client",
        basic_challenge: false,
    },
    Case {
        name: "scope the client is not assigned",
        request: |s, c| {
            cc(s).basic_auth("svc", Some(&c.secret)).form(&[("grant_type", "client_credentials"), ("scope", "admin")])
        },
        status: 400,
        error: "invalid_scope",
        basic_challenge: false,
    },
    Case {
        name: "malformed scope (§3.3)",
        request: |s, c| {
            cc(s).basic_auth("svc", Some(&c.secret)).form(&[("grant_type", "client_credentials"), ("scope", "a\"b")])
        },
        status: 400,
        error: "invalid_scope",
        basic_challenge: false,
    },
    Case {
        name: "unknown realm",
        request: |s, c| {
            s.http
                .post(s.token_url("nowhere"))
                .basic_auth("svc", Some(&c.secret))
                .form(&[("grant_type", "client_credentials")])
        },
        status: 404,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "GET on the token endpoint",
        request: |s, _| s.http.get(s.token_url("shop")),
        status: 405,
        error: "invalid_request",
        basic_challenge: false,
    },
    Case {
        name: "no such endpoint",
        request: |s, _| s.http.get(s.url("/realms/shop/protocol/openid-connect/nothing")),
        status: 404,
        error: "invalid_request",
        basic_challenge: false,
    },
];

async fn fixture() -> (TestServer, Ctx) {
    let server = TestServer::spawn().await;
    server.realm("shop", SigningAlgorithm::Es256, &["a"]).await;
    let svc = server.service_client("shop", "svc", &["a"], &[]).await;
    let spec = |id: &str| NewClient { client_id: id.into(), ..NewClient::default() };
    let web = server.client("shop", spec("web")).await;
    server.client("shop", NewClient { public_client: true, ..spec("spa") }).await;
    let off = server.service_client("shop", "off", &[], &[]).await;
    disable_client(&server, "off").await;
    assert_ne!(off.secret, svc.secret);
    (server, Ctx { secret: svc.secret, web_secret: web.secret })
}

/// Disables a client through the store, as an admin would.
async fn disable_client(server: &TestServer, client_id: &str) {
    use tessera_core::ports::{ClientStore, RealmStore};
    let realm = server.store.find_realm("shop").await.unwrap().unwrap();
    let mut client = server.store.find_client(&realm.id, client_id).await.unwrap().unwrap();
    assert!(server.store.delete_client(&realm.id, client_id).await.unwrap());
    client.enabled = false;
    server.store.create_client(&client).await.unwrap();
}

#[tokio::test]
async fn every_error_case_has_its_rfc6749_5_2_code_status_and_headers() {
    let (server, ctx) = fixture().await;
    let mut failures = Vec::new();
    for case in CASES {
        let response = (case.request)(&server, &ctx).send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body: Value = match response.json().await {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: body is not JSON ({e})", case.name));
                continue;
            }
        };
        let mut problems = Vec::new();
        if status != case.status {
            problems.push(format!("status {status}, want {}", case.status));
        }
        if body["error"] != case.error {
            problems.push(format!("error {}, want {}", body["error"], case.error));
        }
        if !body["error_description"].is_string() {
            problems.push("no error_description".into());
        }
        if headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()) != Some(b"application/json") {
            problems.push(format!("content-type {:?}", headers.get(header::CONTENT_TYPE)));
        }
        if headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()) != Some(b"no-store") {
            problems.push("no Cache-Control: no-store".into());
        }
        let challenge = headers.get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap_or_default().to_owned());
        match (case.basic_challenge, challenge) {
            (true, Some(c)) if c.starts_with("Basic ") => {}
            (false, None) => {}
            (want, got) => problems.push(format!("WWW-Authenticate {got:?}, want Basic: {want}")),
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", case.name, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test]
async fn garbage_input_never_gives_a_500() {
    let (server, ctx) = fixture().await;
    let bodies: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00, 0x80],
        b"%%%%&&&===".to_vec(),
        b"grant_type=%E0%A4%A".to_vec(),
        b"=&=&=".to_vec(),
        "grant_type=client_credentials&scope=\u{0}".into(),
        vec![b'&'; 60_000],
    ];
    for body in bodies {
        let response = server
            .http
            .post(server.token_url("shop"))
            .basic_auth("svc", Some(&ctx.secret))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{status} for {body:?}");
        let json: Value = response.json().await.unwrap();
        assert!(json["error"].is_string());
    }
    for auth in ["Basic", "Basic ====", "Basic Og==", "basic OmE=", "Digest x"] {
        let response = server
            .http
            .post(server.token_url("shop"))
            .header(header::AUTHORIZATION, auth)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert!((400..500).contains(&response.status().as_u16()), "{auth}: {}", response.status());
    }
    for realm in ["%00", "..", "a%2Fb", &"r".repeat(5000)] {
        let response = server.http.get(server.certs_url(realm)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{realm}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["error"], "invalid_request");
    }
}
