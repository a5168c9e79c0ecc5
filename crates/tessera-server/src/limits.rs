//! Every request meets two limits before any handler runs: at most `max_concurrent_requests` in flight on
//! this node (beyond it, 503 with `Retry-After` at once, instead of a queue that grows until memory runs
//! out), and at most `request_timeout` to finish, body reading included (408).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::http::error::ApiError;

#[derive(Debug)]
pub struct RequestLimits {
    in_flight: Semaphore,
    timeout: Duration,
}

impl RequestLimits {
    pub fn new(max_concurrent: usize, timeout: Duration) -> Arc<Self> {
        Arc::new(Self { in_flight: Semaphore::new(max_concurrent.max(1)), timeout })
    }
}

pub async fn enforce(State(limits): State<Arc<RequestLimits>>, request: Request, next: Next) -> Response {
    let Ok(_in_flight) = limits.in_flight.try_acquire() else {
        return ApiError::Overloaded.into_response();
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}
