//! A tiny builder for hand-made graphs and source maps in the analyses' tests.
//!
//! Node `i` is "written" at byte `1000 * i`: its name there, exit `k` at
//! `1000 * i + 100 + 10 * k`, read `j` at `1000 * i + 500 + 10 * j`, so a
//! test can tell from a span which node and which exit or read it is.

use crate::check::{NodeSpans, SourceMap, Write};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{
    Arm, Assignment, BinOp, Choice, Expr, Graph, Input, Interval, Method, Node, NodeId, NodeKind,
    Prompt, Template, Type, VarDef,
};
use crate::source::Span;

enum Spec {
    Say(String),
    Menu(Vec<String>, String),
    Gather(String, String, String),
    Branch(Vec<(Vec<String>, String)>, String),
    Set(Vec<(String, Vec<String>)>, String),
    Http(Option<String>, String, String),
    Hangup,
    /// `var = var + 1`.
    Count(String, String),
    /// answered, then busy/no_answer/failed.
    Transfer(String, String),
    /// done, failed.
    Ai(String, String),
    /// done, empty.
    Record(String, String),
    /// open, closed.
    Hours(String, String),
}

#[derive(Default)]
pub struct Flow {
    nodes: Vec<(String, Spec)>,
    vars: Vec<(String, bool)>,
    targets: Vec<crate::graph::Provider>,
    /// `http` time-outs other than 3 s, by node name.
    timeouts: std::collections::HashMap<String, u64>,
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

impl Flow {
    pub fn new() -> Flow {
        Flow::default()
    }

    fn node(mut self, name: &str, spec: Spec) -> Flow {
        self.nodes.push((name.into(), spec));
        self
    }

    /// `var name: string` (unset until assigned).
    pub fn var(mut self, name: &str) -> Flow {
        self.vars.push((name.into(), false));
        self
    }

    /// `var name: string = "…"`.
    pub fn var_default(mut self, name: &str) -> Flow {
        self.vars.push((name.into(), true));
        self
    }

    pub fn say(self, name: &str, next: &str) -> Flow {
        self.node(name, Spec::Say(next.into()))
    }

    /// Keys "1", "2", … lead to `choices`, then `exhausted`.
    pub fn menu(self, name: &str, choices: &[&str], exhausted: &str) -> Flow {
        self.node(name, Spec::Menu(owned(choices), exhausted.into()))
    }

    pub fn gather(self, name: &str, into: &str, done: &str, exhausted: &str) -> Flow {
        self.node(
            name,
            Spec::Gather(into.into(), done.into(), exhausted.into()),
        )
    }

    /// One arm per (variables its condition reads, target), then `else`.
    pub fn branch(self, name: &str, arms: &[(&[&str], &str)], otherwise: &str) -> Flow {
        let arms = arms
            .iter()
            .map(|(reads, to)| (owned(reads), to.to_string()))
            .collect();
        self.node(name, Spec::Branch(arms, otherwise.into()))
    }

    /// One assignment per (variable, variables its value reads).
    pub fn set(self, name: &str, assigns: &[(&str, &[&str])], next: &str) -> Flow {
        let assigns = assigns
            .iter()
            .map(|(var, reads)| (var.to_string(), owned(reads)))
            .collect();
        self.node(name, Spec::Set(assigns, next.into()))
    }

    pub fn http(self, name: &str, into: Option<&str>, ok: &str, error: &str) -> Flow {
        self.node(
            name,
            Spec::Http(into.map(str::to_string), ok.into(), error.into()),
        )
    }

    pub fn hangup(self, name: &str) -> Flow {
        self.node(name, Spec::Hangup)
    }

    /// `set name { var = var + 1 }`.
    pub fn count(self, name: &str, var: &str, next: &str) -> Flow {
        self.node(name, Spec::Count(var.into(), next.into()))
    }

    /// A transfer: `answered` to one node, every other exit to `failed`.
    pub fn transfer(self, name: &str, answered: &str, failed: &str) -> Flow {
        self.node(name, Spec::Transfer(answered.into(), failed.into()))
    }

    pub fn ai(self, name: &str, done: &str, failed: &str) -> Flow {
        self.node(name, Spec::Ai(done.into(), failed.into()))
    }

    pub fn record(self, name: &str, done: &str, empty: &str) -> Flow {
        self.node(name, Spec::Record(done.into(), empty.into()))
    }

    pub fn hours(self, name: &str, open: &str, closed: &str) -> Flow {
        self.node(name, Spec::Hours(open.into(), closed.into()))
    }

    /// The providers the flow targets (none by default).
    pub fn targets(mut self, targets: &[crate::graph::Provider]) -> Flow {
        self.targets = targets.to_vec();
        self
    }

    /// Give the `http` node `name` this time-out.
    pub fn timeout(mut self, name: &str, ms: u64) -> Flow {
        self.timeouts.insert(name.into(), ms);
        self
    }

    /// The graph (starting at the first node) and its source map.
    pub fn build(self) -> (Graph, SourceMap) {
        let ids: std::collections::HashMap<&str, u32> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.as_str(), i as u32))
            .collect();
        let id = |name: &str| NodeId(*ids.get(name).unwrap_or_else(|| panic!("no node `{name}`")));
        let value = |reads: &[String]| {
            reads
                .iter()
                .map(|r| Expr::Path(vec![r.clone()]))
                .reduce(|a, b| Expr::Binary(BinOp::Add, Box::new(a), Box::new(b)))
                .unwrap_or(Expr::Lit(serde_json::json!(1)))
        };
        let mut nodes = Vec::new();
        let mut map = SourceMap::default();
        for (i, (name, spec)) in self.nodes.iter().enumerate() {
            let at = 1000 * i;
            let mut reads = Vec::new();
            let mut writes = Vec::new();
            let kind = match spec {
                Spec::Say(next) => NodeKind::Say {
                    prompts: Vec::new(),
                    loops: 1,
                    next: id(next),
                },
                Spec::Menu(choices, exhausted) => NodeKind::Menu {
                    prompts: Vec::new(),
                    noinput: None,
                    nomatch: None,
                    timeout_ms: 5000,
                    max_noinput: 3,
                    max_nomatch: 3,
                    choices: choices
                        .iter()
                        .enumerate()
                        .map(|(k, to)| Choice::key((k + 1).to_string(), id(to)))
                        .collect(),
                    exhausted: id(exhausted),
                    input: Input::Dtmf,
                    entry: None,
                    into: None,
                    noinput_exhausted: None,
                    nomatch_exhausted: None,
                    visits: None,
                },
                Spec::Gather(into, done, exhausted) => {
                    writes.push(Write {
                        var: into.clone(),
                        on_exit: Some(0),
                    });
                    NodeKind::Gather {
                        prompts: Vec::new(),
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
                        into: into.clone(),
                        done: id(done),
                        exhausted: id(exhausted),
                        max_noinput: None,
                        max_nomatch: None,
                        noinput_exhausted: None,
                        nomatch_exhausted: None,
                        visits: None,
                    }
                }
                Spec::Branch(arms, otherwise) => NodeKind::Branch {
                    arms: arms
                        .iter()
                        .map(|(r, to)| {
                            reads.extend(r.iter().cloned());
                            Arm {
                                when: value(r),
                                target: id(to),
                            }
                        })
                        .collect(),
                    otherwise: id(otherwise),
                },
                Spec::Set(assigns, next) => NodeKind::Set {
                    assigns: assigns
                        .iter()
                        .map(|(var, r)| {
                            reads.extend(r.iter().cloned());
                            writes.push(Write {
                                var: var.clone(),
                                on_exit: None,
                            });
                            Assignment {
                                var: var.clone(),
                                value: value(r),
                            }
                        })
                        .collect(),
                    next: id(next),
                },
                Spec::Http(into, ok, error) => {
                    if let Some(into) = into {
                        writes.push(Write {
                            var: into.clone(),
                            on_exit: Some(0),
                        });
                    }
                    NodeKind::Http {
                        method: Method::Get,
                        url: Template::literal("https://example.com"),
                        headers: Vec::new(),
                        body: None,
                        timeout_ms: self.timeouts.get(name).copied().unwrap_or(3000),
                        into: into.clone(),
                        ok: id(ok),
                        error: id(error),
                    }
                }
                // A goodbye is said, so the silence analysis stays quiet.
                Spec::Hangup => NodeKind::Hangup {
                    prompt: Some(Prompt::Text(vec![(
                        "en-IN".into(),
                        Template::parse("Goodbye.").expect("plain text"),
                    )])),
                },
                Spec::Count(var, next) => {
                    reads.push(var.clone());
                    writes.push(Write {
                        var: var.clone(),
                        on_exit: None,
                    });
                    NodeKind::Set {
                        assigns: vec![Assignment {
                            var: var.clone(),
                            value: Expr::Binary(
                                BinOp::Add,
                                Box::new(Expr::Path(vec![var.clone()])),
                                Box::new(Expr::Lit(serde_json::json!(1))),
                            ),
                        }],
                        next: id(next),
                    }
                }
                Spec::Transfer(answered, failed) => NodeKind::Transfer {
                    prompt: None,
                    to: vec![Template::literal("+918045671234")],
                    caller_id: None,
                    ring_timeout_s: 30,
                    record: false,
                    answered: id(answered),
                    busy: id(failed),
                    no_answer: id(failed),
                    failed: id(failed),
                },
                Spec::Ai(done, failed) => NodeKind::Ai {
                    url: Template::literal("wss://agent.example.com"),
                    greeting: None,
                    params: Vec::new(),
                    into: None,
                    relay: false,
                    result: Vec::new(),
                    timeout_ms: None,
                    done: id(done),
                    failed: id(failed),
                },
                Spec::Hours(open, closed) => NodeKind::Hours {
                    weekly: vec![Interval {
                        from: 540,
                        to: 1080,
                    }],
                    holidays: Vec::new(),
                    open: id(open),
                    closed: id(closed),
                },
                Spec::Record(done, empty) => NodeKind::Record {
                    prompt: None,
                    max_length_s: 60,
                    beep: true,
                    finish_key: None,
                    finish_any: false,
                    keep_silence: false,
                    timeout_s: 5,
                    into: None,
                    transcript: None,
                    done: id(done),
                    empty: id(empty),
                },
            };
            let exits = (0..kind.exits().len())
                .map(|k| Span::new(at + 100 + 10 * k, at + 105 + 10 * k))
                .collect();
            let reads = reads
                .into_iter()
                .enumerate()
                .map(|(j, r)| (r, Span::new(at + 500 + 10 * j, at + 505 + 10 * j)))
                .collect();
            map.nodes.push(NodeSpans {
                name: Span::new(at, at + name.len()),
                span: Span::new(at, at + 900),
                exits,
                reads,
                writes,
            });
            nodes.push(Node {
                name: name.clone(),
                kind,
            });
        }
        let graph = Graph {
            format: crate::graph::FORMAT,
            version: String::new(),
            flow: "test".into(),
            language: "en-IN".into(),
            voice: None,
            voices: Vec::new(),
            timezone: "UTC".into(),
            targets: self.targets.clone(),
            vars: self
                .vars
                .iter()
                .map(|(name, default)| VarDef {
                    name: name.clone(),
                    ty: Type::String,
                    default: default.then(|| serde_json::json!("x")),
                })
                .collect(),
            start: NodeId(0),
            nodes,
            reads_answered_by: false,
        };
        (graph, map)
    }
}

/// The diagnostics of one code, from analysing the flow.
pub fn only(flow: Flow, code: Code) -> Vec<Diagnostic> {
    let (graph, map) = flow.build();
    super::analyse(&graph, &map)
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

/// Codes of every diagnostic, sorted.
pub fn codes(flow: Flow) -> Vec<Code> {
    let (graph, map) = flow.build();
    let mut codes: Vec<_> = super::analyse(&graph, &map)
        .iter()
        .map(|d| d.code)
        .collect();
    codes.sort();
    codes
}

/// The node index a span points into (see the module comment).
pub fn node_of(span: Span) -> usize {
    span.start as usize / 1000
}
