//! Recordings' transcripts, posted by the provider after the recording —
//! often after the call has ended (Twilio's `transcribeCallback`).
//!
//! A transcript is kept with the call's history record, where
//! `GET /api/calls/{id}` shows it, whether the call is live or over. For a
//! live call it also goes into the flow's variable: it is settled in the
//! call's slot `transcript:{turn}` (any replica may take the callback), and
//! the call's next turn takes it from there ([`collect`]) before it steps.
//! The callback never advances the call itself: the call's turn, which the
//! provider's next webhook must match, stays as it is.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::App;
use crate::engine::CallState;
use crate::engine::transcript::{self, Transcribed};
use crate::store::{Store, Transcript};

/// What the callback gets: never a 5xx, since a provider retrying a
/// transcript could not make a failed store work either.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Kept (or the store failed, which is logged).
    Kept,
    /// No record of the call (never ours, or its history expired).
    UnknownCall,
}

impl IntoResponse for Delivered {
    fn into_response(self) -> Response {
        match self {
            Delivered::Kept => StatusCode::NO_CONTENT.into_response(),
            Delivered::UnknownCall => (StatusCode::NOT_FOUND, "no such call\n").into_response(),
        }
    }
}

fn slot(turn: u64) -> String {
    format!("transcript:{turn}")
}

/// Keep the transcript of the recording asked at `turn`.
pub async fn deliver(app: &App, turn: u64, t: Transcribed) -> Delivered {
    let kept = Transcript {
        turn,
        text: t.text.clone(),
        recording_url: t.recording_url.clone(),
        at: app.now(),
    };
    match app.store.transcribed(&t.call_id, &kept).await {
        Ok(true) => {}
        Ok(false) => return Delivered::UnknownCall,
        Err(e) => {
            tracing::error!(call_sid = %t.call_id, error = %e, "could not keep a transcript");
            return Delivered::Kept;
        }
    }
    let Some(text) = &t.text else {
        return Delivered::Kept;
    };
    // Settled even before the call's own turn says it waits for this one
    // (the callback may overtake the recording's action request); the slot
    // lives as long as a live call.
    let live = match app.store.load(&t.call_id, None).await {
        Ok(found) => found.is_some_and(|s| !s.state.ended),
        Err(e) => {
            tracing::error!(call_sid = %t.call_id, error = %e, "could not load a call for its transcript");
            false
        }
    };
    if live && let Err(e) = app.store.settle(&t.call_id, &slot(turn), text).await {
        tracing::error!(call_sid = %t.call_id, error = %e, "could not hand a transcript to its call");
    }
    Delivered::Kept
}

/// Put the transcripts that have arrived into the call's variables, before
/// its next step. A store that fails only delays them.
pub(super) async fn collect(store: &Store, state: &mut CallState) {
    let awaited: Vec<u64> = state.transcripts.keys().copied().collect();
    for turn in awaited {
        match store.peek(&state.call_id, &slot(turn)).await {
            Ok(Some(text)) => {
                transcript::arrive(state, turn, &text);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(call = %state.call_id, error = %e, "could not look for a transcript");
                return;
            }
        }
    }
}
