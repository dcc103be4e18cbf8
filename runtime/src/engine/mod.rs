//! The engine: a pure state machine over a compiled [`Graph`].
//!
//! [`start`] and [`step`]: `step(graph, state, event) → Turn { state, instructions, effects, path }`.
//!
//! Architecture invariant: no I/O, no clock reads (time arrives in the event),
//! no provider names. Providers turn webhooks into [`Event`]s and
//! [`Instruction`]s into TwiML or Exotel responses; the server executes
//! [`Effect`]s (HTTP call-outs, SMS) and feeds their results back as events.

pub mod agent;
mod ask;
pub mod encode;
pub mod eval;
pub mod hours;
mod input;
pub mod prompt;
pub mod say_as;
pub mod split;
mod status;
mod step;
#[cfg(test)]
mod tests;
pub mod transcript;

pub use status::CallStatus;
pub use step::{MAX_VISITS, STOP, start, start_pinned, start_with_vars, step};

use std::collections::BTreeMap;

use ivr_compiler::graph::{Input, Method, NodeId, SayAs};
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (UTC). Time is always an input.
pub type Millis = i64;

/// Everything the runtime keeps about one call between webhooks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallState {
    /// The provider's call id (Twilio `CallSid`, Exotel `CallSid`).
    pub call_id: String,
    pub flow: String,
    /// The graph version the call started on; it finishes on it.
    pub version: String,
    /// The node the call is at (the one waiting for the next event).
    pub node: NodeId,
    /// What the call waits for at `node`.
    pub waiting: Waiting,
    /// Bumped once per applied event: a retried webhook carries an old turn.
    pub turn: u64,
    /// Per-node attempt counters for the node being asked (reset on entry).
    pub attempts: Attempts,
    /// How often the call has entered each node with a `max_visits`; never
    /// reset. (Absent in states stored before it existed.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub visits: BTreeMap<NodeId, u32>,
    pub vars: BTreeMap<String, serde_json::Value>,
    /// The call's current language (the flow's default until a `set` changes it).
    pub language: String,
    pub caller: Caller,
    pub started_at: Millis,
    pub updated_at: Millis,
    pub ended: bool,
    /// The whole call is being recorded (a `record_call` node ran): a second
    /// one does not start another recording.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recording_call: bool,
    /// Transcripts the call waits for: the turn whose `<Record>` asked for
    /// one → the variable it goes into (see [`transcript`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub transcripts: BTreeMap<u64, String>,
    /// Branches a test pinned: `split` node name → branch name. Real calls
    /// leave it empty and take the branch their call id hashes to.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pinned: BTreeMap<String, String>,
    /// Opaque data a provider adapter keeps with the call (Exotel's applet
    /// plan). The engine never reads or changes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    pub noinput: u32,
    pub nomatch: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub from: String,
    pub to: String,
    pub direction: Direction,
    /// Who picked up a placed call, when the provider was asked to tell
    /// (the flow reads `call.answered_by`); `None` reads as `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<AnsweredBy>,
}

/// Who answered a placed call: the value of `call.answered_by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnsweredBy {
    Human,
    /// An answering machine or voicemail (or a fax).
    Machine,
    Unknown,
}

impl AnsweredBy {
    pub fn as_str(self) -> &'static str {
        match self {
            AnsweredBy::Human => "human",
            AnsweredBy::Machine => "machine",
            AnsweredBy::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// What a call is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// Keys or speech (menu, gather).
    Input,
    Dial,
    Queue,
    Recording,
    Agent,
    /// An effect the server is executing (http, sms).
    Effect,
    /// The call has ended.
    Nothing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Started {
        call_id: String,
        caller: Caller,
        at: Millis,
    },
    Digits {
        digits: String,
        at: Millis,
    },
    Speech {
        text: String,
        confidence: Option<f64>,
        at: Millis,
    },
    NoInput {
        at: Millis,
    },
    Dialed {
        outcome: DialOutcome,
        at: Millis,
    },
    Queued {
        outcome: QueueOutcome,
        at: Millis,
    },
    Recorded {
        url: Option<String>,
        duration_s: Option<u32>,
        at: Millis,
    },
    EffectDone {
        result: EffectResult,
        at: Millis,
    },
    AgentEnded {
        ok: bool,
        data: Option<serde_json::Value>,
        at: Millis,
    },
    Hangup {
        at: Millis,
    },
}

impl Event {
    /// When the event happened.
    pub fn at(&self) -> Millis {
        match self {
            Event::Started { at, .. }
            | Event::Digits { at, .. }
            | Event::Speech { at, .. }
            | Event::NoInput { at }
            | Event::Dialed { at, .. }
            | Event::Queued { at, .. }
            | Event::Recorded { at, .. }
            | Event::EffectDone { at, .. }
            | Event::AgentEnded { at, .. }
            | Event::Hangup { at } => *at,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DialOutcome {
    Answered,
    Busy,
    NoAnswer,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueOutcome {
    Bridged,
    Timeout,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum EffectResult {
    /// `status` 0 means no response (timeout, connection error).
    Http {
        status: u16,
        body: Option<serde_json::Value>,
    },
    Sms {
        sent: bool,
    },
}

/// What the caller should experience, in order. Providers render these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Instruction {
    Say {
        /// What to speak, with `{var:format}` holes spelled out.
        text: String,
        language: String,
        voice: Option<String>,
        loops: u32,
        /// The same text in pieces, the formatted holes marked, for
        /// providers that read SSML; empty when the text has none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        marked: Vec<Spoken>,
    },
    Play {
        url: String,
        loops: u32,
    },
    Pause {
        seconds: u32,
    },
    /// Wait for keys/speech while playing `prompts` (Say/Play/Pause only).
    Gather {
        prompts: Vec<Instruction>,
        input: Input,
        min_digits: u32,
        max_digits: u32,
        finish_key: Option<char>,
        timeout_s: u32,
        language: String,
        hints: Vec<String>,
    },
    Dial {
        targets: Vec<String>,
        caller_id: Option<String>,
        ring_timeout_s: u32,
        record: bool,
    },
    Enqueue {
        name: String,
        hold_music: Option<String>,
        position_every_s: Option<u32>,
        max_wait_s: u32,
    },
    Record {
        max_length_s: u32,
        beep: bool,
        finish_key: Option<char>,
        /// Any key ends the recording (`finish_key` is then None).
        #[serde(default)]
        finish_any: bool,
        /// Cut the silence at the start and end (the providers' default).
        #[serde(default = "yes")]
        trim: bool,
        timeout_s: u32,
        /// Ask the provider for a transcript, posted back later (see
        /// [`transcript`]).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        transcribe: bool,
    },
    /// Record the rest of the call (both sides) from here to its end; the
    /// call goes on at once.
    RecordCall,
    /// Hand the caller to a voice agent over a websocket.
    Agent {
        url: String,
        params: Vec<(String, String)>,
        /// Text, not audio: the provider transcribes and speaks in this
        /// language (the call's), the agent exchanges text.
        relay: Option<String>,
    },
    Hangup,
}

/// A piece of spoken text (see `Instruction::Say::marked`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spoken {
    Text(String),
    /// A value read as `how` says; `spelled` is how `text` has it.
    As {
        how: SayAs,
        value: String,
        spelled: String,
    },
}

impl Instruction {
    /// Does the call stop here to wait for the caller or the world?
    pub fn waits(&self) -> bool {
        match self {
            Instruction::Say { .. }
            | Instruction::Play { .. }
            | Instruction::Pause { .. }
            | Instruction::RecordCall => false,
            Instruction::Gather { .. }
            | Instruction::Dial { .. }
            | Instruction::Enqueue { .. }
            | Instruction::Record { .. }
            | Instruction::Agent { .. }
            | Instruction::Hangup => true,
        }
    }
}

fn yes() -> bool {
    true
}

/// Work for the server outside the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Header values may hold `Secret` parts: the server fills them from its
    /// environment, so secrets never enter call state or logs.
    Http {
        method: Method,
        url: String,
        headers: Vec<(String, Vec<Part>)>,
        body: Option<String>,
        timeout_ms: u64,
    },
    Sms {
        to: String,
        text: String,
        /// The message's DLT template id (India), from the flow's `sms` node.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dlt_template: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Text(String),
    /// The value of an environment variable.
    Env(String),
}

/// One step's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    pub state: CallState,
    pub instructions: Vec<Instruction>,
    pub effects: Vec<Effect>,
    /// Nodes entered during this step, in order, with the exit taken out of
    /// each (names as in `NodeKind::exits()`: `next`, a menu key, `when#2`,
    /// `else`, `exhausted`…). The node the call stops at — to wait, or at a
    /// `hangup` — comes last with the exit [`STOP`] (`""`); a menu asking
    /// again appears once, with `""`. Empty when the event was ignored.
    pub path: Vec<(NodeId, String)>,
}
