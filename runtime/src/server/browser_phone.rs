//! `POST /api/twilio/token`: an access token for a browser phone built on
//! Twilio's Voice JavaScript SDK. The page calls a flow through a TwiML App
//! whose voice URL is `/twilio/{flow}`; its caller arrives as
//! `client:<identity>` and is served like any other.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::App;
use crate::providers::twilio::token;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    identity: String,
    /// Seconds; Twilio's helper libraries default to an hour.
    ttl: Option<u64>,
}

pub async fn twilio_token(
    State(app): State<App>,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let keys = match app.outside.config.twilio_voice_keys() {
        Ok(keys) => keys,
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
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
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
