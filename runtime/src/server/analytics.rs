//! `GET /api/flows/{flow}/analytics?hours=N`: a flow's figures over a window,
//! read from the store's call history (its newest calls, so a busy server's
//! window is as long as the history keeps) and, with `--records`, from
//! PostgreSQL, which covers the retention (`server/history.rs`).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::App;
use crate::analytics::{self, Analytics};
use crate::store::StoreError;

/// The most calls one figure reads from the store; each is one store read.
const MOST: usize = 1000;
/// The most calls one figure reads from PostgreSQL (one query).
const MOST_RECORDED: usize = 50_000;
const DEFAULT_HOURS: u32 = 24;

#[derive(serde::Deserialize, Default)]
pub struct Window {
    /// How far back, in hours (default a day).
    pub hours: Option<u32>,
}

/// The figures of `flow` over the last `hours`, or None if no such flow serves.
pub async fn figures(app: &App, flow: &str, hours: u32) -> Result<Option<Analytics>, StoreError> {
    let Some(graph) = app.registry.current(flow) else {
        return Ok(None);
    };
    let since = app.now() - i64::from(hours) * 3_600_000;
    let calls = super::history::flow_calls(app, flow, since, MOST, MOST_RECORDED).await?;
    Ok(Some(analytics::of_flow(&graph, &calls)))
}

pub async fn api(
    State(app): State<App>,
    Path(flow): Path<String>,
    window: Result<Query<Window>, QueryRejection>,
) -> Response {
    let hours = match window {
        Ok(Query(w)) => w.hours.unwrap_or(DEFAULT_HOURS),
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    match figures(&app, &flow, hours).await {
        Ok(Some(figures)) => Json(json!({ "hours": hours, "analytics": figures })).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no flow named `{flow}`")),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
