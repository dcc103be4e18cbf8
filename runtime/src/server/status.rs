//! Status callbacks, for either provider: record where the call is, and
//! report a placed call's end to its campaign.
//!
//! A status not recorded is not acknowledged: when the store is down (after
//! the one retry of a dropped connection) the answer is 503, for this
//! callback only, so a provider that retries failed callbacks sends it
//! again rather than leave the call `in_progress` for ever.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::App;
use crate::providers::{DecodeError, Params, StatusCallback};
use crate::store::retried;

/// Record `callback` (decoded by the provider); `tag` carries our campaign
/// attempt when the call is a campaign's.
pub async fn record(
    app: &App,
    callback: Result<StatusCallback<'_>, DecodeError>,
    tag: &Params,
) -> Response {
    let StatusCallback {
        call_id,
        status,
        raw,
    } = match callback {
        Ok(callback) => callback,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let now = app.now();
    if let Err(e) = retried(|| app.store.set_status(call_id, status, now)).await {
        tracing::error!(call_sid = ?call_id, error = %e, "could not record a status callback; asking the provider to send it again");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "5")],
            "call store unavailable\n",
        )
            .into_response();
    }
    if status.is_final() {
        super::dialer::report(app, tag, call_id, raw).await;
    }
    StatusCode::NO_CONTENT.into_response()
}
