//! Exotel routes: the generic app's Passthru and dynamic applet URLs.
//!
//! - `GET /exotel/{flow}/passthru` — every loop of the app comes here; the
//!   answer is `{"select": "<applet>"}` for the Switch Case
//! - `GET|HEAD /exotel/{flow}/{applet}` — the dynamic applet URLs (greeting,
//!   gather, connect, voicebot, sms), answered from the call's current plan
//! - with `EXOTEL_WEBHOOK_SECRET` set, every URL is `/exotel/{secret}/{flow}/…`
//!   and the secret is compared in constant time; other paths get 403.
//!
//! Exotel URLs cannot carry a turn number (they are fixed in the dashboard),
//! so a retried Passthru is recognised by its parameters: the same request
//! twice gets the same answer and advances the call once.
//!
//! A Passthru whose call-out outlasts the turn budget selects a hold plan
//! (the prompts so far and a filler Greeting) and the call-out finishes in
//! the background ([`super::hold`], [`Resume`]); Passthrus that come back
//! before it did wait up to the budget, then hear the filler again.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tracing::Instrument;

use tokio::time::Instant as Deadline;

use super::turn::{Render, graph_of, remember_graph, run_effects};
use super::{App, hold};
use crate::engine::{self, CallState, Instruction, Turn, Waiting};
use crate::providers::exotel::{self, Applet, Passthru, Plan, applets, decode};
use crate::providers::{DecodeError, Params, Provider};
use crate::store::{Commit, Outcome, Snapshot, StoreError, Visit};

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/exotel/{flow}/{endpoint}",
            get(open_endpoint).head(open_endpoint).post(open_status),
        )
        .route(
            "/exotel/{secret}/{flow}/{endpoint}",
            get(secret_endpoint)
                .head(secret_endpoint)
                .post(secret_status),
        )
}

/// What the Exotel adapter keeps with a call (in `CallState::channel`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Channel {
    plan: Plan,
    /// The parameters of the last Passthru served, to recognise a retry.
    last_passthru: u64,
}

async fn open_endpoint(
    State(app): State<App>,
    method: Method,
    Path((flow, endpoint)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    if app.config.exotel_secret.is_some() {
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    endpoint_for(app, method, flow, endpoint, query).await
}

async fn secret_endpoint(
    State(app): State<App>,
    method: Method,
    Path((secret, flow, endpoint)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let ok = app
        .config
        .exotel_secret
        .as_ref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(secret.as_bytes())));
    if !ok {
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    endpoint_for(app, method, flow, endpoint, query).await
}

async fn endpoint_for(
    app: App,
    method: Method,
    flow: String,
    endpoint: String,
    query: Option<String>,
) -> Response {
    let params: Params = query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let call_id = match decode::call_id(&params) {
        Ok(id) => id.to_string(),
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let span = tracing::info_span!("call", call_sid = ?call_id, flow = ?flow);
    async move {
        if endpoint == exotel::PASSTHRU {
            return passthru(&app, &flow, &call_id, &params).await;
        }
        let Ok(applet) = endpoint.parse::<Applet>() else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let reply = match app.store.load(&call_id, None).await {
            Ok(Some(snapshot)) => applets::reply(channel(&snapshot.state).plan.current(), applet),
            Ok(None) => applets::reply(None, applet),
            Err(e) => {
                tracing::error!(error = %e, "call store failed");
                applets::reply(None, applet)
            }
        };
        let mut response =
            ([(header::CONTENT_TYPE, reply.content_type)], reply.body).into_response();
        if method == Method::HEAD {
            // HEAD answers the same headers with no body (Exotel checks Greeting/SMS URLs so).
            *response.body_mut() = axum::body::Body::empty();
        }
        response
    }
    .instrument(span)
    .await
}

/// `POST /exotel/[{secret}/]{flow}/status`: the StatusCallback of calls we
/// placed (form or JSON; `CallSid` and `Status`). 204, like Twilio's.
async fn open_status(
    State(app): State<App>,
    Path((_flow, endpoint)): Path<(String, String)>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if app.config.exotel_secret.is_some() {
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    status_callback(&app, &endpoint, query, &headers, &body).await
}

async fn secret_status(
    State(app): State<App>,
    Path((secret, _flow, endpoint)): Path<(String, String, String)>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ok = app
        .config
        .exotel_secret
        .as_ref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(secret.as_bytes())));
    if !ok {
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    status_callback(&app, &endpoint, query, &headers, &body).await
}

/// `query` carries our campaign tag, when the call is a campaign's.
async fn status_callback(
    app: &App,
    endpoint: &str,
    query: Option<String>,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Response {
    if endpoint != "status" {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let params: Params = if is_json {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect()
    } else {
        url::form_urlencoded::parse(body).into_owned().collect()
    };
    let (Some(call_id), Some(raw)) = (
        params.get_ignore_case("CallSid").filter(|s| !s.is_empty()),
        params.get_ignore_case("Status"),
    ) else {
        return (StatusCode::BAD_REQUEST, "missing CallSid or Status\n").into_response();
    };
    let status = match raw {
        "queued" | "ringing" | "initiated" => Some(crate::store::CallStatus::Ringing),
        "answered" => Some(crate::store::CallStatus::InProgress),
        other => crate::store::CallStatus::parse(&other.replace('-', "_")),
    };
    let Some(status) = status else {
        return (StatusCode::BAD_REQUEST, format!("unknown Status {raw:?}\n")).into_response();
    };
    if let Err(e) = app.store.set_status(call_id, status, app.now()).await {
        tracing::warn!(call_sid = ?call_id, error = %e, "could not record a status callback");
    }
    if status.is_final() {
        let tag: Params = query
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        super::dialer::report(app, &tag, call_id, raw).await;
    }
    StatusCode::NO_CONTENT.into_response()
}

fn channel(state: &CallState) -> Channel {
    state
        .channel
        .as_ref()
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default()
}

fn text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, applets::TEXT)], body).into_response()
}

/// A stable fingerprint of a request's parameters (order-independent).
fn fingerprint(params: &Params) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut pairs: Vec<&(String, String)> = params.pairs().iter().collect();
    pairs.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    pairs.hash(&mut h);
    h.finish()
}

/// Bound on engine steps and plan walks in one Passthru (defence in depth:
/// a failure exit leading straight back to something Exotel cannot do).
const MAX_ROUNDS: usize = 20;

async fn passthru(app: &App, flow: &str, call_id: &str, params: &Params) -> Response {
    let deadline = Deadline::now() + app.config.turn_budget;
    let now = app.now();
    let print = fingerprint(params);
    let mut snapshot = match app.store.load(call_id, None).await {
        Ok(s) => s,
        Err(e) => return store_down(e),
    };
    if let Some(s) = &snapshot
        && channel(&s.state).last_passthru == print
        && let Some(reply) = &s.reply
    {
        return text(StatusCode::OK, reply.body.clone());
    }
    let mut orphaned = None;
    if let Some(s) = &snapshot
        && hold_heard(&s.state)
    {
        match back_from_hold(app, call_id, &s.state, now, deadline).await {
            Ok(BackFromHold::Moved(newer)) => snapshot = Some(*newer),
            Ok(BackFromHold::Orphaned(event)) => orphaned = Some(event),
            Err(response) => return response,
        }
    }
    let (graph, expected, mut state, mut plan) = match snapshot {
        None => {
            let Some(graph) = app.registry.current(flow) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            if let Err(e) = remember_graph(app, &graph).await {
                return store_down(e);
            }
            (graph, None, None, None)
        }
        Some(s) => {
            let graph = match graph_of(app, &s.state.version).await {
                Ok(Some(g)) => g,
                Ok(None) => return text(StatusCode::OK, applets::select(Applet::Hangup).body),
                Err(e) => return store_down(e),
            };
            let plan = channel(&s.state).plan;
            (graph, Some(s.state.turn), Some(s.state), Some(plan))
        }
    };
    let mut visits: Vec<Visit> = Vec::new();
    let mut selected = Applet::Hangup;
    let mut running = None;
    for _ in 0..MAX_ROUNDS {
        let decided = match orphaned.take() {
            Some(event) => Passthru::Event(event),
            None => match exotel::passthru(plan.as_mut(), params, now) {
                Ok(d) => d,
                Err(DecodeError::Missing(name)) => {
                    return text(StatusCode::BAD_REQUEST, format!("missing {name}\n"));
                }
                Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            },
        };
        match decided {
            Passthru::Select(applet) => {
                selected = applet;
                break;
            }
            Passthru::Event(event) => {
                let turn: Turn = match (state.take(), event) {
                    (
                        None,
                        engine::Event::Started {
                            call_id,
                            caller,
                            at,
                        },
                    ) => {
                        let vars = decode::custom_field(params)
                            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
                            .and_then(|v| v.get("vars").cloned())
                            .and_then(|v| serde_json::from_value(v).ok())
                            .unwrap_or_default();
                        engine::start_with_vars(&graph, call_id, caller, vars, at)
                    }
                    (None, _) => return text(StatusCode::OK, applets::select(Applet::Hangup).body),
                    (Some(s), event) => match super::agent::collect(&app.store, &s, event).await {
                        Ok(event) => engine::step(&graph, s, event),
                        Err(e) => return store_down(e),
                    },
                };
                let mut walk = run_effects(app, Provider::Exotel, &graph, turn, deadline).await;
                visits.append(&mut walk.visits);
                plan = Some(match walk.running {
                    // Held: the prompts so far and a filler, then back here.
                    Some(_) => Plan {
                        steps: applets::hold(&walk.instructions, app.config.hold_audio.as_deref()),
                        next: 0,
                    },
                    None => Plan::new(
                        &crate::handoff::with_result_parameters(
                            &app.handoff_key,
                            &app.config.base_url(),
                            &walk.state,
                            &walk.instructions,
                        )
                        .unwrap_or(walk.instructions),
                    ),
                });
                running = walk.running;
                state = Some(walk.state);
            }
        }
    }
    let Some(mut state) = state else {
        return text(StatusCode::OK, applets::select(Applet::Hangup).body);
    };
    // Walking the plan changes the call too: the turn moves on so the
    // commit's compare-and-set covers it.
    if expected.is_some_and(|t| state.turn <= t) {
        state.turn = expected.unwrap_or(0) + 1;
    }
    let plan = plan.unwrap_or_default();
    state.channel = serde_json::to_value(Channel {
        plan,
        last_passthru: print,
    })
    .ok();
    let reply = applets::select(selected).body;
    let outcome = app
        .store
        .commit(Commit {
            expected,
            state: &state,
            reply: &reply,
            visits: &visits,
        })
        .await;
    if let Some(running) = running {
        if matches!(outcome, Ok(Outcome::Committed)) {
            hold::count(&state.flow);
            let resume = Arc::new(Resume {
                hold_audio: app.config.hold_audio.clone(),
            });
            hold::finish_later(app.clone(), Provider::Exotel, graph, state, running, resume);
        } else {
            running.abort();
        }
    }
    match outcome {
        Ok(Outcome::Committed) => text(StatusCode::OK, reply),
        Ok(Outcome::Replay(body)) => text(StatusCode::OK, body),
        Ok(Outcome::Conflict(_)) => text(StatusCode::OK, applets::select(Applet::Hangup).body),
        Err(e) => store_down(e),
    }
}

/// How a held Exotel turn finished in the background is stored: the plan
/// keeps the steps Exotel has already been told (it may still be fetching
/// the current one's URL), drops the rest of the hold, and goes on with the
/// turn's steps, for the next Passthru to select. The reply stays the one
/// the last Passthru got, for its retries.
struct Resume {
    hold_audio: Option<String>,
}

impl Render for Resume {
    fn render(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> String {
        let mut channel = channel(state);
        let plan = &mut channel.plan;
        plan.steps.truncate(plan.next);
        plan.steps.extend(if held {
            applets::hold(instructions, self.hold_audio.as_deref())
        } else {
            applets::plan(instructions)
        });
        let told = plan
            .current()
            .and_then(|s| s.applet())
            .unwrap_or(Applet::Hangup);
        state.channel = serde_json::to_value(channel).ok();
        applets::select(told).body
    }
}

/// Is the call held with every step of its hold plan heard? Then its
/// Passthru waits for the effect rather than walking the plan.
fn hold_heard(state: &CallState) -> bool {
    let plan = channel(state).plan;
    state.waiting == Waiting::Effect && plan.next >= plan.steps.len()
}

enum BackFromHold {
    /// The call moved on (the effect's answer is in): continue from here.
    Moved(Box<Snapshot>),
    /// Nobody will answer any more: feed the engine this failure.
    Orphaned(engine::Event),
}

/// A Passthru back from a hold whose steps have all been heard: wait up to
/// the budget for the effect's answer. `Err`: the answer to give now —
/// another hold (the filler Greeting again, nothing stored), or the end.
async fn back_from_hold(
    app: &App,
    call_id: &str,
    held: &CallState,
    now: engine::Millis,
    deadline: Deadline,
) -> Result<BackFromHold, Response> {
    let hangup = || text(StatusCode::OK, applets::select(Applet::Hangup).body);
    match hold::moved_on(app, call_id, held.turn, deadline).await {
        Err(e) => return Err(store_down(e)),
        Ok(Some(None)) => return Err(hangup()),
        Ok(Some(Some(newer))) => return Ok(BackFromHold::Moved(Box::new(newer))),
        Ok(None) => {}
    }
    let graph = match graph_of(app, &held.version).await {
        Ok(Some(g)) => g,
        Ok(None) => return Err(hangup()),
        Err(e) => return Err(store_down(e)),
    };
    if !hold::orphaned(app, &graph, held) {
        hold::count(&held.flow);
        return Err(text(StatusCode::OK, applets::select(Applet::Greeting).body));
    }
    tracing::warn!("a held call's effect never reported; taking its failure exit");
    Ok(BackFromHold::Orphaned(engine::Event::EffectDone {
        result: hold::failure(&graph, held.node),
        at: now,
    }))
}

/// When the store fails the caller is sent to the Hangup case (the generic
/// app plays its goodbye there), never a 5xx.
fn store_down(e: StoreError) -> Response {
    tracing::error!(error = %e, "call store failed; ending the Exotel call politely");
    text(StatusCode::OK, applets::select(Applet::Hangup).body)
}
