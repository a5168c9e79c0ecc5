//! `/health/live` and `/health/ready`, in the shape Keycloak's health endpoints use.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

pub async fn live() -> Json<Value> {
    Json(json!({"status": "UP"}))
}

/// Ready when the database answers and, if configured, Redis answers and the revocation feed is subscribed.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let readiness = state.readiness().await;
    let word = |up: bool| if up { "UP" } else { "DOWN" };
    let mut checks = vec![json!({"name": "database", "status": word(readiness.database)})];
    if let Some(redis) = readiness.redis {
        checks.push(json!({"name": "redis", "status": word(redis)}));
    }
    let up = readiness.database && readiness.redis.unwrap_or(true);
    let status = if up { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({"status": if up { "UP" } else { "DOWN" }, "checks": checks})))
}
