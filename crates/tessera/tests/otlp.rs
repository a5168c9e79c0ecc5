//! `tessera serve --otlp-endpoint` (issue #15 item 2): a span per request reaches an OpenTelemetry collector
//! over OTLP/HTTP (here a real local HTTP server decoding the protobuf it is sent), named by method and path,
//! carrying the request id the client was answered with and continuing the caller's W3C trace, and nothing
//! exported holds the client's secret or the token it got.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{Serve, tessera};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind};
use prost::Message;
use serde_json::Value;

/// A collector: every body POSTed to `/v1/traces`, in order.
async fn collector() -> (String, tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body.to_vec());
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

fn attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?.value.as_ref()
}

fn text<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match attribute(attributes, key)? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn request_spans_reach_an_otlp_collector_with_the_request_id_and_no_secret() {
    let (collector, mut received) = collector().await;
    let dir = tempfile::tempdir().unwrap();
    let serve = Serve::start(tessera(dir.path()).env("OTEL_BSP_SCHEDULE_DELAY", "100").args([
        "serve",
        "--dev",
        "--listen",
        "127.0.0.1:0",
        "--otlp-endpoint",
        &collector,
    ]));
    let base = serve.public_url();
    let curl = serve.line("-d grant_type=client_credentials");
    let secret = curl.split("client_secret=").nth(1).unwrap().split(' ').next().unwrap().to_owned();

    // W3C Trace Context: the caller's trace id and span id (https://www.w3.org/TR/trace-context/#traceparent-header).
    let (trace_id, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let response = reqwest::Client::new()
        .post(format!("{base}/realms/demo/protocol/openid-connect/token"))
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .form(&[("grant_type", "client_credentials"), ("client_id", "demo-service"), ("client_secret", &secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let token = response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();

    let mut exported: Vec<u8> = Vec::new();
    let mut found: Option<(Span, Vec<KeyValue>)> = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    while found.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let body = tokio::time::timeout(left, received.recv())
            .await
            .unwrap_or_else(|_| panic!("no span with request id {request_id} within 20 s"))
            .unwrap();
        exported.extend_from_slice(&body);
        let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        for resource_spans in request.resource_spans {
            let resource = resource_spans.resource.map(|r| r.attributes).unwrap_or_default();
            for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
                if text(&span.attributes, "request_id") == Some(request_id.as_str()) {
                    found = Some((span, resource.clone()));
                }
            }
        }
    }
    let (span, resource) = found.unwrap();
    assert_eq!(span.name, "POST /realms/demo/protocol/openid-connect/token");
    assert_eq!(span.kind, SpanKind::Server as i32);
    assert_eq!(text(&resource, "service.name"), Some("tessera"));
    assert_eq!(text(&span.attributes, "http.request.method"), Some("POST"));
    assert_eq!(text(&span.attributes, "url.path"), Some("/realms/demo/protocol/openid-connect/token"));
    assert!(
        matches!(attribute(&span.attributes, "http.response.status_code"), Some(any_value::Value::IntValue(200))),
        "{:?}",
        span.attributes
    );
    assert_eq!(hex(&span.trace_id), trace_id, "the caller's trace goes on");
    assert_eq!(hex(&span.parent_span_id), caller_span, "under the caller's span");
    let exported = String::from_utf8_lossy(&exported);
    assert!(!exported.contains(&secret), "the client secret was exported");
    assert!(!exported.contains(&token), "the access token was exported");
    assert!(!exported.contains("client_secret"), "the form body was exported");
}
