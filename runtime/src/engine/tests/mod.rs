//! Test helpers shared by the engine's unit tests, and the conversation tests:
//! graphs built by hand with small builders, driven event by event.

mod build;
mod compiled;
mod conversations;
mod menus;
mod targets;

pub use build::*;

use serde_json::Value;

use super::{Attempts, CallState, Caller, Direction, Waiting};
use ivr_compiler::graph::{Graph, NodeId};

/// A call in progress with these variables (a JSON object), in `en-IN`.
pub fn state_with(vars: Value) -> CallState {
    let vars = match vars {
        Value::Object(map) => map.into_iter().collect(),
        _ => Default::default(),
    };
    CallState {
        call_id: "CA1".into(),
        flow: "test".into(),
        version: "v1".into(),
        node: NodeId(0),
        waiting: Waiting::Input,
        turn: 1,
        attempts: Attempts::default(),
        visits: Default::default(),
        vars,
        language: "en-IN".into(),
        caller: caller(),
        started_at: 0,
        updated_at: 0,
        ended: false,
        recording_call: false,
        transcripts: Default::default(),
        pinned: Default::default(),
        channel: None,
    }
}

pub fn caller() -> Caller {
    Caller {
        from: "+919811111111".into(),
        to: "+912222222222".into(),
        direction: Direction::Inbound,
        answered_by: None,
    }
}

/// An empty graph with this default language and voice.
pub fn graph_with_language(language: &str, voice: Option<&str>) -> Graph {
    let mut graph = Flow::new().build(&[]);
    graph.language = language.into();
    graph.voice = voice.map(String::from);
    graph
}
