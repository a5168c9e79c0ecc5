//! An orders API: `GET /orders` needs `api:read`, `POST /orders` needs `api:write`, `GET /whoami` any valid
//! token. The scopes match the `demo` realm that `tessera serve --dev` creates.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tessera_guard::axum::RequireToken;
use tessera_guard::{ScopeRequirement, Validator, VerifiedToken};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Order {
    pub item: String,
    pub quantity: u32,
    #[serde(default)]
    pub placed_by: String,
}

#[derive(Clone)]
pub struct Api {
    validator: Arc<Validator>,
    orders: Arc<Mutex<Vec<Order>>>,
}

impl FromRef<Api> for Arc<Validator> {
    fn from_ref(api: &Api) -> Self {
        api.validator.clone()
    }
}

async fn list(State(api): State<Api>) -> Json<Vec<Order>> {
    Json(api.orders.lock().map(|o| o.clone()).unwrap_or_default())
}

async fn place(
    State(api): State<Api>,
    token: VerifiedToken,
    Json(mut order): Json<Order>,
) -> (StatusCode, Json<Order>) {
    order.placed_by = token.client_id().unwrap_or("unknown").to_owned();
    if let Ok(mut orders) = api.orders.lock() {
        orders.push(order.clone());
    }
    (StatusCode::CREATED, Json(order))
}

async fn whoami(token: VerifiedToken) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "client_id": token.client_id(),
        "subject": token.subject(),
        "scopes": token.scopes.to_string(),
    }))
}

pub fn app(validator: Arc<Validator>) -> Router {
    let read = RequireToken::new(validator.clone()).scopes(ScopeRequirement::all_of(["api:read"]));
    let write = RequireToken::new(validator.clone()).scopes(ScopeRequirement::all_of(["api:write"]));
    Router::new()
        .route("/orders", get(list).layer(read).merge(axum::routing::post(place).layer(write)))
        .route("/whoami", get(whoami))
        .with_state(Api { validator, orders: Arc::default() })
}
