//! Every request meets two limits before any handler runs: at most `max_concurrent_requests` in flight on
//! this node (beyond it, 503 with `Retry-After` at once, instead of a queue that grows until memory runs
//! out), and at most `request_timeout` to finish, body reading included (408). A tower layer of our own
//! rather than `axum::middleware::from_fn`: it is on every request's path, and this one allocates nothing.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Timeout;
use tower::{Layer, Service};

use crate::http::error::ApiError;

#[derive(Debug, Clone)]
pub struct RequestLimits {
    in_flight: Arc<Semaphore>,
    timeout: Duration,
}

impl RequestLimits {
    pub fn new(max_concurrent: usize, timeout: Duration) -> Self {
        Self { in_flight: Arc::new(Semaphore::new(max_concurrent.max(1))), timeout }
    }
}

impl<S> Layer<S> for RequestLimits {
    type Service = Limited<S>;

    fn layer(&self, inner: S) -> Limited<S> {
        Limited { inner, limits: self.clone() }
    }
}

#[derive(Debug, Clone)]
pub struct Limited<S> {
    inner: S,
    limits: RequestLimits,
}

impl<S> Service<Request> for Limited<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = LimitedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.limits.in_flight.clone().try_acquire_owned() {
            Ok(permit) => LimitedFuture::Running {
                work: tokio::time::timeout(self.limits.timeout, self.inner.call(request)),
                _permit: permit,
            },
            Err(_) => LimitedFuture::Refused { response: Some(ApiError::Overloaded.into_response()) },
        }
    }
}

pin_project_lite::pin_project! {
    #[project = LimitedProjection]
    pub enum LimitedFuture<F> {
        Running { #[pin] work: Timeout<F>, _permit: OwnedSemaphorePermit },
        Refused { response: Option<Response> },
    }
}

impl<F> Future for LimitedFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            LimitedProjection::Running { work, .. } => match work.poll(cx) {
                Poll::Ready(Ok(answer)) => Poll::Ready(answer),
                Poll::Ready(Err(_elapsed)) => Poll::Ready(Ok(ApiError::RequestTimeout.into_response())),
                Poll::Pending => Poll::Pending,
            },
            LimitedProjection::Refused { response } => {
                Poll::Ready(Ok(response.take().unwrap_or_else(|| ApiError::Overloaded.into_response())))
            }
        }
    }
}
