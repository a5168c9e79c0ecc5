//! A small issuer on port 0 (axum) whose JWKS and introspection endpoints can be told to misbehave: hang,
//! answer too much, redirect. It publishes one ES256 key, `k1`, and signs tokens with it under any `kid`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// What `GET /jwks` answers.
#[derive(Debug, Clone)]
pub enum Jwks {
    /// The key set, with `Cache-Control: max-age` as started.
    Serve,
    /// Nothing, ever.
    Hang,
    /// The key set followed by whitespace up to this many bytes (still valid JSON), with a `Content-Length`.
    Padded(usize),
    /// `302 Found` to this URL.
    RedirectTo(String),
}

/// What `POST /introspect` answers.
#[derive(Debug, Clone)]
pub enum Introspection {
    Active,
    Hang,
    /// `{"active": true}` followed by whitespace up to this many bytes.
    Padded(usize),
}

#[derive(Clone)]
struct Shared {
    uri: String,
    key_set: Value,
    max_age: u64,
    jwks: Arc<Mutex<Jwks>>,
    jwks_requests: Arc<AtomicUsize>,
    introspection: Arc<Mutex<Introspection>>,
}

pub struct LocalIssuer {
    pub uri: String,
    key: jsonwebtoken::EncodingKey,
    shared: Shared,
}

impl LocalIssuer {
    /// Serves its keys with `Cache-Control: max-age=300`.
    pub async fn start() -> Self {
        Self::start_with_max_age(300).await
    }

    pub async fn start_with_max_age(max_age: u64) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap());
        let (key, jwk) = crate::foreign_issuer::key("k1");
        let shared = Shared {
            uri: uri.clone(),
            key_set: json!({"keys": [jwk]}),
            max_age,
            jwks: Arc::new(Mutex::new(Jwks::Serve)),
            jwks_requests: Arc::default(),
            introspection: Arc::new(Mutex::new(Introspection::Active)),
        };
        let app = axum::Router::new()
            .route("/.well-known/openid-configuration", axum::routing::get(metadata))
            .route("/jwks", axum::routing::get(jwks))
            .route("/introspect", axum::routing::post(introspect))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { uri, key, shared }
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.uri)
    }

    pub fn set_jwks(&self, answer: Jwks) {
        *self.shared.jwks.lock().unwrap() = answer;
    }

    pub fn set_introspection(&self, answer: Introspection) {
        *self.shared.introspection.lock().unwrap() = answer;
    }

    /// The published key set (`k1`).
    pub fn key_set(&self) -> Value {
        self.shared.key_set.clone()
    }

    /// How many `GET /jwks` requests have arrived (answered or not).
    pub fn jwks_requests(&self) -> usize {
        self.shared.jwks_requests.load(Ordering::SeqCst)
    }

    /// An RFC 9068 access token for `aud` (none: no `aud` claim), signed by `k1` but naming `kid`.
    pub fn token(&self, kid: &str, aud: Option<&str>) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.into());
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let mut claims = json!({"iss": self.uri, "sub": "svc", "client_id": "svc", "exp": now + 300,
            "iat": now, "jti": "j", "scope": "orders:read"});
        if let Some(aud) = aud {
            claims["aud"] = json!(aud);
        }
        jsonwebtoken::encode(&header, &claims, &self.key).unwrap()
    }
}

/// `body` followed by spaces up to `len` bytes.
pub fn padded(body: &Value, len: usize) -> String {
    let body = body.to_string();
    let pad = len.saturating_sub(body.len());
    body + &" ".repeat(pad)
}

async fn metadata(State(s): State<Shared>) -> axum::Json<Value> {
    let uri = &s.uri;
    axum::Json(json!({
        "issuer": uri, "jwks_uri": format!("{uri}/jwks"), "token_endpoint": format!("{uri}/token"),
        "introspection_endpoint": format!("{uri}/introspect"),
        "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"]
    }))
}

fn json_response(body: String, max_age: Option<u64>) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(max_age) = max_age {
        let value = HeaderValue::from_str(&format!("max-age={max_age}")).unwrap();
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

async fn jwks(State(s): State<Shared>) -> Response {
    s.jwks_requests.fetch_add(1, Ordering::SeqCst);
    let answer = s.jwks.lock().unwrap().clone();
    match answer {
        Jwks::Serve => json_response(s.key_set.to_string(), Some(s.max_age)),
        Jwks::Hang => std::future::pending().await,
        Jwks::Padded(len) => json_response(padded(&s.key_set, len), Some(s.max_age)),
        Jwks::RedirectTo(url) => (StatusCode::FOUND, [(header::LOCATION, url)]).into_response(),
    }
}

async fn introspect(State(s): State<Shared>) -> Response {
    let answer = s.introspection.lock().unwrap().clone();
    let active = json!({"active": true});
    match answer {
        Introspection::Active => json_response(active.to_string(), None),
        Introspection::Hang => std::future::pending().await,
        Introspection::Padded(len) => json_response(padded(&active, len), None),
    }
}

/// A server on port 0 that answers every connection with `body` and no `Content-Length`: the body ends
/// when the connection closes, so only counting the bytes as they arrive can bound it.
pub async fn serve_without_length(body: String) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}
