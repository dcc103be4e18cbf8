//! Calls without a phone: the engine driven from a terminal (`ivr simulate`)
//! or from scenario files (`ivr test`). The same engine the server runs — no
//! second interpreter — with the outside world (dial outcomes, HTTP answers,
//! SMS results) answered by the person or the scenario.

pub mod coverage;
pub mod generate;
pub mod locate;
pub mod scenario;
pub mod transcript;

use std::collections::BTreeMap;

use ivr_compiler::Graph;

use crate::engine::{self, CallState, Caller, Effect, Event, Instruction, Millis, Turn, Waiting};

/// One simulated call.
pub struct SimCall<'g> {
    pub graph: &'g Graph,
    pub state: CallState,
    /// Effects the flow is waiting on, oldest first.
    pub pending: Vec<Effect>,
    /// The simulated clock; each action moves it on a second so traces read in order.
    pub now: Millis,
}

/// What one caller action (or the call's start) produced.
#[derive(Debug, Default)]
pub struct Output {
    pub instructions: Vec<Instruction>,
    /// (node name, exit name) in the order walked.
    pub path: Vec<(String, String)>,
    pub effects: Vec<Effect>,
}

impl<'g> SimCall<'g> {
    /// Start a call; `pinned` chooses `split` branches (node → branch).
    pub fn start(
        graph: &'g Graph,
        caller: Caller,
        vars: BTreeMap<String, serde_json::Value>,
        pinned: BTreeMap<String, String>,
        at: Millis,
    ) -> (Self, Output) {
        let turn = engine::start_pinned(
            graph,
            "SIM0000000000000000".into(),
            caller,
            vars,
            pinned,
            at,
        );
        let mut call = SimCall {
            graph,
            state: turn.state.clone(),
            pending: Vec::new(),
            now: at,
        };
        let out = call.absorb(turn);
        (call, out)
    }

    pub fn ended(&self) -> bool {
        self.state.ended
    }

    pub fn waiting(&self) -> Waiting {
        self.state.waiting
    }

    /// The node the call is at, by name.
    pub fn node_name(&self) -> &str {
        &self.graph.node(self.state.node).name
    }

    /// Apply an event built for the current clock.
    pub fn act(&mut self, event: impl FnOnce(Millis) -> Event) -> Output {
        self.now += 1_000;
        let event = event(self.now);
        // An event may come later than the next second (an agent that talked).
        self.now = self.now.max(event.at());
        if matches!(event, Event::EffectDone { .. }) && !self.pending.is_empty() {
            self.pending.remove(0);
        }
        let turn = engine::step(self.graph, self.state.clone(), event);
        self.absorb(turn)
    }

    fn absorb(&mut self, turn: Turn) -> Output {
        let path = turn
            .path
            .iter()
            .map(|(id, exit)| (self.graph.node(*id).name.clone(), exit.clone()))
            .collect();
        self.pending.extend(turn.effects.iter().cloned());
        self.state = turn.state;
        Output {
            instructions: turn.instructions,
            path,
            effects: turn.effects,
        }
    }
}

/// Everything the caller hears in these instructions, in order (prompts inside gathers too).
pub fn heard(instructions: &[Instruction]) -> Vec<String> {
    let mut out = Vec::new();
    sounds(instructions, &mut |sound| {
        if let Sound::Said(text) = sound {
            out.push(text.to_owned());
        }
    });
    out
}

/// Audio URLs played, in order.
pub fn played(instructions: &[Instruction]) -> Vec<String> {
    let mut out = Vec::new();
    sounds(instructions, &mut |sound| {
        if let Sound::Played(url) = sound {
            out.push(url.to_owned());
        }
    });
    out
}

/// A prompt the caller hears.
enum Sound<'a> {
    Said(&'a str),
    Played(&'a str),
}

/// Each prompt in these instructions, in order, those inside gathers too.
fn sounds<'a>(instructions: &'a [Instruction], each: &mut impl FnMut(Sound<'a>)) {
    for i in instructions {
        match i {
            Instruction::Say { text, .. } => each(Sound::Said(text)),
            Instruction::Play { url, .. } => each(Sound::Played(url)),
            Instruction::Gather { prompts, .. } => sounds(prompts, each),
            Instruction::Pause { .. }
            | Instruction::Dial { .. }
            | Instruction::Enqueue { .. }
            | Instruction::Record { .. }
            | Instruction::RecordCall
            | Instruction::Agent { .. }
            | Instruction::Hangup => {}
        }
    }
}
