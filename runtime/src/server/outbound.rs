//! `POST /api/sms` and `POST /api/calls`: our own backend asks us to reach
//! out. Thin: validate, rate-limit, hand to [`Outside`](super::outside::Outside),
//! record the placed call, answer JSON.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::App;
use super::rate_limit::Limited;
use crate::engine::{Caller, Direction};
use crate::providers::Provider;
use crate::providers::rest::Placement;
use crate::providers::rest::RestError;
use crate::store::CallSummary;

#[derive(Deserialize)]
pub struct SmsRequest {
    to: String,
    text: String,
    provider: Provider,
    /// The message's DLT template id (India; Exotel's `DltTemplateId`).
    #[serde(default)]
    dlt_template: Option<String>,
}

#[derive(Deserialize)]
pub struct CallRequest {
    to: String,
    flow: String,
    provider: Provider,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, serde_json::Value>,
    /// RFC 3339 time to place the call at (a scheduled call), else now.
    #[serde(default)]
    at: Option<String>,
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// A provider failure as an HTTP answer: our configuration → 503; the
/// provider refused → 502 with its status, code and message.
fn rest_error(e: &RestError) -> Response {
    let status = match e {
        RestError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    };
    let mut body = json!({ "error": e.to_string() });
    if let RestError::Refused {
        status: provider_status,
        code,
        message,
    } = e
    {
        body["provider_status"] = json!(provider_status);
        body["provider_code"] = json!(code);
        body["provider_message"] = json!(message);
    }
    (status, Json(body)).into_response()
}

/// A JSON request and its destination in E.164, or why not (a 400).
/// A request that does not read is a 400, except a body over the limit: 413,
/// as docs/api.md promises.
fn read<T>(
    body: Result<Json<T>, JsonRejection>,
    to: impl Fn(&T) -> &str,
) -> Result<(T, String), (StatusCode, String)> {
    let Json(request) = body.map_err(|e| {
        let status = match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        (status, e.body_text())
    })?;
    let number =
        ivr_compiler::phone::e164(to(&request)).map_err(|why| (StatusCode::BAD_REQUEST, why))?;
    Ok((request, number))
}

pub async fn send_sms(
    State(app): State<App>,
    body: Result<Json<SmsRequest>, JsonRejection>,
) -> Response {
    let (request, to) = match read(body, |r: &SmsRequest| &r.to) {
        Ok(read) => read,
        Err((status, why)) => return error(status, why),
    };
    if request.text.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "`text` is empty");
    }
    match app
        .outside
        .sms(
            request.provider,
            &to,
            &request.text,
            request.dlt_template.as_deref(),
        )
        .await
    {
        Ok(id) => {
            metrics::counter!("ivr_sms_total", "provider" => request.provider.as_str(), "outcome" => "sent").increment(1);
            Json(json!({ "id": id, "to": to, "provider": request.provider })).into_response()
        }
        Err(e) => {
            metrics::counter!("ivr_sms_total", "provider" => request.provider.as_str(), "outcome" => "failed").increment(1);
            rest_error(&e)
        }
    }
}

pub async fn place_call(
    State(app): State<App>,
    headers: axum::http::HeaderMap,
    body: Result<Json<CallRequest>, JsonRejection>,
) -> Response {
    let (request, to) = match read(body, |r: &CallRequest| &r.to) {
        Ok(read) => read,
        Err((status, why)) => return error(status, why),
    };
    if let Some(at) = request.at {
        let call = super::campaigns::ScheduledCall {
            flow: request.flow,
            provider: request.provider,
            to,
            from: request.from,
            vars: request.vars,
            at,
        };
        let key = super::campaigns::idempotency_key(&headers);
        return super::campaigns::schedule_call(&app, call, key.as_deref()).await;
    }
    let Some(graph) = app.registry.current(&request.flow) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no flow named `{}`", request.flow),
        );
    };
    if let Err(limited) = app.call_limiter.check(&to) {
        let why = match limited {
            Limited::Global => "too many calls placed; try again shortly",
            Limited::Destination => "too many calls to this number; try again later",
        };
        return error(StatusCode::TOO_MANY_REQUESTS, why);
    }
    let base_url = app.config.base_url();
    let placement = Placement {
        provider: request.provider,
        to: &to,
        from: request.from.as_deref(),
        flow: &request.flow,
        vars: &request.vars,
        base_url: &base_url,
        webhooks: &app.config.webhooks,
        status_tag: None,
        detect_machine: graph.reads_answered_by,
    };
    let placed = match app.outside.call(&placement).await {
        Ok(placed) => placed,
        Err(e) => {
            metrics::counter!("ivr_calls_placed_total", "provider" => request.provider.as_str(), "outcome" => "failed").increment(1);
            return rest_error(&e);
        }
    };
    metrics::counter!("ivr_calls_placed_total", "provider" => request.provider.as_str(), "outcome" => "placed").increment(1);
    let summary = CallSummary::placed(
        &placed.call_id,
        &request.flow,
        &graph.version,
        // The customer is `call.from` (docs/LANGUAGE.md), as the webhooks say.
        Caller {
            from: to.clone(),
            to: placed.from.clone(),
            direction: Direction::Outbound,
            answered_by: None,
        },
        app.now(),
    );
    if let Err(e) = app.store.placed(&summary).await {
        // The call is placed all the same; its first webhook records it.
        tracing::warn!(call_sid = ?placed.call_id, error = %e, "could not record a placed call");
    }
    (
        StatusCode::CREATED,
        Json(json!({
            "id": placed.call_id,
            "provider": request.provider,
            "flow": request.flow,
            "to": to,
            "from": placed.from,
            "status": "ringing",
        })),
    )
        .into_response()
}
