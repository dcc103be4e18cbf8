//! Call history: one record per call for `GET /api/calls` and
//! `GET /api/calls/{sid}`, written as part of every committed turn and by
//! provider status callbacks.
//!
//! The rules (mirrored by `turn.lua` and `status.lua` for Redis):
//! - a commit sets flow, version, caller and start; the status starts as
//!   `in_progress` (a placed call's record starts `ringing`, before any commit,
//!   and its first commit moves it to `in_progress`);
//! - a commit of an ended call sets `ended_at` (once) and, unless a status
//!   callback already gave a final status, the status `completed`;
//! - a status callback sets the status, except that a final status is never
//!   replaced by a non-final one; a final one also sets `ended_at` (once);
//! - the trace keeps the newest `trace_capacity` visits.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

pub use crate::engine::CallStatus;
use crate::engine::{CallState, Caller, Millis};

/// One node entered during a turn, with what the caller met there. The
/// visits of one turn share [`Visit::turn`]; the first of a turn says what
/// woke the call ([`Visit::event`], [`Visit::input`]), the last what the
/// caller heard and the provider answer. Secrets (`{env.NAME}` values) never
/// enter a visit. See docs/console.md for the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// The node's name in the flow.
    pub node: String,
    /// The exit taken out of it.
    pub exit: String,
    /// The caller's input that led here (digits, speech), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    pub at: Millis,
    /// The call's turn the visit belongs to (absent in traces stored before
    /// it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<u64>,
    /// What woke the call at this node: `started`, `digits`, `speech`,
    /// `no_input`, `dial_answered`…, `queue_bridged`…, `recorded`,
    /// `call_out`, `agent`, `hangup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The call-out this node made, once it answered (or failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_out: Option<CallOut>,
    /// What the caller heard in this turn (on the turn's last visit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heard: Vec<Heard>,
    /// Variables the turn set or changed, with their new values (on the
    /// turn's last visit); a value holding a secret is shown as `"••••"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// The provider answer of the turn (TwiML, Exotel's steps), on the turn's
    /// last visit. `GET /api/calls/{id}` leaves it out unless asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

impl Visit {
    pub fn new(node: impl Into<String>, exit: impl Into<String>, at: Millis) -> Visit {
        Visit {
            node: node.into(),
            exit: exit.into(),
            at,
            ..Visit::default()
        }
    }
}

/// One HTTP call-out, as an operator may see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOut {
    pub method: String,
    /// The URL with its password and secret-looking query values masked.
    pub url: String,
    /// The HTTP status; 0 when nothing usable came back (time-out,
    /// connection error, a body that is not JSON).
    pub status: u16,
    /// From the request to the answer, in milliseconds.
    pub latency_ms: u64,
}

/// Something the caller heard: spoken text or audio.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heard {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// A call in the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallSummary {
    pub call_id: String,
    pub flow: String,
    pub version: String,
    pub caller: Caller,
    pub status: CallStatus,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub duration_ms: Option<i64>,
}

/// A call with its trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallDetail {
    #[serde(flatten)]
    pub summary: CallSummary,
    /// Nodes visited, oldest first.
    pub trace: Vec<Visit>,
    /// Transcripts of the call's recordings, by the turn each was asked at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcripts: Vec<Transcript>,
}

/// A recording's transcript as the provider posted it: often after the
/// call ended, so it is kept with the call's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The turn the recording was asked at (one transcript per recording:
    /// a repeated callback replaces it).
    pub turn: u64,
    /// None: the provider could not transcribe the recording.
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_url: Option<String>,
    /// When it arrived.
    pub at: Millis,
}

impl CallSummary {
    pub(crate) fn new(state: &CallState) -> CallSummary {
        CallSummary {
            call_id: state.call_id.clone(),
            flow: state.flow.clone(),
            version: state.version.clone(),
            caller: state.caller.clone(),
            status: CallStatus::InProgress,
            started_at: state.started_at,
            ended_at: None,
            duration_ms: None,
        }
    }

    /// A call we placed, before it is answered (status `ringing`).
    pub fn placed(
        call_id: &str,
        flow: &str,
        version: &str,
        caller: Caller,
        at: Millis,
    ) -> CallSummary {
        CallSummary {
            call_id: call_id.to_string(),
            flow: flow.to_string(),
            version: version.to_string(),
            caller,
            status: CallStatus::Ringing,
            started_at: at,
            ended_at: None,
            duration_ms: None,
        }
    }

    /// Apply a committed turn.
    pub(crate) fn on_commit(&mut self, state: &CallState) {
        // A webhook means the call is answered (a placed call was ringing).
        if self.status == CallStatus::Ringing {
            self.status = CallStatus::InProgress;
        }
        self.flow.clone_from(&state.flow);
        self.version.clone_from(&state.version);
        self.caller.clone_from(&state.caller);
        self.started_at = state.started_at;
        if state.ended {
            self.end(state.updated_at);
            if !self.status.is_final() {
                self.status = CallStatus::Completed;
            }
        }
    }

    /// Apply a status callback.
    pub(crate) fn on_status(&mut self, status: CallStatus, at: Millis) {
        if self.status.is_final() && !status.is_final() {
            return;
        }
        self.status = status;
        if status.is_final() {
            self.end(at);
        }
    }

    fn end(&mut self, at: Millis) {
        if self.ended_at.is_none() {
            self.ended_at = Some(at);
            self.duration_ms = Some(at - self.started_at);
        }
    }
}

/// The memory store's history: the newest `capacity` calls.
#[derive(Debug)]
pub(crate) struct History {
    records: HashMap<String, Record>,
    /// Call ids in the order they were first committed, oldest first.
    order: VecDeque<String>,
    capacity: usize,
    trace_capacity: usize,
}

#[derive(Debug)]
struct Record {
    summary: CallSummary,
    trace: VecDeque<Visit>,
    transcripts: BTreeMap<u64, Transcript>,
}

impl History {
    pub(crate) fn new(capacity: usize, trace_capacity: usize) -> History {
        History {
            records: HashMap::new(),
            order: VecDeque::new(),
            capacity,
            trace_capacity,
        }
    }

    pub(crate) fn on_commit(&mut self, state: &CallState, visits: &[Visit]) {
        if !self.records.contains_key(&state.call_id) {
            if self.capacity == 0 {
                return;
            }
            while self.order.len() >= self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.records.remove(&old);
                }
            }
            self.order.push_back(state.call_id.clone());
            let record = Record {
                summary: CallSummary::new(state),
                trace: VecDeque::new(),
                transcripts: BTreeMap::new(),
            };
            self.records.insert(state.call_id.clone(), record);
        }
        let Some(record) = self.records.get_mut(&state.call_id) else {
            return;
        };
        record.summary.on_commit(state);
        record.trace.extend(visits.iter().cloned());
        while record.trace.len() > self.trace_capacity {
            record.trace.pop_front();
        }
    }

    /// Record a call we placed, unless its first webhook already did.
    pub(crate) fn on_placed(&mut self, summary: &CallSummary) {
        if self.records.contains_key(&summary.call_id) || self.capacity == 0 {
            return;
        }
        while self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.records.remove(&old);
            }
        }
        self.order.push_back(summary.call_id.clone());
        let record = Record {
            summary: summary.clone(),
            trace: VecDeque::new(),
            transcripts: BTreeMap::new(),
        };
        self.records.insert(summary.call_id.clone(), record);
    }

    /// Keep a transcript with its call; false when the call is unknown.
    pub(crate) fn on_transcript(&mut self, call_id: &str, transcript: &Transcript) -> bool {
        let Some(record) = self.records.get_mut(call_id) else {
            return false;
        };
        record
            .transcripts
            .insert(transcript.turn, transcript.clone());
        true
    }

    pub(crate) fn on_status(&mut self, call_id: &str, status: CallStatus, at: Millis) {
        if let Some(record) = self.records.get_mut(call_id) {
            record.summary.on_status(status, at);
        }
    }

    /// Newest first, by start time (ties: call id descending, as Redis orders them).
    pub(crate) fn list(&self, limit: usize) -> Vec<CallSummary> {
        let mut all: Vec<&CallSummary> = self.records.values().map(|r| &r.summary).collect();
        all.sort_by(|a, b| (b.started_at, &b.call_id).cmp(&(a.started_at, &a.call_id)));
        all.into_iter().take(limit).cloned().collect()
    }

    pub(crate) fn get_summary(&self, call_id: &str) -> Option<&CallSummary> {
        self.records.get(call_id).map(|r| &r.summary)
    }

    pub(crate) fn get(&self, call_id: &str) -> Option<CallDetail> {
        self.records.get(call_id).map(|r| CallDetail {
            summary: r.summary.clone(),
            trace: r.trace.iter().cloned().collect(),
            transcripts: r.transcripts.values().cloned().collect(),
        })
    }
}
