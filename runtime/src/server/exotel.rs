//! Exotel routes: the generic app's Passthru and dynamic applet URLs, thin
//! adapters from HTTP to [`turn::run`] and back.
//!
//! - `GET|POST /exotel/{flow}/passthru` — every loop of the app comes here;
//!   the answer is `{"select": "<applet>"}` for the Switch Case (Exotel may
//!   call a Passthru by GET or POST: both are taken, query and form alike)
//! - `GET|HEAD /exotel/{flow}/{applet}` — the dynamic applet URLs (greeting,
//!   gather, connect, voicebot, sms), answered from the call's current plan;
//!   HEAD answers the same headers as GET, `Content-Length` included
//! - `POST /exotel/{flow}/status` — the StatusCallback of calls we placed
//! - with `EXOTEL_WEBHOOK_SECRET` set, every URL is `/exotel/{secret}/{flow}/…`
//!   and the secret is compared in constant time; other paths get 403.
//!
//! What a Passthru means for the call (the applet walk, retries, holds) is
//! the Exotel adapter's ([`crate::providers::exotel::Exotel`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;
use tracing::Instrument;

use super::App;
use super::turn;
use super::walk::Answer;
use crate::providers::exotel::{self, Applet, Channel, Exotel, applets, decode};
use crate::providers::{Adapter, Params};
use crate::store::retried;

pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/exotel/{flow}/{endpoint}",
            get(open_endpoint).post(open_endpoint),
        )
        .route(
            "/exotel/{secret}/{flow}/{endpoint}",
            get(secret_endpoint).post(secret_endpoint),
        )
}

async fn open_endpoint(
    State(app): State<App>,
    method: Method,
    Path((flow, endpoint)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if app.config.webhooks.exotel_secret.is_some() {
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    let request = Request {
        method,
        flow,
        endpoint,
        query,
        headers,
        body,
    };
    endpoint_for(app, request).await
}

async fn secret_endpoint(
    State(app): State<App>,
    method: Method,
    Path((secret, flow, endpoint)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ok = app
        .config
        .webhooks
        .exotel_secret
        .as_ref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(secret.as_bytes())));
    if !ok {
        return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
    }
    let request = Request {
        method,
        flow,
        endpoint,
        query,
        headers,
        body,
    };
    endpoint_for(app, request).await
}

struct Request {
    method: Method,
    flow: String,
    endpoint: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Request {
    fn query(&self) -> Params {
        Params::parse(self.query.as_deref().unwrap_or(""))
    }

    /// The body's parameters: a form, or a JSON object of strings and
    /// numbers (`StatusCallbackContentType=application/json`).
    fn body(&self) -> Params {
        let is_json = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Params::parse(&String::from_utf8_lossy(&self.body));
        }
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&self.body)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::String(s) => Some((k, s)),
                serde_json::Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect()
    }
}

async fn endpoint_for(app: App, request: Request) -> Response {
    let post = request.method == Method::POST;
    match request.endpoint.as_str() {
        // `query` carries our campaign tag, when the call is a campaign's.
        "status" if post => {
            let params = request.body();
            super::status::record(&app, decode::call_status(&params), &request.query()).await
        }
        exotel::PASSTHRU => {
            let mut params = request.query();
            if post {
                params.extend(request.body());
            }
            passthru(&app, &request.flow, params).await
        }
        _ if post => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        endpoint => match endpoint.parse::<Applet>() {
            Ok(applet) => applet_url(&app, &request, applet).await,
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

async fn passthru(app: &App, flow: &str, params: Params) -> Response {
    let call_id = match decode::call_id(&params) {
        Ok(id) => id.to_string(),
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    let span = tracing::info_span!("call", call_sid = ?call_id, flow = ?flow);
    let adapter = Arc::new(Exotel {
        params,
        hold_audio: app.config.hold_audio.clone(),
        fallback_number: app.config.fallback_number.clone(),
    });
    let answer = turn::run(app, flow, &call_id, None, adapter.clone())
        .instrument(span)
        .await;
    match answer {
        Answer::Body(body) => text(StatusCode::OK, body),
        Answer::NoFlow => StatusCode::NOT_FOUND.into_response(),
        Answer::UnknownCall => text(StatusCode::OK, adapter.unknown_call()),
        Answer::BadRequest(why) => text(StatusCode::BAD_REQUEST, format!("{why}\n")),
        Answer::StoreDown(e) => {
            tracing::error!(error = %e, "call store failed; answering with the fallback");
            text(StatusCode::OK, adapter.store_down())
        }
    }
}

/// An applet's URL, answered from the call's plan. A request without a
/// `CallSid` (Exotel's HEAD may come without one) or while the store is
/// down gets the applet's safe answer. Fetching it marks the last
/// Passthru's answer followed: a Passthru after it is a new one, whatever
/// its parameters ([`Exotel`]'s `is_retry`).
async fn applet_url(app: &App, request: &Request, applet: Applet) -> Response {
    let params = request.query();
    let plan = match decode::call_id(&params) {
        Err(_) if request.method != Method::HEAD => {
            return text(StatusCode::BAD_REQUEST, "missing CallSid\n".into());
        }
        Err(_) => None,
        Ok(call_id) => match retried(|| app.store.follow(call_id)).await {
            Ok(snapshot) => snapshot.map(|s| Channel::of(&s.state).plan),
            Err(e) => {
                tracing::error!(call_sid = ?call_id, error = %e, "call store failed");
                None
            }
        },
    };
    let reply = exotel::applet(plan.as_ref(), applet, app.config.fallback_number.as_deref());
    let length = reply.body.len();
    let mut response = ([(header::CONTENT_TYPE, reply.content_type)], reply.body).into_response();
    if request.method == Method::HEAD {
        // The same headers as GET (Exotel checks Greeting and SMS URLs so),
        // the length of the body GET would send included, and no body.
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        *response.body_mut() = axum::body::Body::empty();
    }
    response
}

fn text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, applets::TEXT)], body).into_response()
}
