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

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use tracing::Instrument;

use std::sync::Arc;

use super::App;
use super::turn::{self, Answer, Begin, Render};
use crate::engine::{CallState, Instruction};
use crate::providers::twilio::{self, Step, decode, signature, twiml};
use crate::providers::{Params, Provider};
use crate::store::CallStatus;

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
            &format!("/twilio/{{flow}}/{{turn}}/{}", twilio::TRANSCRIPT),
            post(transcript),
        )
        .route("/twilio/{flow}/{turn}/{step}", post(action).get(action))
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
        Err(e) => (
            StatusCode::BAD_REQUEST,
            format!(
                "{e}
"
            ),
        )
            .into_response(),
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
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let form: Vec<(String, String)> = if *method == Method::POST {
        url::form_urlencoded::parse(body).into_owned().collect()
    } else {
        Vec::new()
    };
    if let Some(token) = &app.config.twilio_auth_token {
        let url = public_url(app, uri, headers);
        let given = headers
            .get("X-Twilio-Signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // Twilio signs the URL (query included) plus the POST form parameters.
        if given.is_empty() || !signature::validate(token, &url, &form, given) {
            tracing::warn!(%url, "rejected a Twilio request with a bad or missing signature");
            return Err(Forbidden);
        }
    }
    pairs.extend(form);
    Ok(Params::new(pairs))
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

fn answer(app: &App, flow: &str, answer: Answer) -> Response {
    match answer {
        Answer::Body(body) => xml(body),
        Answer::NoFlow => (StatusCode::NOT_FOUND, "no such flow\n").into_response(),
        Answer::UnknownCall => xml(twiml::apology()),
        Answer::BadRequest(why) => (StatusCode::BAD_REQUEST, format!("{why}\n")).into_response(),
        Answer::StoreDown(e) => {
            tracing::error!(error = %e, "call store failed; answering with the fallback");
            xml(fallback(app, flow))
        }
    }
}

/// What a caller hears when the store is down: an apology, then the fallback
/// number if one is configured, else goodbye.
fn fallback(app: &App, flow: &str) -> String {
    use crate::engine::Instruction;
    let sorry = Instruction::Say {
        text: "We are sorry, we are having technical difficulties.".into(),
        language: "en-US".into(),
        voice: None,
        loops: 1,
        marked: Vec::new(),
    };
    let last = match &app.config.fallback_number {
        Some(number) => Instruction::Dial {
            targets: vec![number.clone()],
            caller_id: None,
            ring_timeout_s: 30,
            record: false,
        },
        None => Instruction::Hangup,
    };
    // When the fallback Dial ends Twilio requests its action URL. That must
    // not reach the store (it may still be down, and the answer would be this
    // fallback again: a caller dialled round in a loop), so it is a route of
    // its own that only hangs up.
    twiml::render(
        &[sorry, last],
        &format!("{}/twilio/{flow}/fallback", app.config.base_url()),
        None,
    )
}

/// The end of the store-down fallback: hang up.
async fn fallback_done(_: Signed) -> Response {
    xml(twiml::render(
        &[crate::engine::Instruction::Hangup],
        "",
        None,
    ))
}

/// TwiML for a turn of `flow`: action URLs carry the turn the call is now at
/// and the step that will report back; a hold redirects to the held turn's
/// `hold` step.
fn renderer(app: &App, flow: &str) -> Arc<dyn Render> {
    Arc::new(Twiml {
        base: app.config.base_url(),
        flow: flow.to_string(),
        hold_audio: app.config.hold_audio.clone(),
    })
}

struct Twiml {
    base: String,
    flow: String,
    hold_audio: Option<String>,
}

impl Render for Twiml {
    fn render(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> String {
        let Twiml {
            base,
            flow,
            hold_audio,
        } = self;
        if held {
            let back = format!("{base}/twilio/{flow}/{}/{}", state.turn, Step::Hold);
            return twiml::hold(instructions, hold_audio.as_deref(), &back);
        }
        let step = Step::after(instructions).unwrap_or(Step::Gather);
        let action = format!("{base}/twilio/{flow}/{}/{step}", state.turn);
        twiml::render(
            instructions,
            &action,
            Some(&format!("{base}/twilio/{flow}/wait")),
        )
    }
}

async fn new_call(
    State(app): State<App>,
    Path(flow): Path<String>,
    Signed(params): Signed,
) -> Response {
    let (call_id, caller) = match decode::event(Step::Start, &params, app.now()) {
        Ok(crate::engine::Event::Started {
            call_id, caller, ..
        }) => (call_id, caller),
        Ok(_) => unreachable!("Step::Start decodes to Started"),
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let span = tracing::info_span!("call", call_sid = %call_id, flow = %flow);
    let begin = Begin::New {
        call_id: &call_id,
        caller,
        vars: start_vars(&params),
    };
    let a = turn::run(
        &app,
        Provider::Twilio,
        &flow,
        begin,
        |_| unreachable!("a new call decodes nothing"),
        renderer(&app, &flow),
    )
    .instrument(span)
    .await;
    answer(&app, &flow, a)
}

/// Variables for a call we placed ourselves: our outbound-call URL carries
/// them as `ivr_vars` (JSON), covered by Twilio's signature like the rest of
/// the URL. Undeclared or mistyped ones are dropped by the engine.
fn start_vars(params: &Params) -> std::collections::BTreeMap<String, serde_json::Value> {
    params
        .get("ivr_vars")
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default()
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
    let span = tracing::info_span!("call", call_sid = %call_id, flow = %flow);
    let at = app.now();
    let begin = Begin::Continue {
        call_id: &call_id,
        turn: Some(turn),
    };
    let a = turn::run(
        &app,
        Provider::Twilio,
        &flow,
        begin,
        |_| decode::event(step, &params, at),
        renderer(&app, &flow),
    )
    .instrument(span)
    .await;
    answer(&app, &flow, a)
}

async fn wait(Signed(params): Signed) -> Response {
    match decode::queue_wait(&params) {
        Ok(wait) => xml(twiml::queue_wait(&wait)),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

async fn status(State(app): State<App>, Signed(params): Signed) -> Response {
    let (Ok(call_id), Some(raw)) = (decode::call_id(&params), params.get("CallStatus")) else {
        return (StatusCode::BAD_REQUEST, "missing CallSid or CallStatus\n").into_response();
    };
    let parsed = match raw {
        "queued" | "initiated" => Some(CallStatus::Ringing),
        other => CallStatus::parse(&other.replace('-', "_")),
    };
    let Some(status) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            format!("unknown CallStatus {raw:?}\n"),
        )
            .into_response();
    };
    if let Err(e) = app.store.set_status(call_id, status, app.now()).await {
        tracing::warn!(call_sid = %call_id, error = %e, "could not record a status callback");
    }
    if status.is_final() {
        super::dialer::report(&app, &params, call_id, raw).await;
    }
    StatusCode::NO_CONTENT.into_response()
}
