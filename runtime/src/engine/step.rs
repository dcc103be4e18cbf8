//! `start` and `step`: apply one event at the node the call waits at, then
//! run on through nodes that do not wait until one does.
//!
//! `Turn::path` lists every node the turn passed through with the exit taken
//! out of it (names as in `NodeKind::exits()`: `next`, `when#2`, `else`,
//! `open`, a menu key, `exhausted`, …). The node the call stops at — to wait,
//! or because it hung up — is listed last with the exit `""`. A node asking
//! again after a miss is listed once, with `""`. An ignored event gives an
//! empty path.

use std::collections::BTreeMap;

use ivr_compiler::graph::{Address, Graph, NodeId, NodeKind, Prompt, Template};
use ivr_compiler::phone::{self, country::Id as Country};
use serde_json::Value;

use super::encode;
use super::input::{self, Answer, Exhausted, Heard, Miss};
use super::prompt::{MAX_LOOPS, parts, render, said};
use super::{
    Attempts, CallState, Caller, DialOutcome, Effect, EffectResult, Event, Instruction, Millis,
    QueueOutcome, Turn, Waiting, agent, ask, eval, hours, split,
};

/// Nodes one turn may enter before it is taken for an endless loop. The
/// checker refuses loops through no waiting node; this is the fallback.
pub const MAX_VISITS: usize = 1_000;

/// The longest queue name a provider with queues takes (Twilio `<Enqueue>`).
pub const MAX_QUEUE_NAME: usize = 64;

/// The exit recorded for the node a turn stops at.
pub const STOP: &str = "";

/// Start a call: variables from their defaults, the flow's language, then run
/// from the graph's start node. The returned state has `turn == 1`.
pub fn start(graph: &Graph, call_id: String, caller: Caller, at: Millis) -> Turn {
    start_with_vars(graph, call_id, caller, BTreeMap::new(), at)
}

/// [`start`], with values that replace the variables' defaults (an outbound
/// call's data, a simulation's scenario). The checker's "read before set"
/// analysis does not know about these, so they should only give values to
/// variables the flow declares.
pub fn start_with_vars(
    graph: &Graph,
    call_id: String,
    caller: Caller,
    vars: BTreeMap<String, Value>,
    at: Millis,
) -> Turn {
    start_pinned(graph, call_id, caller, vars, BTreeMap::new(), at)
}

/// [`start_with_vars`], with `split` branches chosen in advance (`pinned`:
/// split node name → branch name) instead of by the call id — for scenario
/// files, which must walk every branch. A pin naming no branch of its split
/// is ignored.
pub fn start_pinned(
    graph: &Graph,
    call_id: String,
    caller: Caller,
    vars: BTreeMap<String, Value>,
    pinned: BTreeMap<String, String>,
    at: Millis,
) -> Turn {
    let mut initial: BTreeMap<String, Value> = graph
        .vars
        .iter()
        .filter_map(|v| Some((v.name.clone(), v.default.clone()?)))
        .collect();
    initial.extend(vars);
    let state = CallState {
        call_id,
        flow: graph.flow.clone(),
        version: graph.version.clone(),
        node: graph.start,
        waiting: Waiting::Nothing,
        turn: 0,
        attempts: Attempts::default(),
        visits: BTreeMap::new(),
        vars: initial,
        language: graph.language.clone(),
        caller,
        started_at: at,
        updated_at: at,
        ended: false,
        recording_call: false,
        transcripts: BTreeMap::new(),
        pinned,
        channel: None,
    };
    let mut run = Run::new(graph, state, at);
    run.enter(graph.start);
    run.finish()
}

/// Apply `event` to a call and run on. Every step bumps `turn` and sets
/// `updated_at` to the event's time. An event the call is not waiting for is
/// ignored: a menu or gather asks its current attempt again (the provider
/// needs something to play), any other node gives no instructions. A call
/// that has ended stays ended and gives no instructions.
pub fn step(graph: &Graph, state: CallState, event: Event) -> Turn {
    // When the call began waiting: an agent's time budget counts from it.
    let since = state.updated_at;
    // The turn the waiting node's instructions were rendered at: a
    // recording's transcript is posted back under it.
    let asked_at = state.turn;
    let mut run = Run::new(graph, state, event.at());
    if run.state.ended {
        return run.finish();
    }
    if let Event::Hangup { .. } = event {
        run.state.ended = true;
        run.state.waiting = Waiting::Nothing;
        return run.finish();
    }
    let id = run.state.node;
    let Some(node) = graph.nodes.get(id.index()) else {
        run.lost();
        return run.finish();
    };
    match resume(graph, &node.kind, &mut run.state.attempts, &event, since) {
        Resume::Leave {
            exit,
            target,
            store,
            apology,
        } => {
            if let Some((var, value)) = store {
                run.assign(&var, value);
            }
            if let (
                NodeKind::Record {
                    transcript: Some(var),
                    ..
                },
                "done",
            ) = (&node.kind, exit.as_str())
            {
                run.await_transcript(asked_at, var);
            }
            // The last miss's words are said before the call moves on.
            if let Some(miss) = apology {
                let said = ask::apology(graph, &node.kind, &run.state, miss);
                run.instructions.extend(said);
            }
            run.path.push((id, exit));
            run.enter(target);
        }
        Resume::Again(miss) => run.ask(id, miss),
        Resume::Ignore => {}
    }
    run.finish()
}

/// What the event does at the waiting node.
enum Resume {
    Leave {
        exit: String,
        target: NodeId,
        store: Option<(String, Value)>,
        /// The tries ran out on this miss: say its apology first.
        apology: Option<Miss>,
    },
    /// Ask the menu or gather again, after the apology for `miss` if any.
    Again(Option<Miss>),
    Ignore,
}

fn resume(
    graph: &Graph,
    kind: &NodeKind,
    attempts: &mut Attempts,
    event: &Event,
    since: Millis,
) -> Resume {
    let leave = |exit: &str, target: NodeId| Resume::Leave {
        exit: exit.into(),
        target,
        store: None,
        apology: None,
    };
    let heard = match event {
        Event::Digits { digits, .. } => Some(Heard::Keys(digits)),
        Event::Speech { text, .. } => Some(Heard::Words(text)),
        Event::NoInput { .. } => Some(Heard::Silence),
        Event::Started { .. }
        | Event::Dialed { .. }
        | Event::Queued { .. }
        | Event::Recorded { .. }
        | Event::EffectDone { .. }
        | Event::AgentEnded { .. }
        | Event::Hangup { .. } => None,
    };
    match (kind, event) {
        (
            NodeKind::Menu {
                choices,
                entry,
                max_noinput,
                max_nomatch,
                exhausted,
                noinput_exhausted,
                nomatch_exhausted,
                into,
                ..
            },
            _,
        ) => {
            let Some(heard) = heard else {
                return Resume::Again(None);
            };
            let rules = input::Menu {
                choices,
                entry: entry.as_ref(),
                max_noinput: *max_noinput,
                max_nomatch: *max_nomatch,
                exhausted: Exhausted {
                    any: *exhausted,
                    noinput: *noinput_exhausted,
                    nomatch: *nomatch_exhausted,
                },
            };
            answered(input::menu(&rules, attempts, heard), into.as_ref())
        }
        (
            NodeKind::Gather {
                min_digits,
                max_digits,
                finish_key,
                pattern,
                max_attempts,
                max_noinput,
                max_nomatch,
                into,
                done,
                exhausted,
                noinput_exhausted,
                nomatch_exhausted,
                ..
            },
            _,
        ) => {
            let Some(heard) = heard else {
                return Resume::Again(None);
            };
            let rules = input::Gather {
                min_digits: *min_digits,
                max_digits: *max_digits,
                finish_key: *finish_key,
                pattern: pattern.as_deref(),
                max_attempts: *max_attempts,
                max_noinput: *max_noinput,
                max_nomatch: *max_nomatch,
                ty: graph
                    .var(into)
                    .map_or(ivr_compiler::graph::Type::String, |v| v.ty),
                done: *done,
                exhausted: Exhausted {
                    any: *exhausted,
                    noinput: *noinput_exhausted,
                    nomatch: *nomatch_exhausted,
                },
            };
            answered(input::gather(&rules, attempts, heard), Some(into))
        }
        (
            NodeKind::Transfer {
                answered,
                busy,
                no_answer,
                failed,
                ..
            },
            Event::Dialed { outcome, .. },
        ) => match outcome {
            DialOutcome::Answered => leave("answered", *answered),
            DialOutcome::Busy => leave("busy", *busy),
            DialOutcome::NoAnswer => leave("no_answer", *no_answer),
            DialOutcome::Failed => leave("failed", *failed),
        },
        (
            NodeKind::Queue {
                bridged,
                timeout,
                failed,
                ..
            },
            Event::Queued { outcome, .. },
        ) => match outcome {
            QueueOutcome::Bridged => leave("bridged", *bridged),
            QueueOutcome::Timeout => leave("timeout", *timeout),
            QueueOutcome::Failed => leave("failed", *failed),
        },
        (
            NodeKind::Record {
                into, done, empty, ..
            },
            Event::Recorded {
                url, duration_s, ..
            },
        ) => match url {
            Some(url) if !url.is_empty() && *duration_s != Some(0) => Resume::Leave {
                exit: "done".into(),
                target: *done,
                store: into.clone().map(|var| (var, Value::String(url.clone()))),
                apology: None,
            },
            _ => leave("empty", *empty),
        },
        (
            NodeKind::Http {
                into, ok, error, ..
            },
            Event::EffectDone {
                result: EffectResult::Http { status, body },
                ..
            },
        ) => {
            if (200..300).contains(status) {
                let store = into
                    .clone()
                    .map(|var| (var, body.clone().unwrap_or(Value::Null)));
                Resume::Leave {
                    exit: "ok".into(),
                    target: *ok,
                    store,
                    apology: None,
                }
            } else {
                leave("error", *error)
            }
        }
        (
            NodeKind::Sms { sent, failed, .. },
            Event::EffectDone {
                result: EffectResult::Sms { sent: was_sent },
                ..
            },
        ) => {
            if *was_sent {
                leave("sent", *sent)
            } else {
                leave("failed", *failed)
            }
        }
        (
            NodeKind::Ai {
                into,
                result,
                timeout_ms,
                done,
                failed,
                ..
            },
            Event::AgentEnded { ok, data, at },
        ) => {
            // An agent past its budget, or whose result does not fit the
            // declared shape, failed, whatever it says.
            let late = agent::deadline(since, *timeout_ms).is_some_and(|end| *at > end);
            if *ok && !late && agent::fits(result, data.as_ref()).is_ok() {
                let store = into
                    .clone()
                    .map(|var| (var, data.clone().unwrap_or(Value::Null)));
                Resume::Leave {
                    exit: "done".into(),
                    target: *done,
                    store,
                    apology: None,
                }
            } else {
                leave("failed", *failed)
            }
        }
        // Not what the node waits for: a late or stray webhook.
        (
            NodeKind::Transfer { .. }
            | NodeKind::Queue { .. }
            | NodeKind::Record { .. }
            | NodeKind::Http { .. }
            | NodeKind::Sms { .. }
            | NodeKind::Ai { .. },
            _,
        ) => Resume::Ignore,
        // Nodes that never wait for an event.
        (
            NodeKind::Say { .. }
            | NodeKind::Branch { .. }
            | NodeKind::Set { .. }
            | NodeKind::Split { .. }
            | NodeKind::Hours { .. }
            | NodeKind::RecordCall { .. }
            | NodeKind::Hangup { .. },
            _,
        ) => Resume::Ignore,
    }
}

fn answered(answer: Answer, into: Option<&String>) -> Resume {
    match answer {
        Answer::Leave {
            exit,
            target,
            value,
        } => Resume::Leave {
            exit,
            target,
            store: into.cloned().zip(value),
            apology: None,
        },
        Answer::Again(miss) => Resume::Again(Some(miss)),
        Answer::GiveUp { miss, exit, target } => Resume::Leave {
            exit: exit.into(),
            target,
            store: None,
            apology: Some(miss),
        },
    }
}

/// One turn in progress.
struct Run<'g> {
    graph: &'g Graph,
    state: CallState,
    instructions: Vec<Instruction>,
    effects: Vec<Effect>,
    path: Vec<(NodeId, String)>,
    visits: usize,
}

impl<'g> Run<'g> {
    fn new(graph: &'g Graph, mut state: CallState, at: Millis) -> Self {
        state.turn += 1;
        state.updated_at = at;
        Run {
            graph,
            state,
            instructions: Vec::new(),
            effects: Vec::new(),
            path: Vec::new(),
            visits: 0,
        }
    }

    fn finish(self) -> Turn {
        Turn {
            state: self.state,
            instructions: self.instructions,
            effects: self.effects,
            path: self.path,
        }
    }

    /// Enter `id` and run on until a node waits.
    fn enter(&mut self, mut id: NodeId) {
        let graph = self.graph;
        loop {
            self.visits += 1;
            if self.visits > MAX_VISITS {
                return self.runaway();
            }
            let Some(node) = graph.nodes.get(id.index()) else {
                return self.lost();
            };
            self.state.node = id;
            self.state.attempts = Attempts::default();
            let (exit, next): (String, NodeId) = match &node.kind {
                NodeKind::Say {
                    prompts,
                    loops,
                    next,
                } => {
                    self.say_all(prompts, *loops);
                    ("next".into(), *next)
                }
                NodeKind::Set { assigns, next } => {
                    for assignment in assigns {
                        let value = eval::eval(&assignment.value, &self.state);
                        self.assign(&assignment.var, value);
                    }
                    ("next".into(), *next)
                }
                NodeKind::Branch { arms, otherwise } => {
                    match arms
                        .iter()
                        .enumerate()
                        .find(|(_, arm)| eval::test(&arm.when, &self.state))
                    {
                        Some((i, arm)) => (format!("when#{}", i + 1), arm.target),
                        None => ("else".into(), *otherwise),
                    }
                }
                NodeKind::Split { branches } => {
                    match split::choose(branches, &self.state, &node.name) {
                        Some(share) => (share.name.clone(), share.target),
                        // A split without branches cannot pass the checker.
                        None => return self.lost(),
                    }
                }
                NodeKind::Hours {
                    weekly,
                    holidays,
                    open,
                    closed,
                } => {
                    if hours::is_open(weekly, holidays, &graph.timezone, self.state.updated_at) {
                        ("open".into(), *open)
                    } else {
                        ("closed".into(), *closed)
                    }
                }
                NodeKind::Menu { visits, .. } | NodeKind::Gather { visits, .. } => {
                    match visits {
                        // Entered once more than allowed, across the whole call.
                        Some(limit) if self.state.visits.get(&id) >= Some(&limit.max) => {
                            ("visits_exhausted".into(), limit.exhausted)
                        }
                        Some(_) => {
                            *self.state.visits.entry(id).or_default() += 1;
                            return self.ask(id, None);
                        }
                        None => return self.ask(id, None),
                    }
                }
                NodeKind::Transfer {
                    prompt,
                    to,
                    caller_id,
                    ring_timeout_s,
                    record,
                    failed,
                    ..
                } => {
                    let country = phone::country_of(&graph.language);
                    let targets: Vec<String> = to
                        .iter()
                        .filter_map(|t| dial_target(t, &self.state, country))
                        .collect();
                    // No target left (unset variables, numbers that are not
                    // numbers): nobody to ring, so the transfer has failed
                    // without a dial.
                    if targets.is_empty() {
                        ("failed".into(), *failed)
                    } else {
                        self.say_optional(prompt);
                        let caller_id = caller_id
                            .as_ref()
                            .map(|t| render(t, &self.state))
                            .filter(|c| !c.is_empty());
                        self.instructions.push(Instruction::Dial {
                            targets,
                            caller_id,
                            ring_timeout_s: *ring_timeout_s,
                            record: *record,
                        });
                        return self.wait(id, Waiting::Dial);
                    }
                }
                NodeKind::Queue {
                    name,
                    name_template,
                    prompt,
                    hold_music,
                    position_every_s,
                    max_wait_s,
                    failed,
                    ..
                } => {
                    let name = match name_template {
                        Some(t) => render(t, &self.state).trim().to_string(),
                        None => name.clone(),
                    };
                    // A name built from an unset variable names no queue.
                    if name.is_empty() || name.chars().count() > MAX_QUEUE_NAME {
                        self.path.push((id, "failed".into()));
                        id = *failed;
                        continue;
                    }
                    self.say_optional(prompt);
                    self.instructions.push(Instruction::Enqueue {
                        name,
                        hold_music: hold_music.clone(),
                        position_every_s: *position_every_s,
                        max_wait_s: *max_wait_s,
                    });
                    return self.wait(id, Waiting::Queue);
                }
                NodeKind::Record {
                    prompt,
                    max_length_s,
                    beep,
                    finish_key,
                    finish_any,
                    keep_silence,
                    timeout_s,
                    transcript,
                    ..
                } => {
                    self.say_optional(prompt);
                    self.instructions.push(Instruction::Record {
                        max_length_s: *max_length_s,
                        beep: *beep,
                        finish_key: *finish_key,
                        finish_any: *finish_any,
                        trim: !*keep_silence,
                        timeout_s: *timeout_s,
                        transcribe: transcript.is_some(),
                    });
                    return self.wait(id, Waiting::Recording);
                }
                NodeKind::RecordCall { next } => {
                    if !self.state.recording_call {
                        self.state.recording_call = true;
                        self.instructions.push(Instruction::RecordCall);
                    }
                    ("next".into(), *next)
                }
                NodeKind::Http {
                    method,
                    url,
                    headers,
                    body,
                    timeout_ms,
                    error,
                    ..
                } => {
                    // A URL the caller's text would bend out of shape is
                    // never requested: straight to `error`.
                    match encode::url(url, &self.state) {
                        Some(url) => {
                            self.effects.push(Effect::Http {
                                method: *method,
                                url,
                                headers: headers
                                    .iter()
                                    .map(|(name, value)| (name.clone(), parts(value, &self.state)))
                                    .collect(),
                                body: body.as_ref().map(|b| encode::body(b, &self.state)),
                                timeout_ms: *timeout_ms,
                            });
                            return self.wait(id, Waiting::Effect);
                        }
                        None => ("error".into(), *error),
                    }
                }
                NodeKind::Sms {
                    to,
                    text,
                    dlt_template,
                    failed,
                    ..
                } => {
                    let country = phone::country_of(&graph.language);
                    match number(to, &self.state, country) {
                        Some(to) => {
                            self.effects.push(Effect::Sms {
                                to,
                                text: render(text, &self.state),
                                dlt_template: dlt_template.clone(),
                            });
                            return self.wait(id, Waiting::Effect);
                        }
                        // Not a number: no message to send, and no provider
                        // call to find that out.
                        None => ("failed".into(), *failed),
                    }
                }
                NodeKind::Ai {
                    url,
                    greeting,
                    params,
                    relay,
                    ..
                } => {
                    self.say_optional(greeting);
                    self.instructions.push(Instruction::Agent {
                        url: render(url, &self.state),
                        params: params
                            .iter()
                            .map(|(k, v)| (k.clone(), render(v, &self.state)))
                            .collect(),
                        relay: relay.then(|| self.state.language.clone()),
                    });
                    return self.wait(id, Waiting::Agent);
                }
                NodeKind::Hangup { prompt } => {
                    self.say_optional(prompt);
                    self.instructions.push(Instruction::Hangup);
                    self.state.ended = true;
                    return self.wait(id, Waiting::Nothing);
                }
            };
            self.path.push((id, exit));
            id = next;
        }
    }

    /// Stop at `id`, waiting for `waiting`.
    fn wait(&mut self, id: NodeId, waiting: Waiting) {
        self.state.waiting = waiting;
        self.path.push((id, STOP.into()));
    }

    /// Ask the menu or gather at `id` for the current attempt.
    fn ask(&mut self, id: NodeId, miss: Option<Miss>) {
        let Some(node) = self.graph.nodes.get(id.index()) else {
            return self.lost();
        };
        match ask::gather(self.graph, &node.kind, &self.state, miss) {
            Some(gather) => {
                self.instructions.push(gather);
                self.wait(id, Waiting::Input);
            }
            None => self.lost(),
        }
    }

    /// A `say`/`play` node: with one prompt, the provider repeats it `loops`
    /// times; with several, the whole sequence is repeated.
    fn say_all(&mut self, prompts: &[Prompt], loops: u32) {
        // Some providers read a loop count of 0 as "for ever".
        let loops = loops.max(1);
        if let [prompt] = prompts {
            let heard = said(self.graph, prompt, &self.state, loops);
            self.instructions.extend(heard);
            return;
        }
        for _ in 0..loops.min(MAX_LOOPS) {
            for prompt in prompts {
                let heard = said(self.graph, prompt, &self.state, 1);
                self.instructions.extend(heard);
            }
        }
    }

    fn say_optional(&mut self, prompt: &Option<Prompt>) {
        if let Some(prompt) = prompt {
            let heard = said(self.graph, prompt, &self.state, 1);
            self.instructions.extend(heard);
        }
    }

    /// Store a value. Assigning `language` switches the call's language.
    /// A recording asked at turn `asked_at` is transcribed into `var`: it
    /// reads `""` until the text arrives. A newer recording into the same
    /// variable replaces an older one still awaited.
    fn await_transcript(&mut self, asked_at: u64, var: &str) {
        self.assign(var, Value::String(String::new()));
        self.state.transcripts.retain(|_, v| v != var);
        self.state.transcripts.insert(asked_at, var.to_string());
    }

    fn assign(&mut self, var: &str, value: Value) {
        if var == "language" {
            if let Value::String(language) = value {
                self.state.language = language;
            }
            return;
        }
        self.state.vars.insert(var.to_string(), value);
    }

    /// The turn looped without waiting: drop what it would have said (a
    /// loop's speech is noise) and hang up.
    fn runaway(&mut self) {
        self.instructions.clear();
        self.effects.clear();
        self.hang_up();
    }

    /// The call points at a node the graph does not have (a state from
    /// another graph version): nothing sensible can follow, so hang up.
    fn lost(&mut self) {
        self.hang_up();
    }

    fn hang_up(&mut self) {
        self.instructions.push(Instruction::Hangup);
        self.state.ended = true;
        self.state.waiting = Waiting::Nothing;
    }
}

/// What a `transfer` target dials for this call, or `None` to skip it. A
/// phone number built from variables is normalised to E.164 with the flow's
/// country; one that is not a valid number is skipped, so no garbage is ever
/// dialled. Numbers written out were checked by the compiler. A SIP address
/// or Client identity is passed on as rendered, unless nothing follows its
/// scheme or it holds spaces.
fn dial_target(t: &Template, state: &CallState, country: Option<Country>) -> Option<String> {
    match t.address() {
        Address::Number => number(t, state, country),
        Address::Sip | Address::Client => {
            let address = render(t, state).trim().to_string();
            let scheme = match t.address() {
                Address::Sip => Address::SIP,
                _ => Address::CLIENT,
            };
            let rest = address.strip_prefix(scheme)?;
            (!rest.is_empty() && !rest.chars().any(char::is_whitespace)).then_some(address)
        }
    }
}

/// A phone number for this call: as written, or built and normalised.
fn number(t: &Template, state: &CallState, country: Option<Country>) -> Option<String> {
    let text = render(t, state);
    if t.is_literal() {
        return (!text.trim().is_empty()).then(|| text.trim().to_string());
    }
    phone::normalise(&text, country)
}
