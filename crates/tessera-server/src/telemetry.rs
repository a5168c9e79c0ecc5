//! One span per request, for logs and for the OTLP exporter of `tessera serve --otlp-endpoint` (issue #15).
//! Its attributes follow OpenTelemetry's HTTP conventions and are chosen so that nothing secret can reach
//! them: the method, the path (never the query string, which may carry a code or an `access_token`), the
//! request id the server answers with (`x-request-id`), and the status. No header and no body is read.
//! A caller's W3C `traceparent` is continued when the exporter is built in (the `otlp` feature).

use axum::http::{Request, Response};
use tower_http::trace::{MakeSpan, OnResponse};
use tracing::Span;

/// The target of the request spans: the exporter keeps these and no other.
pub const TARGET: &str = "tessera_server::telemetry";

/// Makes the request span (installed in `router.rs`, inside the request-id layer).
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let span = tracing::info_span!(
            target: TARGET,
            "request",
            otel.name = %format_args!("{} {}", request.method(), request.uri().path()),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            http.request.method = %request.method(),
            url.path = %request.uri().path(),
            request_id,
            http.response.status_code = tracing::field::Empty,
        );
        #[cfg(feature = "otlp")]
        continue_trace(&span, request.headers());
        span
    }
}

/// Records the answer's status on the request span (5xx marks the span as an error, as the conventions say).
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordStatus;

impl<B> OnResponse<B> for RecordStatus {
    fn on_response(self, response: &Response<B>, _latency: std::time::Duration, span: &Span) {
        let status = response.status();
        span.record("http.response.status_code", i64::from(status.as_u16()));
        if status.is_server_error() {
            span.record("otel.status_code", "ERROR");
        }
    }
}

/// Makes `span` a child of the caller's trace when the request carries `traceparent` (W3C Trace Context).
#[cfg(feature = "otlp")]
fn continue_trace(span: &Span, headers: &axum::http::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    if !headers.contains_key("traceparent") {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
    let _ = span.set_parent(parent);
}

/// The request's headers as OpenTelemetry's propagators read them.
#[cfg(feature = "otlp")]
struct Headers<'a>(&'a axum::http::HeaderMap);

#[cfg(feature = "otlp")]
impl opentelemetry::propagation::Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}
