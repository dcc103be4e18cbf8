//! Transcripts of recordings, which arrive after the call has moved on.
//!
//! A `record … transcribe into VAR` node that takes `done` sets `VAR` to
//! `""` and notes, in [`CallState::transcripts`], the turn its recording was
//! asked at. The provider transcribes later and posts the text back under
//! that turn; the server hands it over with [`arrive`] before the call's next
//! step. A transcript for a recording the call no longer waits for (a newer
//! one replaced it, or the call ended) changes nothing here.

use serde_json::Value;

use super::CallState;

/// A transcript as a provider reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcribed {
    pub call_id: String,
    /// The text; None when the provider could not transcribe the recording.
    pub text: Option<String>,
    /// The recording transcribed, when the provider says.
    pub recording_url: Option<String>,
}

/// Put the transcript of the recording asked at `asked_at` into its
/// variable. Returns the variable, or None when the call does not wait for
/// that transcript (then nothing changes).
pub fn arrive(state: &mut CallState, asked_at: u64, text: &str) -> Option<String> {
    if state.ended {
        return None;
    }
    let var = state.transcripts.remove(&asked_at)?;
    state
        .vars
        .insert(var.clone(), Value::String(text.to_string()));
    Some(var)
}

/// The turn of the newest recording whose transcript the call waits for.
pub fn newest(state: &CallState) -> Option<u64> {
    state.transcripts.keys().next_back().copied()
}
