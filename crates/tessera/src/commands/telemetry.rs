//! Where `tessera serve` reports what it does: log lines on stderr (text or JSON) and, with `--otlp-endpoint`,
//! one OpenTelemetry span per request sent to a collector over OTLP/HTTP (issue #15). The spans are made by
//! the router (`tessera_server::telemetry`): method, path, route status and request id, never a header, a query
//! string or a body, so no secret or token can reach an attribute.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use super::error::CommandError;

type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// The exporter, kept to flush the last spans when the server stops.
pub struct Telemetry {
    #[cfg(feature = "otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Installs the global subscriber: the log lines, the OTLP layer when `otlp` names a collector, and with
    /// `metrics` the layer that times the database's statements for `/metrics`.
    pub fn init(json: bool, otlp: Option<&url::Url>, metrics: bool) -> Result<Self, CommandError> {
        // The request spans are the exporter's; in log lines (their request id on each line logged inside a
        // request) only when RUST_LOG asks for them (`tessera_server::telemetry=info`): formatting a span's
        // fields for the log layer on every request was ~5% of a cheap token request (bench/profile.sh).
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            EnvFilter::new(format!("info,tower_http=warn,sqlx=warn,{}=warn", tessera_server::telemetry::TARGET))
        });
        let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
        let logs = if json { fmt.json().with_filter(filter).boxed() } else { fmt.with_filter(filter).boxed() };
        let telemetry = Self::exporter(otlp)?;
        let dependencies = metrics.then(|| {
            use tessera_server::DependencyLayer;
            DependencyLayer.with_filter(DependencyLayer::targets()).boxed()
        });
        let layers: Vec<BoxedLayer> = std::iter::once(logs).chain(telemetry.layer()).chain(dependencies).collect();
        // `try_init`: a second subscriber (tests running serve twice in one process) keeps the first.
        let _ = tracing_subscriber::registry().with(layers).try_init();
        Ok(telemetry)
    }

    #[cfg(feature = "otlp")]
    fn exporter(otlp: Option<&url::Url>) -> Result<Self, CommandError> {
        let Some(endpoint) = otlp else { return Ok(Telemetry { provider: None }) };
        let endpoint = traces_url(endpoint);
        // The blocking HTTP client of the batch processor's own thread must not be made (or dropped) on the
        // async runtime's threads: build it on a thread of its own.
        let provider = std::thread::spawn(move || {
            use opentelemetry_otlp::WithExportConfig;
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(endpoint)
                .with_timeout(std::time::Duration::from_secs(5))
                .build()
                .map_err(|e| e.to_string())?;
            let resource = opentelemetry_sdk::Resource::builder().with_service_name("tessera").build();
            Ok::<_, String>(
                opentelemetry_sdk::trace::SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(resource)
                    .build(),
            )
        })
        .join()
        .map_err(|_| CommandError::Usage("--otlp-endpoint: the exporter could not be built"))?
        .map_err(CommandError::Telemetry)?;
        opentelemetry::global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
        Ok(Telemetry { provider: Some(provider) })
    }

    #[cfg(not(feature = "otlp"))]
    fn exporter(otlp: Option<&url::Url>) -> Result<Self, CommandError> {
        match otlp {
            Some(_) => Err(CommandError::Usage("--otlp-endpoint: this tessera was built without the `otlp` feature")),
            None => Ok(Telemetry {}),
        }
    }

    #[cfg(feature = "otlp")]
    fn layer(&self) -> Option<BoxedLayer> {
        use opentelemetry::trace::TracerProvider;
        let tracer = self.provider.as_ref()?.tracer("tessera");
        // Only the request spans the router makes: the filter keeps every other target's spans out.
        let only_requests = tracing_subscriber::filter::Targets::new()
            .with_target(tessera_server::telemetry::TARGET, tracing::Level::INFO);
        Some(tracing_opentelemetry::layer().with_tracer(tracer).with_filter(only_requests).boxed())
    }

    #[cfg(not(feature = "otlp"))]
    fn layer(&self) -> Option<BoxedLayer> {
        None
    }

    /// Sends the spans still queued (at most a few seconds: the collector may be gone).
    pub fn shutdown(self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider {
            let _ = std::thread::spawn(move || provider.shutdown()).join();
        }
    }
}

/// The collector's traces URL: `/v1/traces` under the given base, as `OTEL_EXPORTER_OTLP_ENDPOINT` is read
/// (a URL that already names it is kept).
#[cfg(feature = "otlp")]
fn traces_url(base: &url::Url) -> String {
    let base = base.as_str().trim_end_matches('/');
    if base.ends_with("/v1/traces") { base.to_owned() } else { format!("{base}/v1/traces") }
}

#[cfg(all(test, feature = "otlp"))]
mod tests {
    use super::traces_url;

    #[test]
    fn the_traces_path_is_added_once() {
        let url = |s: &str| url::Url::parse(s).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(traces_url(&url("http://c:4318")), "http://c:4318/v1/traces");
        assert_eq!(traces_url(&url("http://c:4318/otel/")), "http://c:4318/otel/v1/traces");
        assert_eq!(traces_url(&url("https://c/v1/traces")), "https://c/v1/traces");
    }
}
