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

/// The `flow` label of a webhook: the flow's name when the server serves it,
/// else [`UNKNOWN_FLOW`]. The name comes from the URL, which anyone may
/// write: labelling with it unchecked made a series per request.
pub(super) fn flow_label(app: &App, flow: &str) -> String {
    if app.registry.current(flow).is_some() {
        flow.to_string()
    } else {
        UNKNOWN_FLOW.to_string()
    }
}

/// The one `flow` label of every webhook for a flow the server does not serve.
pub const UNKNOWN_FLOW: &str = "(unknown)";

/// The `outcome` label of the node a turn stopped at (the engine's empty
/// exit name): it waits there for the caller, or hangs up.
pub const STOPPED: &str = "stop";

/// Count one webhook answered for `flow` (already a [`flow_label`]).
pub(super) fn count_webhook(flow: String, outcome: &'static str, seconds: f64) {
    metrics::histogram!("ivr_webhook_seconds", "flow" => flow.clone()).record(seconds);
    metrics::counter!("ivr_webhooks_total", "flow" => flow, "outcome" => outcome).increment(1);
}

/// Count the nodes a committed turn of `flow` went through, by the exit each
/// took ([`STOPPED`] for the node it stopped at).
pub(super) fn count_turn(flow: &str, visits: &[crate::store::Visit]) {
    for v in visits {
        let outcome = if v.exit.is_empty() {
            STOPPED.to_string()
        } else {
            v.exit.clone()
        };
        metrics::counter!("ivr_turns_total", "flow" => flow.to_string(), "node" => v.node.clone(), "outcome" => outcome)
            .increment(1);
    }
}

/// `# HELP` text for every metric, and the build's identity as
/// `ivr_build_info{version, git_sha} 1`. Called once, with the recorder.
pub(super) fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "ivr_webhooks_total",
        "Provider webhooks answered, by flow (\"(unknown)\" for a flow not served) and outcome"
    );
    describe_histogram!(
        "ivr_webhook_seconds",
        metrics::Unit::Seconds,
        "Time to answer a provider webhook, by flow"
    );
    describe_counter!(
        "ivr_turns_total",
        "Nodes entered by committed turns, by flow, node and the exit taken (\"stop\": the node the turn stopped at)"
    );
    describe_counter!(
        "ivr_holds_total",
        "Hold answers given while a slow call-out ran on, by flow"
    );
    describe_counter!(
        "ivr_sms_total",
        "SMS sent through /api/sms, by provider and outcome"
    );
    describe_counter!(
        "ivr_calls_placed_total",
        "Calls placed through /api/calls, by provider and outcome"
    );
    describe_counter!(
        "ivr_campaign_calls_total",
        "Campaign numbers dialled, by outcome (placed or refused)"
    );
    describe_counter!(
        "ivr_records_written_total",
        "Finished calls written to PostgreSQL (--records)"
    );
    describe_counter!(
        "ivr_records_dropped_total",
        "Finished calls never written to PostgreSQL, by reason (\"outbox_full\": the store's outbox was full; \"expired\": the store's history record expired first)"
    );
    describe_counter!(
        "ivr_record_write_failures_total",
        "Failed attempts to write call records, by cause (postgres or store); retried with backoff"
    );
    describe_counter!("ivr_reloads_total", "Flow files reloaded, by flow");
    describe_counter!(
        "ivr_reload_errors_total",
        "Flow files that failed to reload, by flow"
    );
    describe_gauge!(
        "ivr_live_calls",
        "Calls in progress (memory store only: with Redis each replica sees its share)"
    );
    describe_gauge!("ivr_flows_loaded", "Flows the server serves");
    describe_gauge!(
        "ivr_build_info",
        "Always 1; the labels say which build answers (git_sha \"unknown\" unless IVR_GIT_SHA was set at build time)"
    );
    metrics::gauge!(
        "ivr_build_info",
        "version" => env!("CARGO_PKG_VERSION"),
        "git_sha" => option_env!("IVR_GIT_SHA").unwrap_or("unknown")
    )
    .set(1.0);
}

pub fn api_routes(app: App) -> Router<App> {
    Router::new()
        .route("/flows", get(list_flows))
        .route("/flows/{flow}/analytics", get(super::analytics::api))
        .route("/calls", get(list_calls).post(super::outbound::place_call))
        .route("/sms", axum::routing::post(super::outbound::send_sms))
        .route("/calls/{sid}", get(one_call))
        .route(
            "/twilio/token",
            axum::routing::post(super::browser_phone::twilio_token),
        )
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
        .layer(middleware::from_fn_with_state(app, require_admin))
        .layer(middleware::from_fn(json_errors))
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

async fn one_call(State(app): State<App>, Path(sid): Path<String>) -> Response {
    match super::history::call(&app, &sid).await {
        Ok(Some(call)) => Json(call).into_response(),
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
