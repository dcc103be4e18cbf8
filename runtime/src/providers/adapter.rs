//! The one interface of a provider adapter: everything the turn pipeline
//! (`server/turn.rs`) asks of Twilio and Exotel alike. An adapter value is
//! made per webhook: it carries the request's parameters and where its
//! answers point, so the pipeline never reads a provider's parameters.
//!
//! Pure: no HTTP, no store, no clock (the time is passed in).

use std::collections::BTreeMap;

use crate::engine::{CallState, Event, Instruction, Millis};

use super::Provider;

/// What a webhook asks of a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    /// Give the engine this event (`Event::Started` starts the call).
    Event(Event),
    /// The answer is ready without the engine (Exotel: the next applet of
    /// the plan). The adapter changed the state (its channel): commit it.
    Answer(String),
    /// The call is held on an effect and this webhook is the way back from
    /// the hold: wait for the effect's answer.
    Held,
}

/// Why a webhook is not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// A webhook for a call we do not know (or no longer at that turn).
    UnknownCall,
    /// The request makes no sense (missing parameters): a 4xx.
    BadRequest(String),
}

impl From<super::DecodeError> for Refused {
    fn from(e: super::DecodeError) -> Refused {
        Refused::BadRequest(e.to_string())
    }
}

/// A turn as the provider will hear it.
#[derive(Clone, Debug, PartialEq)]
pub enum Rendered {
    /// The answer to the webhook.
    Answer(String),
    /// The first thing to do is something the provider cannot do: give the
    /// engine this event (the step's failure) and render the turn after it.
    Event(Event),
}

pub trait Adapter: Send + Sync + 'static {
    fn provider(&self) -> Provider;

    /// Does this webhook start a call (so the flow's graph will be needed)?
    /// A hint that lets the pipeline store the graph while it loads.
    fn starts_call(&self) -> bool;

    /// Variables a new call starts with (a placed call's).
    fn vars(&self) -> BTreeMap<String, serde_json::Value>;

    /// Is this webhook a retry of the one whose stored reply answered
    /// `reply_turn`? It then gets exactly that reply again. `followed`: the
    /// provider has fetched what that reply pointed it at since (an
    /// applet's URL), so the request it answered is over.
    fn is_retry(&self, state: &CallState, reply_turn: Option<u64>, followed: bool) -> bool;

    /// What the webhook asks of the call; `state` is the call's stored
    /// state, `None` when there is none yet.
    fn decode(&self, state: Option<&mut CallState>, at: Millis) -> Result<Decoded, Refused>;

    /// The answer to a turn ending with `instructions`. When `held`, an
    /// effect is still running: the answer plays `instructions` (prompts
    /// only), holds the caller briefly and comes back for the rest. May keep
    /// provider data in `state.channel`.
    fn render(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> Rendered;

    /// The answer stored when a held turn finishes in the background (the
    /// provider may have moved along its hold meanwhile: `state.channel`).
    fn resume(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> String;

    /// The answer to a webhook for a call we do not know.
    fn unknown_call(&self) -> String;

    /// The answer when the store is down: an apology, then the fallback
    /// number when one is configured.
    fn store_down(&self) -> String;
}
