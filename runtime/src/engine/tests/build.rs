//! Builders for hand-made graphs and a driver for calls on them.

use ivr_compiler::graph::{
    Choice, FORMAT, Graph, Input, Node, NodeId, NodeKind, Prompt, Template, Type, VarDef,
};
use serde_json::Value;

use super::caller;
use crate::engine::{CallState, Event, Instruction, Millis, Turn, start, step};

/// A flow's header; `build` adds the nodes.
pub struct Flow {
    graph: Graph,
}

impl Flow {
    pub fn new() -> Self {
        Flow {
            graph: Graph {
                format: FORMAT,
                version: "v1".into(),
                flow: "test".into(),
                language: "en-IN".into(),
                voice: None,
                voices: Vec::new(),
                timezone: "UTC".into(),
                targets: Vec::new(),
                vars: Vec::new(),
                start: NodeId(0),
                nodes: Vec::new(),
                reads_answered_by: false,
            },
        }
    }

    pub fn var(mut self, name: &str, ty: Type, default: Option<Value>) -> Self {
        self.graph.vars.push(VarDef {
            name: name.into(),
            ty,
            default,
        });
        self
    }

    pub fn timezone(mut self, zone: &str) -> Self {
        self.graph.timezone = zone.into();
        self
    }

    /// Nodes named in order (the first is the start); `kinds` gets a lookup
    /// from name to id so nodes can point at each other.
    pub fn nodes(
        &self,
        names: &[&str],
        kinds: impl FnOnce(&dyn Fn(&str) -> NodeId) -> Vec<NodeKind>,
    ) -> Graph {
        let id = |name: &str| {
            let at = names.iter().position(|n| *n == name);
            NodeId(at.unwrap_or_else(|| panic!("no node named {name}")) as u32)
        };
        let kinds = kinds(&id);
        assert_eq!(kinds.len(), names.len(), "one kind per name");
        let mut graph = self.graph.clone();
        graph.nodes = names
            .iter()
            .zip(kinds)
            .map(|(name, kind)| Node {
                name: name.to_string(),
                kind,
            })
            .collect();
        graph
    }

    pub fn build(self, names: &[&str]) -> Graph {
        self.nodes(names, |_| Vec::new())
    }
}

pub fn tpl(text: &str) -> Template {
    Template::parse(text).expect("test template parses")
}

/// Text in the flow's default language, `en-IN`.
pub fn text(s: &str) -> Prompt {
    Prompt::Text(vec![("en-IN".into(), tpl(s))])
}

pub fn texts(by_language: &[(&str, &str)]) -> Prompt {
    Prompt::Text(
        by_language
            .iter()
            .map(|(l, s)| (l.to_string(), tpl(s)))
            .collect(),
    )
}

pub fn audio(url: &str) -> Prompt {
    Prompt::Audio(tpl(url))
}

pub fn say(s: &str, next: NodeId) -> NodeKind {
    NodeKind::Say {
        prompts: vec![text(s)],
        loops: 1,
        next,
    }
}

pub fn hangup(s: Option<&str>) -> NodeKind {
    NodeKind::Hangup {
        prompt: s.map(text),
    }
}

/// A DTMF menu with the documented defaults (5 s, 3 silences, 3 wrong keys).
pub fn menu(prompts: &[&str], choices: &[(&str, NodeId)], exhausted: NodeId) -> NodeKind {
    NodeKind::Menu {
        prompts: prompts.iter().map(|p| text(p)).collect(),
        noinput: None,
        nomatch: None,
        timeout_ms: 5000,
        max_noinput: 3,
        max_nomatch: 3,
        choices: choices.iter().map(|(k, t)| Choice::key(*k, *t)).collect(),
        exhausted,
        input: Input::Dtmf,
        entry: None,
        into: None,
        noinput_exhausted: None,
        nomatch_exhausted: None,
        visits: None,
    }
}

/// A DTMF gather with the documented defaults (1–20 digits, `#`, 3 attempts).
pub fn gather(prompt: &str, into: &str, done: NodeId, exhausted: NodeId) -> NodeKind {
    NodeKind::Gather {
        prompts: vec![text(prompt)],
        noinput: None,
        nomatch: None,
        input: Input::Dtmf,
        min_digits: 1,
        max_digits: 20,
        finish_key: Some('#'),
        timeout_ms: 5000,
        pattern: None,
        max_attempts: 3,
        hints: Vec::new(),
        into: into.into(),
        done,
        exhausted,
        max_noinput: None,
        max_nomatch: None,
        noinput_exhausted: None,
        nomatch_exhausted: None,
        visits: None,
    }
}

/// A call on a graph, driven one event at a time; the clock is `now`.
pub struct Call<'g> {
    pub graph: &'g Graph,
    pub state: CallState,
    pub now: Millis,
}

impl<'g> Call<'g> {
    pub fn start(graph: &'g Graph) -> (Call<'g>, Turn) {
        Self::start_at(graph, 1_000)
    }

    pub fn start_at(graph: &'g Graph, at: Millis) -> (Call<'g>, Turn) {
        let turn = start(graph, "CA1".into(), caller(), at);
        (
            Call {
                graph,
                state: turn.state.clone(),
                now: at,
            },
            turn,
        )
    }

    pub fn send(&mut self, event: Event) -> Turn {
        let turn = step(self.graph, self.state.clone(), event);
        self.state = turn.state.clone();
        turn
    }

    fn tick(&mut self) -> Millis {
        self.now += 1_000;
        self.now
    }

    pub fn press(&mut self, digits: &str) -> Turn {
        let at = self.tick();
        self.send(Event::Digits {
            digits: digits.into(),
            at,
        })
    }

    pub fn say(&mut self, text: &str) -> Turn {
        let at = self.tick();
        self.send(Event::Speech {
            text: text.into(),
            confidence: Some(0.9),
            at,
        })
    }

    pub fn silence(&mut self) -> Turn {
        let at = self.tick();
        self.send(Event::NoInput { at })
    }
}

/// Every spoken text and played URL in a turn, Gather prompts included, in order.
pub fn heard(turn: &Turn) -> Vec<String> {
    fn walk(instructions: &[Instruction], out: &mut Vec<String>) {
        for i in instructions {
            match i {
                Instruction::Say { text, .. } => out.push(text.clone()),
                Instruction::Play { url, .. } => out.push(format!("play {url}")),
                Instruction::Gather { prompts, .. } => walk(prompts, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&turn.instructions, &mut out);
    out
}

/// The kinds of a turn's top-level instructions: `["say", "gather"]`.
pub fn shape(turn: &Turn) -> Vec<&'static str> {
    turn.instructions
        .iter()
        .map(|i| match i {
            Instruction::Say { .. } => "say",
            Instruction::Play { .. } => "play",
            Instruction::Pause { .. } => "pause",
            Instruction::Gather { .. } => "gather",
            Instruction::Dial { .. } => "dial",
            Instruction::Enqueue { .. } => "enqueue",
            Instruction::Record { .. } => "record",
            Instruction::RecordCall => "record_call",
            Instruction::Agent { .. } => "agent",
            Instruction::Hangup => "hangup",
        })
        .collect()
}

/// The turn's path as `node:exit` strings.
pub fn path(graph: &Graph, turn: &Turn) -> Vec<String> {
    turn.path
        .iter()
        .map(|(id, exit)| format!("{}:{exit}", graph.node(*id).name))
        .collect()
}
