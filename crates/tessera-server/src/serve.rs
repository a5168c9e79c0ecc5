//! Serving connections, plain or TLS, with the limits a slow or greedy client meets: the request head must
//! arrive within `header_read_timeout` (a slowloris cannot hold a connection open), and a stop lets the
//! requests in flight finish for up to ten seconds.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;

/// How long in-flight requests may take to finish once a stop is asked for.
const DRAIN: Duration = Duration::from_secs(10);
/// The most a request head (line and headers) may take; hyper answers 431 beyond it. Its default is ~400 KiB
/// per connection; Keycloak's (Quarkus/Vert.x) is 8 KiB per header and 64 KiB in all, the bound we take.
const MAX_HEAD_BYTES: usize = 64 * 1024;

pub async fn serve(
    listener: std::net::TcpListener,
    tls: Option<RustlsConfig>,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(DRAIN));
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(tls) => {
            let mut server = axum_server::from_tcp_rustls(listener, tls)?.handle(handle);
            server.http_builder().http1().header_read_timeout(header_read_timeout).max_buf_size(MAX_HEAD_BYTES);
            server.serve(service).await
        }
        None => {
            let mut server = axum_server::from_tcp(listener)?.handle(handle);
            server.http_builder().http1().header_read_timeout(header_read_timeout).max_buf_size(MAX_HEAD_BYTES);
            server.serve(service).await
        }
    }
}
