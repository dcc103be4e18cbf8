//! Operating the server: health, metrics, and the `/api` the operators use.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::App;

/// `ok`, or `degraded` when the store is unreachable (calls still get a
/// fallback answer). Always 200: the process itself is up.
pub async fn health(State(app): State<App>) -> Json<serde_json::Value> {
    let store = app.store.health().await;
    Json(json!({
        "status": if store.reachable { "ok" } else { "degraded" },
        "flows": app.registry.len(),
        "store": store,
    }))
}

pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}

pub fn api_routes(app: App) -> Router<App> {
    Router::new()
        .route("/flows", get(list_flows))
        .layer(middleware::from_fn_with_state(app, require_admin))
}

async fn list_flows(State(app): State<App>) -> Json<serde_json::Value> {
    Json(json!({ "flows": app.registry.list() }))
}

/// `/api/*` needs `Authorization: Bearer $IVR_ADMIN_TOKEN` when the token is set.
async fn require_admin(State(app): State<App>, request: Request, next: Next) -> Response {
    if let Some(token) = &app.config.admin_token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "admin token required\n",
            )
                .into_response();
        }
    }
    next.run(request).await
}
