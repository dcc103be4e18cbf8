//! Twilio routes: thin adapters from HTTP to [`turn::run`] and back.
//!
//! - `POST|GET /twilio/{flow}` — a new call (the number's voice URL)
//! - `POST /twilio/{flow}/{turn}/{step}` — action URLs we render; `turn` makes
//!   a retried request recognisable, `step` says which verb reports (`hold`:
//!   the `<Redirect>` back from a hold while a slow call-out runs on)
//! - `POST /twilio/{flow}/wait` — the queue's hold page
//! - `POST /twilio/{flow}/status` — status callbacks (204)
//! - `POST /twilio/{flow}/{turn}/transcript` — a recording's transcript
//!   (`transcribeCallback`), kept by [`super::transcripts`] (204)
//! - `POST /twilio/{flow}/fallback` — where the store-down fallback's Dial
//!   reports: hang up, touching nothing
//! - `POST|GET /twilio/{flow}/error` — the number's Fallback URL, which
//!   Twilio requests (with `ErrorCode`, `ErrorUrl`) when the voice URL
//!   failed: the same apology and fallback number as a store-down answer
//! - `POST /api/twilio/token` (under `/api`, behind its token) — an access
//!   token for a browser phone built on Twilio's Voice JavaScript SDK. The
//!   page calls a flow through a TwiML App whose voice URL is
//!   `/twilio/{flow}`; its caller arrives as `client:<identity>` and is
//!   served like any other.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use serde_json::json;
use tracing::Instrument;

use super::App;
use super::turn;
use super::walk::Answer;
use crate::engine::Instruction;
use crate::providers::Params;
use crate::providers::twilio::{self, Step, Twilio, decode, signature, token, twiml};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/twilio/{flow}", get(new_call).post(new_call))
        .route("/twilio/{flow}/status", post(status))
        .route("/twilio/{flow}/wait", post(wait).get(wait))
        .route(
            "/twilio/{flow}/fallback",
            post(fallback_done).get(fallback_done),
        )
        .route(
            "/twilio/{flow}/error",
            post(error_fallback).get(error_fallback),
        )
        .route(
            &format!("/twilio/{{flow}}/{{turn}}/{}", twilio::TRANSCRIPT),
            post(transcript),
        )
        .route("/twilio/{flow}/{turn}/{step}", post(action).get(action))
}

/// The routes under `/api` (behind the admin token).
pub fn api_routes() -> Router<App> {
    Router::new().route("/twilio/token", post(browser_token))
}

/// A recording's transcript: 204 once kept, 404 for a call we have no
/// record of, 400 for a request that is not a transcript.
async fn transcript(
    State(app): State<App>,
    Path((_flow, turn)): Path<(String, u64)>,
    Signed(params): Signed,
) -> Response {
    match decode::transcript(&params) {
        Ok(t) => super::transcripts::deliver(&app, turn, t)
            .await
            .into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

/// A request whose signature does not hold: 403.
struct Forbidden;

impl IntoResponse for Forbidden {
    fn into_response(self) -> Response {
        (StatusCode::FORBIDDEN, "invalid Twilio signature\n").into_response()
    }
}

/// A Twilio request's parameters (query and form), only once its signature
/// holds. Extracting it reads the body (64 KiB at most) and answers 403 or
/// 413 for the handler.
struct Signed(Params);

impl FromRequest<App> for Signed {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 64 * 1024)
            .await
            .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
        signed(app, &parts.method, &parts.uri, &parts.headers, &body)
            .map(Signed)
            .map_err(IntoResponse::into_response)
    }
}

/// Collect form and query parameters; when `TWILIO_AUTH_TOKEN` is set, check
/// `X-Twilio-Signature` over the public URL Twilio called.
fn signed(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Params, Forbidden> {
    let mut params = uri.query().map(Params::parse).unwrap_or_default();
    let form = if *method == Method::POST {
        Params::parse_bytes(body)
    } else {
        Params::default()
    };
    if let Some(token) = &app.config.webhooks.twilio_auth_token {
        let url = public_url(app, uri, headers);
        let given = headers
            .get("X-Twilio-Signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Twilio signs the URL (query included) plus the POST form parameters.
        if given.is_empty() || !signature::validate(token, &url, form.pairs(), given) {
            tracing::warn!(url = ?url, "rejected a Twilio request with a bad or missing signature");
            return Err(Forbidden);
        }
    }
    params.extend(form);
    Ok(params)
}

/// The URL as Twilio requested it: the configured public base + path + query.
fn public_url(app: &App, uri: &Uri, headers: &HeaderMap) -> String {
    let base = match &app.config.public_url {
        Some(base) => base.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    format!("{base}{path_and_query}")
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// The adapter for one webhook; `at`: the turn and step of an action URL.
fn adapter(app: &App, flow: &str, params: Params, at: Option<(u64, Step)>) -> Arc<Twilio> {
    Arc::new(Twilio {
        params,
        base: app.config.base_url(),
        flow: flow.to_string(),
        at,
        hold_audio: app.config.hold_audio.clone(),
        fallback_number: app.config.fallback_number.clone(),
    })
}

fn answer(adapter: &Twilio, answer: Answer) -> Response {
    use crate::providers::Adapter;
    match answer {
        Answer::Body(body) => xml(body),
        Answer::NoFlow => (StatusCode::NOT_FOUND, "no such flow\n").into_response(),
        Answer::UnknownCall => xml(adapter.unknown_call()),
        Answer::BadRequest(why) => (StatusCode::BAD_REQUEST, format!("{why}\n")).into_response(),
        Answer::StoreDown(e) => {
            tracing::error!(error = %e, "call store failed; answering with the fallback");
            xml(adapter.store_down())
        }
    }
}

/// The number's Fallback URL: our answer to some webhook failed (Twilio's
/// `ErrorCode`, e.g. 11200, and the `ErrorUrl` it requested). Nothing is
/// read from the store, which may be why: the caller hears the apology and
/// is put through to the fallback number, if there is one.
async fn error_fallback(
    State(app): State<App>,
    Path(flow): Path<String>,
    Signed(params): Signed,
) -> Response {
    use crate::providers::Adapter;
    tracing::warn!(
        flow = ?flow,
        call_sid = ?params.get("CallSid").unwrap_or(""),
        error_code = ?params.get("ErrorCode").unwrap_or(""),
        error_url = ?params.get("ErrorUrl").unwrap_or(""),
        "Twilio called the fallback URL"
    );
    xml(adapter(&app, &flow, params, None).store_down())
}

/// The end of the store-down fallback: hang up.
async fn fallback_done(_: Signed) -> Response {
    xml(twiml::render(&[Instruction::Hangup], "", None))
}

async fn new_call(
    State(app): State<App>,
    Path(flow): Path<String>,
    Signed(params): Signed,
) -> Response {
    let call_id = match decode::call_id(&params) {
        Ok(id) => id.to_string(),
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let span = tracing::info_span!("call", call_sid = ?call_id, flow = ?flow);
    let adapter = adapter(&app, &flow, params, None);
    let a = turn::run(&app, &flow, &call_id, None, adapter.clone())
        .instrument(span)
        .await;
    answer(&adapter, a)
}

async fn action(
    State(app): State<App>,
    Path((flow, turn, step)): Path<(String, u64, String)>,
    Signed(params): Signed,
) -> Response {
    let Ok(step) = step.parse::<Step>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let call_id = match decode::call_id(&params) {
        Ok(id) => id.to_string(),
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let span = tracing::info_span!("call", call_sid = ?call_id, flow = ?flow);
    let adapter = adapter(&app, &flow, params, Some((turn, step)));
    let a = turn::run(&app, &flow, &call_id, Some(turn), adapter.clone())
        .instrument(span)
        .await;
    answer(&adapter, a)
}

async fn wait(Signed(params): Signed) -> Response {
    match decode::queue_wait(&params) {
        Ok(wait) => xml(twiml::queue_wait(&wait)),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

/// A status callback; the campaign tag is in the signed URL's query.
async fn status(State(app): State<App>, Signed(params): Signed) -> Response {
    super::status::record(&app, decode::call_status(&params), &params).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    identity: String,
    /// Seconds; Twilio's helper libraries default to an hour.
    ttl: Option<u64>,
}

async fn browser_token(
    State(app): State<App>,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return json_error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let keys = match app.outside.config.twilio.voice_keys() {
        Ok(keys) => keys,
        Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let ttl = request.ttl.unwrap_or(token::DEFAULT_TTL_SECS);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match token::voice_token(&keys, &request.identity, ttl, now) {
        Ok(token) => Json(json!({
            "token": token,
            "identity": request.identity,
            "expires_at": now + ttl,
        }))
        .into_response(),
        Err(e) => json_error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

fn json_error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
