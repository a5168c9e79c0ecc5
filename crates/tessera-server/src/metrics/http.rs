//! Requests counted and timed per route template and status, and the management listener's `/metrics`.
//! A tower layer of our own, like [`crate::limits`]: it is on every request's path, and allocates nothing.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::{HttpLabels, Metrics};

#[derive(Debug, Clone)]
pub struct HttpMetricsLayer(pub Arc<Metrics>);

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Measured<S> {
        Measured { inner, metrics: self.0.clone() }
    }
}

#[derive(Debug, Clone)]
pub struct Measured<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// The route's template as the router matched it (never the raw path: one series per route of the route
/// tables, not per URL); `unmatched` for the fallback. Cloning it is one reference count.
#[derive(Clone, Debug)]
pub struct Route(Option<MatchedPath>);

impl Route {
    pub fn as_str(&self) -> &str {
        self.0.as_ref().map_or("unmatched", MatchedPath::as_str)
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Route {}

impl std::hash::Hash for Route {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<S> Service<Request> for Measured<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = MeasuredFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = Route(request.extensions().get::<MatchedPath>().cloned());
        let method = method_label(request.method());
        MeasuredFuture {
            work: self.inner.call(request),
            started: Instant::now(),
            route: Some(route),
            method,
            metrics: self.metrics.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    pub struct MeasuredFuture<F> {
        #[pin]
        work: F,
        started: Instant,
        route: Option<Route>,
        method: &'static str,
        metrics: Arc<Metrics>,
    }
}

impl<F> Future for MeasuredFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Poll::Ready(Ok(response)) = this.work.poll(cx) else { return Poll::Pending };
        // The router runs inside this layer: the matched template arrives on the response.
        let route = match response.extensions().get::<MatchedPath>() {
            Some(matched) => Route(Some(matched.clone())),
            None => this.route.take().unwrap_or(Route(None)),
        };
        let labels = HttpLabels { route, method: this.method, status: response.status().as_u16() };
        this.metrics.http_request(&labels, this.started.elapsed().as_secs_f64());
        Poll::Ready(Ok(response))
    }
}

/// Inside routing (a route layer, only with metrics on): hands the matched route template to [`Measured`],
/// which wraps the router and so never sees it on the request.
pub async fn matched_route_to_response(route: Option<MatchedPath>, mut response: Response) -> Response {
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// The management listener's router: `GET /metrics` only.
pub fn management_router(metrics: Arc<Metrics>) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(scrape)).with_state(metrics)
}

/// The OpenMetrics text format that Prometheus scrapes.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

async fn scrape(State(metrics): State<Arc<Metrics>>) -> Response {
    match metrics.encode() {
        Ok(body) => ([(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
