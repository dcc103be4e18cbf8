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

use axum::extract::DefaultBodyLimit;
use tower_http::limit::RequestBodyLimitLayer;

use super::App;

/// Room for 100,000 numbers in one campaign request.
const CAMPAIGN_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// `ok`, or `degraded` when calls are being refused or apologised to: the
/// store is unreachable (webhooks get the fallback answer), or a flow file
/// never checked clean (its number gets 404s). Always 200: the process itself
/// is up, and restarting it would fix neither.
///
/// `stale` lists flows still serving an older version because the latest
/// save has errors: calls work, but not as last edited.
pub async fn health(State(app): State<App>) -> Json<serde_json::Value> {
    let store = app.store.health().await;
    let flows = app.registry.list();
    let unserved: Vec<&str> = flows
        .iter()
        .filter(|f| f.version.is_none())
        .map(|f| f.name.as_str())
        .collect();
    let stale: Vec<&str> = flows
        .iter()
        .filter(|f| f.version.is_some() && f.last_error.is_some())
        .map(|f| f.name.as_str())
        .collect();
    let ok = store.reachable && unserved.is_empty();
    Json(json!({
        "status": if ok { "ok" } else { "degraded" },
        "flows": app.registry.len(),
        "unserved": unserved,
        "stale": stale,
        "store": store,
    }))
}

pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    // Live calls are counted where the store can count them cheaply (memory);
    // with Redis each replica sees only its share, so the gauge is left out.
    if let crate::store::Store::Memory(memory) = &app.store {
        metrics::gauge!("ivr_live_calls").set(memory.live_calls() as f64);
    }
    metrics::gauge!("ivr_flows_loaded").set(app.registry.len() as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}

/// The `/api` routes; `providers`: those a provider adds.
pub fn api_routes(app: App, providers: Router<App>) -> Router<App> {
    Router::new()
        .route("/flows", get(list_flows))
        .route("/flows/{flow}/analytics", get(super::analytics::api))
        .route("/calls", get(list_calls).post(super::outbound::place_call))
        .route("/sms", axum::routing::post(super::outbound::send_sms))
        .route("/calls/{sid}", get(one_call))
        .merge(providers)
        .route(
            "/campaigns/{id}",
            get(super::campaigns::show).delete(super::campaigns::cancel),
        )
        .layer(RequestBodyLimitLayer::new(super::BODY_LIMIT))
        // A campaign's list of numbers is the one large body we take.
        .route(
            "/campaigns",
            get(super::campaigns::list)
                .post(super::campaigns::create)
                .layer(DefaultBodyLimit::max(CAMPAIGN_BODY_LIMIT)),
        )
        // An unknown `/api/…` path is a JSON 404 too, and only after the
        // token check: a caller without the token learns nothing of the paths.
        .fallback(no_such_path)
        .layer(middleware::from_fn_with_state(app, require_admin))
        .layer(middleware::from_fn(json_errors))
}

async fn no_such_path(uri: axum::http::Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("no such path: /api{}", uri.path()) })),
    )
        .into_response()
}

/// Every `/api` error is `{"error": "<why>"}` (docs/api.md), also those that
/// axum writes as plain text: a bad query string, a wrong method, a body too
/// large, a missing token.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let failed = response.status().is_client_error() || response.status().is_server_error();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !failed || json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // axum's own rejections are a line or two; a longer body is cut, not buffered.
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let why = if text.is_empty() {
        parts
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
    } else {
        text
    };
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    (parts, Json(json!({ "error": why }))).into_response()
}

#[derive(serde::Deserialize)]
struct Limit {
    limit: Option<usize>,
}

async fn list_calls(State(app): State<App>, Query(q): Query<Limit>) -> Response {
    match super::history::calls(&app, q.limit.unwrap_or(50).min(1000)).await {
        Ok(calls) => Json(json!({ "calls": calls })).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

#[derive(serde::Deserialize)]
struct CallQuery {
    /// `?answers=true`: with the provider answer of each turn.
    #[serde(default)]
    answers: bool,
}

async fn one_call(
    State(app): State<App>,
    Path(sid): Path<String>,
    query: Result<Query<CallQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let answers = query.is_ok_and(|Query(q)| q.answers);
    match super::history::call(&app, &sid).await {
        Ok(Some(mut call)) => {
            if !answers {
                call.trace.iter_mut().for_each(|visit| visit.answer = None);
            }
            Json(call).into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no such call" })),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn list_flows(State(app): State<App>) -> Json<serde_json::Value> {
    Json(json!({ "flows": app.registry.list() }))
}

/// `/api/*` needs `Authorization: Bearer $IVR_ADMIN_TOKEN` when the token is
/// set. Without one it is served only when the server listens on a loopback
/// address (a developer's machine): anywhere else it would be open to the
/// world, so it is refused (403) until a token is set.
async fn require_admin(State(app): State<App>, request: Request, next: Next) -> Response {
    if app.config.admin_token.is_none() && !app.config.listen.ip().is_loopback() {
        return (
            StatusCode::FORBIDDEN,
            "set IVR_ADMIN_TOKEN: /api is served without a token only on a loopback address\n",
        )
            .into_response();
    }
    if let Some(token) = &app.config.admin_token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(super::auth::bearer)
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "admin token required",
            )
                .into_response();
        }
    }
    next.run(request).await
}
