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
use crate::routes::Endpoint;

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

/// The route's template (never the raw path: one series per route of the route tables, not per URL):
/// an OIDC endpoint's, found by [`EndpointRoutes`] before the request reaches the router; the admin API's
/// and the console's as their router matched it; `unmatched` for the fallback. Cloning it is at most one
/// reference count.
#[derive(Clone, Debug)]
pub enum Route {
    Endpoint(&'static str),
    Matched(MatchedPath),
    Unmatched,
}

impl Route {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Endpoint(template) => template,
            Self::Matched(matched) => matched.as_str(),
            Self::Unmatched => "unmatched",
        }
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

/// The OIDC endpoints' templates ([`Endpoint::route`]), matched as the router matches them (axum's own
/// matcher, `matchit`). Knowing them here spares those routes the inner layer that hands the matched
/// template out through the response: measured (`bench/monitoring_ab.sh`), that layer was most of what
/// metrics cost a token request, since axum clones each route's boxed service, layers and all, per request.
#[derive(Debug)]
pub struct EndpointRoutes(matchit::Router<&'static str>);

impl Default for EndpointRoutes {
    fn default() -> Self {
        let mut router = matchit::Router::new();
        for endpoint in Endpoint::ALL {
            // The same templates the router was built from: they cannot conflict there either.
            let _ = router.insert(endpoint.route(), endpoint.route());
        }
        Self(router)
    }
}

impl EndpointRoutes {
    pub fn template(&self, path: &str) -> Option<&'static str> {
        self.0.at(path).ok().map(|found| *found.value)
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
        let route = self.metrics.endpoint_routes.template(request.uri().path()).map(Route::Endpoint);
        let method = method_label(request.method());
        MeasuredFuture {
            work: self.inner.call(request),
            started: Instant::now(),
            route,
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
        // Other than an OIDC endpoint's, the template arrives on the response (the router runs inside).
        let route = match (this.route.take(), response.extensions().get::<MatchedPath>()) {
            (Some(route), _) => route,
            (None, Some(matched)) => Route::Matched(matched.clone()),
            (None, None) => Route::Unmatched,
        };
        let labels = HttpLabels { route, method: this.method, status: response.status().as_u16() };
        this.metrics.http_request(&labels, this.started.elapsed().as_secs_f64());
        Poll::Ready(Ok(response))
    }
}

/// Inside routing (a layer of the admin API's and the console's routers, only with metrics on): hands the
/// matched route template to [`Measured`], which wraps the router and so never sees it on the request.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_oidc_endpoint_path_is_labelled_with_its_own_template_and_nothing_else_is() {
        let routes = EndpointRoutes::default();
        for endpoint in Endpoint::ALL {
            let path = endpoint
                .route()
                .replace("{realm}", "shop")
                .replace("{client_id}", "c1")
                .replace("{", "x")
                .replace("}", "");
            assert_eq!(routes.template(&path), Some(endpoint.route()), "{path}");
        }
        for other in
            ["/admin/realms/shop/clients", "/realms/shop/unknown", "/", "/realms/shop/protocol/openid-connect/token/x"]
        {
            assert_eq!(routes.template(other), None, "{other}");
        }
    }
}
