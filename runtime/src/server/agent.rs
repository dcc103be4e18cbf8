//! `POST /agent/{call_id}/result`: where a voice agent posts what it found
//! out (docs/agents.md), and how the result reaches the call when its
//! stream ends.
//!
//! The route is public (agents live outside), so it is defensive: a body of
//! at most [`handoff::MAX_BODY`], a bearer token required, a 4xx for
//! anything wrong, and the same 404 for an unknown call and a bad token
//! (a token is checked before the store is asked anything).
//!
//! The result and the stream's end meet in the hand-off's slot in the
//! store ([`Store::settle`](crate::store::Store::settle)): the first to
//! arrive decides. A result first: the stream's end finds it and the call
//! takes `done` (if it fits). The stream's end first: it marks the slot
//! ended, the call takes `failed` (or `done` with nothing, when the flow
//! declares no result), and a result after that is refused with 409.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ivr_compiler::graph::NodeKind;
use serde_json::json;

use super::App;
use super::walk::graph_of;
use crate::engine::{CallState, Event, agent};
use crate::handoff::{self, ENDED, Handoff};
use crate::store::{Store, StoreError};

pub fn routes() -> Router<App> {
    Router::new().route("/agent/{call_id}/result", post(post_result))
}

/// What the route answers, as data.
#[derive(Debug, PartialEq, Eq)]
pub enum Posted {
    /// Stored; the call takes it when the stream ends. Also the answer to
    /// the same result posted again.
    Accepted,
    /// No such call, or a token not made for it (the same answer for both).
    NotFound,
    /// No `Authorization: Bearer …`.
    Unauthorized,
    /// Not a JSON object.
    BadBody(&'static str),
    /// The flow declares the result, and this one does not fit.
    Misfit(String),
    /// The hand-off is over (the stream ended, the budget ran out, or
    /// another result was accepted).
    Conflict(&'static str),
    /// The store failed; the agent may retry.
    Unavailable,
}

impl IntoResponse for Posted {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Posted::Accepted => (StatusCode::OK, json!({ "status": "accepted" })),
            Posted::NotFound => (
                StatusCode::NOT_FOUND,
                json!({ "error": "no such call, or a bad token" }),
            ),
            Posted::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                json!({ "error": "an `Authorization: Bearer` token is required" }),
            ),
            Posted::BadBody(why) => (StatusCode::BAD_REQUEST, json!({ "error": why })),
            Posted::Misfit(why) => (StatusCode::UNPROCESSABLE_ENTITY, json!({ "error": why })),
            Posted::Conflict(why) => (StatusCode::CONFLICT, json!({ "error": why })),
            Posted::Unavailable => {
                let mut r = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    axum::Json(json!({ "error": "try again" })),
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                return r;
            }
        };
        (status, axum::Json(body)).into_response()
    }
}

async fn post_result(
    State(app): State<App>,
    Path(call_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > handoff::MAX_BODY {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(super::auth::bearer);
    accept(&app, &call_id, token, &body).await.into_response()
}

/// Accept `body` as the result of the hand-off `token` names.
pub async fn accept(app: &App, call_id: &str, token: Option<&str>, body: &[u8]) -> Posted {
    let Some(token) = token else {
        return Posted::Unauthorized;
    };
    let Some(handoff) = app.handoff_key.verify(call_id, token) else {
        return Posted::NotFound;
    };
    let (value, text) = match handoff::canonical(body) {
        Ok(v) => v,
        Err(why) => return Posted::BadBody(why),
    };
    let state = match app.store.load(call_id, None).await {
        Ok(Some(s)) => s.state,
        Ok(None) => return Posted::NotFound,
        Err(e) => return unavailable(e),
    };
    let offer = if Handoff::of(&state) == Some(handoff) {
        match open_handoff(app, &state, &value).await {
            Ok(()) => text.as_str(),
            Err(refused) => return refused,
        }
    } else {
        // The call has moved on: close the slot if nothing did (a caller
        // who hung up), and see whether this very result was taken.
        ENDED
    };
    match app.store.settle(call_id, &handoff.slot(), offer).await {
        Ok(kept) if kept == text => Posted::Accepted,
        Ok(kept) if kept == ENDED => Posted::Conflict("the hand-off has ended"),
        Ok(_) => Posted::Conflict("another result was accepted for this hand-off"),
        Err(e) => unavailable(e),
    }
}

/// Checks on a result for a hand-off still open: in time, and fitting the
/// flow's declared shape.
async fn open_handoff(
    app: &App,
    state: &CallState,
    value: &serde_json::Value,
) -> Result<(), Posted> {
    let graph = match graph_of(app, &state.version).await {
        Ok(Some(g)) => g,
        Ok(None) => return Err(Posted::NotFound),
        Err(e) => return Err(unavailable(e)),
    };
    let Some(NodeKind::Ai {
        result, timeout_ms, ..
    }) = graph.nodes.get(state.node.index()).map(|n| &n.kind)
    else {
        return Err(Posted::NotFound);
    };
    if agent::deadline(state.updated_at, *timeout_ms).is_some_and(|end| app.now() > end) {
        return Err(Posted::Conflict("the agent's time budget is spent"));
    }
    agent::fits(result, Some(value)).map_err(|m| Posted::Misfit(m.to_string()))
}

fn unavailable(e: StoreError) -> Posted {
    tracing::error!(error = %e, "call store failed on an agent's result");
    Posted::Unavailable
}

/// The event of a stream's end, with the posted result in it: settles the
/// hand-off's slot (a result posted later is refused). A result posted
/// through this route wins over one the provider brought (relay handoff
/// data). Other events pass unchanged.
pub(super) async fn collect(
    store: &Store,
    state: &CallState,
    event: Event,
) -> Result<Event, StoreError> {
    let (Event::AgentEnded { ok, data, at }, Some(handoff)) = (&event, Handoff::of(state)) else {
        return Ok(event);
    };
    let kept = store.settle(&state.call_id, &handoff.slot(), ENDED).await?;
    if kept == ENDED {
        return Ok(event);
    }
    let posted = serde_json::from_str(&kept)
        .map_err(|e| StoreError::Corrupt(format!("agent result: {e}")))?;
    Ok(Event::AgentEnded {
        ok: *ok,
        data: Some(posted).or(data.clone()),
        at: *at,
    })
}
