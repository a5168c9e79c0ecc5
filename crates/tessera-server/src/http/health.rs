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
    let database = state.store.ping().await.is_ok();
    let mut checks = vec![json!({"name": "database", "status": if database { "UP" } else { "DOWN" }})];
    let mut up = database;
    if let Some(redis) = &state.redis {
        let reachable = redis.ping().await && redis.is_subscribed();
        checks.push(json!({"name": "redis", "status": if reachable { "UP" } else { "DOWN" }}));
        up &= reachable;
    }
    let status = if up { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({"status": if up { "UP" } else { "DOWN" }, "checks": checks})))
}
