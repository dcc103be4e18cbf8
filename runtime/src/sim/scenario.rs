//! Scenario files (`*.test.yaml`, beside the flow): scripted calls with
//! expectations, run on the engine by `ivr test`.
//!
//! ```yaml
//! flow: main_line.ivr            # default: the flow with the same stem
//! scenarios:
//!   - name: sales line is busy
//!     caller: "+919812345678"
//!     at: 2026-12-21T10:00:00+05:30
//!     vars: { order_id: "A-1001" }
//!     split: { greeting_test: new }  # the branch a `split` node takes
//!     world:                     # answers for effects not answered by a step
//!       http: [{ url: /orders/, status: 200, body: { status: shipped } }]
//!     steps:
//!       - expect: { node: main, say: /press 1/ }
//!       - press: "1"
//!       - expect: { transfer: "+918045671201" }
//!       - dial: busy
//!       - silence
//!       - hangup
//! ```
//!
//! An agent ends with `- agent: { ok: true, data: { intent: human } }`: `data`
//! is its result (through the emulators, posted to the runtime as a real
//! agent does), `after: 16m` how long it talked, `ok: false` an error.

use std::collections::BTreeMap;

use ivr_compiler::Graph;
use ivr_compiler::graph::NodeKind;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::{Output, SimCall, heard, played};
use crate::engine::{
    AnsweredBy, Caller, DialOutcome, Direction, Effect, EffectResult, Event, Instruction, Millis,
    QueueOutcome, Waiting,
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "ivr scenarios (*.test.yaml)")]
pub struct ScenarioFile {
    /// The flow file, relative to the scenario file.
    pub flow: Option<String>,
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default = "default_caller")]
    pub caller: String,
    #[serde(default = "default_called")]
    pub called: String,
    #[serde(default)]
    pub outbound: bool,
    /// Who answered a placed call (`human`, `machine`, `unknown`): what
    /// `call.answered_by` reads. Default: not detected (`unknown`).
    pub answered_by: Option<AnsweredBy>,
    /// RFC 3339 time the call starts (for `hours`); default 2026-01-05T10:00:00Z, a Monday.
    pub at: Option<String>,
    #[serde(default)]
    pub vars: BTreeMap<String, Value>,
    /// Branches of `split` nodes this call takes: `{ greeting_test: new }`.
    /// Unpinned splits choose by the call id, as on a real call.
    #[serde(default)]
    pub split: BTreeMap<String, String>,
    #[serde(default)]
    pub world: World,
    #[serde(deserialize_with = "steps")]
    pub steps: Vec<Step>,
}

/// Steps are `- press: "1"` or `- silence`. YAML's own enum form is `!press`
/// tags, which no flow author should have to write, so each step is read as
/// plain data first and then as a step.
fn steps<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Step>, D::Error> {
    let raw: Vec<Value> = Deserialize::deserialize(d)?;
    raw.into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v)
                .map_err(|e| serde::de::Error::custom(format!("step {}: {e}", i + 1)))
        })
        .collect()
}

fn default_caller() -> String {
    "+919812345678".into()
}

fn default_called() -> String {
    "+918045671200".into()
}

/// Standing answers for the outside world.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct World {
    #[serde(default)]
    pub http: Vec<HttpAnswer>,
    pub sms: Option<SmsOutcome>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpAnswer {
    /// Matches the request URL: a substring, or `/regex/`.
    pub url: Option<String>,
    #[serde(default = "ok_status")]
    pub status: u16,
    pub body: Option<Value>,
}

fn ok_status() -> u16 {
    200
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmsOutcome {
    Sent,
    Failed,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Keys: `"1"`, `"123456#"`.
    Press(String),
    /// A spoken phrase.
    Speak(String),
    Silence,
    Hangup,
    Dial(DialOutcome),
    Queue(QueueOutcome),
    /// The recording's URL, or `empty`.
    Record(String),
    /// The transcript of the call's newest transcribed recording arrives
    /// (`record … transcribe into VAR`): its variable holds this from now on.
    /// Without this step the transcript never arrives and the variable
    /// stays `""`.
    Transcript(String),
    Http(HttpAnswer),
    Sms(SmsOutcome),
    Agent(AgentEnd),
    Expect(Box<Expect>),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentEnd {
    #[serde(default = "yes")]
    pub ok: bool,
    /// The agent's result: posted to the runtime (stream agents), or the
    /// provider's `handoffData` (relay).
    pub data: Option<Value>,
    /// How long the agent talked (`16m`), to walk an `ai` node's `timeout`.
    #[serde(default, deserialize_with = "duration")]
    #[schemars(with = "Option<Duration>")]
    pub after: Option<Millis>,
}

/// A duration as [`duration`] reads it, for the schema.
struct Duration;

impl JsonSchema for Duration {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(ms|s|m|h)$",
            "description": "`500ms`, `5s`, `16m`, `1h`"
        })
    }
}

/// The JSON Schema (draft-07, which YAML editor plugins read) of a scenario
/// file, from the types `ivr test` reads it into.
pub fn schema() -> Value {
    schemars::generate::SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<ScenarioFile>()
        .to_value()
}

/// `500ms`, `5s`, `16m`, `1h`.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Millis>, D::Error> {
    let text = String::deserialize(d)?;
    ivr_compiler::duration::parse_ms(&text)
        .and_then(|ms| Millis::try_from(ms).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a duration like 5s or 16m"))
        })
}

fn yes() -> bool {
    true
}

/// What should have happened since the last caller action. Texts are exact,
/// or `/regex/`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Something the caller heard.
    pub say: Option<String>,
    /// An audio URL played.
    pub play: Option<String>,
    /// The node the call now waits at.
    pub node: Option<String>,
    /// Nodes walked, in order (others may sit between them).
    #[serde(default)]
    pub path: Vec<String>,
    /// Exits taken, as `node:exit` (`main:1`, `sales:busy`).
    #[serde(default)]
    pub exits: Vec<String>,
    /// A number or SIP URI dialled.
    pub transfer: Option<String>,
    pub queue: Option<String>,
    pub record: Option<bool>,
    pub agent: Option<String>,
    pub hangup: Option<bool>,
    pub sms: Option<SmsExpect>,
    pub http: Option<String>,
    #[serde(default)]
    pub vars: BTreeMap<String, Value>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsExpect {
    pub to: Option<String>,
    pub text: Option<String>,
}

/// A scenario that did not go as expected.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    pub step: usize,
    pub expected: String,
    pub happened: String,
}

/// The result of one scenario.
#[derive(Debug, serde::Serialize)]
pub struct Outcome {
    pub name: String,
    pub failures: Vec<Failure>,
    /// Every (node, exit) walked; exit `""` marks a node the call stopped at.
    pub walked: Vec<(String, String)>,
    /// Transcript of the call, for failure reports.
    #[serde(skip)]
    pub transcript: String,
}

/// Problems that make a scenario meaningless (names the flow lacks).
pub fn validate(file: &ScenarioFile, graph: &Graph) -> Vec<String> {
    let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
    let mut problems = Vec::new();
    let node = |name: &str, scenario: &str, problems: &mut Vec<String>| {
        if !names.contains(&name) {
            let hint = ivr_compiler::diagnostic::did_you_mean(name, names.iter().copied())
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            problems.push(format!(
                "scenario `{scenario}` names node `{name}`, which flow `{}` does not have{hint}",
                graph.flow
            ));
            false
        } else {
            true
        }
    };
    for s in &file.scenarios {
        for (split, branch) in &s.split {
            if !node(split, &s.name, &mut problems) {
                continue;
            }
            let id = graph.find(split).expect("checked above");
            match &graph.node(id).kind {
                NodeKind::Split { branches } => {
                    if !branches.iter().any(|b| &b.name == branch) {
                        let names: Vec<&str> = branches.iter().map(|b| b.name.as_str()).collect();
                        problems.push(format!(
                            "scenario `{}` pins `{split}` to `{branch}`, which has only: {}",
                            s.name,
                            names.join(", ")
                        ));
                    }
                }
                other => problems.push(format!(
                    "scenario `{}` pins `{split}`, a `{}` node: only `split` nodes take a branch",
                    s.name,
                    other.keyword()
                )),
            }
        }
        for step in &s.steps {
            let Step::Expect(e) = step else { continue };
            for name in e.node.iter().chain(&e.path) {
                node(name, &s.name, &mut problems);
            }
            for exit in &e.exits {
                let Some((n, x)) = exit.split_once(':') else {
                    problems.push(format!(
                        "scenario `{}`: exit `{exit}` should be written `node:exit`",
                        s.name
                    ));
                    continue;
                };
                if node(n, &s.name, &mut problems) {
                    let id = graph.find(n).expect("checked above");
                    let exits: Vec<String> = graph
                        .node(id)
                        .kind
                        .exits()
                        .into_iter()
                        .map(|(e, _)| e)
                        .collect();
                    if !exits.iter().any(|e| e == x) {
                        problems.push(format!(
                            "scenario `{}` names exit `{x}` of `{n}`, which has only: {}",
                            s.name,
                            exits.join(", ")
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// Run one scenario on the engine.
pub fn run(graph: &Graph, scenario: &Scenario) -> Outcome {
    let transcript = super::transcript::Transcript::plain();
    let at = scenario
        .at
        .as_deref()
        .and_then(|a| a.parse::<jiff::Timestamp>().ok())
        .map_or(1_767_607_200_000, |t| t.as_millisecond());
    let caller = Caller {
        from: scenario.caller.clone(),
        to: scenario.called.clone(),
        direction: if scenario.outbound {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        answered_by: scenario.answered_by,
    };
    let (mut call, first) = SimCall::start(
        graph,
        caller,
        scenario.vars.clone(),
        scenario.split.clone(),
        at,
    );
    let mut outcome = Outcome {
        name: scenario.name.clone(),
        failures: Vec::new(),
        walked: Vec::new(),
        transcript: String::new(),
    };
    let mut since = Since::default();
    let mut record = |out: Output, since: &mut Since, outcome: &mut Outcome| {
        outcome.transcript.push_str(&transcript.output(&out));
        outcome.walked.extend(out.path.iter().cloned());
        since.add(out);
    };
    record(first, &mut since, &mut outcome);
    for (i, step) in scenario.steps.iter().enumerate() {
        // Expectations between an effect and the step answering it must not
        // let the world answer first: look past them.
        let next_action = scenario.steps[i..]
            .iter()
            .find(|s| !matches!(s, Step::Expect(_)))
            .unwrap_or(step);
        answer_world(
            &mut call,
            &scenario.world,
            next_action,
            &mut since,
            &mut outcome,
            &mut record,
        );
        let step_no = i + 1;
        if let Step::Expect(expect) = step {
            check(expect, &call, &since, step_no, &mut outcome.failures);
            continue;
        }
        if let Step::Transcript(text) = step {
            if let Err(happened) = transcribe(&mut call, text) {
                outcome.failures.push(Failure {
                    step: step_no,
                    expected: describe(step),
                    happened,
                });
                break;
            }
            outcome
                .transcript
                .push_str(&transcript.caller(&describe(step)));
            continue;
        }
        if call.ended() {
            outcome.failures.push(Failure {
                step: step_no,
                expected: format!("the call to take {}", describe(step)),
                happened: "the call had already ended".into(),
            });
            break;
        }
        let Some(event) = event_for(step, &call) else {
            outcome.failures.push(Failure {
                step: step_no,
                expected: describe(step),
                happened: format!("the call was waiting for {}", waiting(&call)),
            });
            break;
        };
        outcome
            .transcript
            .push_str(&transcript.caller(&describe(step)));
        since = Since::default();
        let out = call.act(event);
        record(out, &mut since, &mut outcome);
    }
    outcome
}

/// The transcript of the newest recording the call waits on arrives.
fn transcribe(call: &mut SimCall, text: &str) -> Result<(), String> {
    if call.ended() {
        return Err(
            "the call had already ended (its transcript goes to the call's history)".into(),
        );
    }
    let asked_at = crate::engine::transcript::newest(&call.state)
        .ok_or("the call waits for no transcript (no `record … transcribe` took `done`)")?;
    crate::engine::transcript::arrive(&mut call.state, asked_at, text);
    Ok(())
}

/// Answer effects the steps do not answer, from the scenario's world.
fn answer_world(
    call: &mut SimCall,
    world: &World,
    next: &Step,
    since: &mut Since,
    outcome: &mut Outcome,
    record: &mut impl FnMut(Output, &mut Since, &mut Outcome),
) {
    let mut guard = 0;
    while call.waiting() == Waiting::Effect && !call.ended() && guard < 100 {
        guard += 1;
        let Some(effect) = call.pending.first().cloned() else {
            return;
        };
        let explicit = matches!(
            (next, &effect),
            (Step::Http(_), Effect::Http { .. }) | (Step::Sms(_), Effect::Sms { .. })
        );
        if explicit {
            return;
        }
        let result = match &effect {
            Effect::Http { url, .. } => match world
                .http
                .iter()
                .find(|a| a.url.as_deref().is_none_or(|p| text_matches(p, url)))
            {
                Some(a) => EffectResult::Http {
                    status: a.status,
                    body: a.body.clone(),
                },
                None => return,
            },
            Effect::Sms { .. } => EffectResult::Sms {
                sent: world.sms.unwrap_or(SmsOutcome::Sent) == SmsOutcome::Sent,
            },
        };
        let out = call.act(|at| Event::EffectDone { result, at });
        record(out, since, outcome);
    }
}

/// What a step waits on: the call must wait for this for the step to
/// apply (`None`: whatever the call waits for, or no event at all).
fn waits_for(step: &Step) -> Option<Waiting> {
    match step {
        Step::Press(_) | Step::Speak(_) | Step::Silence => Some(Waiting::Input),
        Step::Dial(_) => Some(Waiting::Dial),
        Step::Queue(_) => Some(Waiting::Queue),
        Step::Record(_) => Some(Waiting::Recording),
        Step::Http(_) | Step::Sms(_) => Some(Waiting::Effect),
        Step::Agent(_) => Some(Waiting::Agent),
        Step::Hangup | Step::Transcript(_) | Step::Expect(_) => None,
    }
}

fn event_for(step: &Step, call: &SimCall) -> Option<Box<dyn FnOnce(i64) -> Event>> {
    if waits_for(step).is_some_and(|w| w != call.waiting()) {
        return None;
    }
    Some(match step {
        Step::Press(keys) => {
            let digits = keys.clone();
            Box::new(move |at| Event::Digits { digits, at })
        }
        Step::Speak(text) => {
            let text = text.clone();
            Box::new(move |at| Event::Speech {
                text,
                confidence: Some(0.9),
                at,
            })
        }
        Step::Silence => Box::new(|at| Event::NoInput { at }),
        Step::Hangup => Box::new(|at| Event::Hangup { at }),
        Step::Dial(outcome) => {
            let outcome = *outcome;
            Box::new(move |at| Event::Dialed { outcome, at })
        }
        Step::Queue(outcome) => {
            let outcome = *outcome;
            Box::new(move |at| Event::Queued { outcome, at })
        }
        Step::Record(url) => {
            let url = (url != "empty").then(|| url.clone());
            Box::new(move |at| Event::Recorded {
                duration_s: url.as_ref().map(|_| 12),
                url,
                at,
            })
        }
        Step::Http(answer) => {
            let result = EffectResult::Http {
                status: answer.status,
                body: answer.body.clone(),
            };
            Box::new(move |at| Event::EffectDone { result, at })
        }
        Step::Sms(outcome) => {
            let sent = *outcome == SmsOutcome::Sent;
            Box::new(move |at| Event::EffectDone {
                result: EffectResult::Sms { sent },
                at,
            })
        }
        Step::Agent(end) => {
            let (ok, data, after) = (end.ok, end.data.clone(), end.after.unwrap_or(0));
            Box::new(move |at| Event::AgentEnded {
                ok,
                data,
                at: at.saturating_add(after),
            })
        }
        // Taken before a step becomes an event.
        Step::Transcript(_) | Step::Expect(_) => return None,
    })
}

fn describe(step: &Step) -> String {
    match step {
        Step::Press(k) => format!("press {k}"),
        Step::Speak(t) => format!("say \"{t}\""),
        Step::Silence => "silence".into(),
        Step::Hangup => "hang up".into(),
        Step::Dial(o) => format!(
            "dial result {}",
            serde_json::to_string(o)
                .unwrap_or_default()
                .trim_matches('"')
        ),
        Step::Queue(o) => format!(
            "queue result {}",
            serde_json::to_string(o)
                .unwrap_or_default()
                .trim_matches('"')
        ),
        Step::Record(u) => format!("recording {u}"),
        Step::Transcript(t) => format!("transcript \"{t}\""),
        Step::Http(a) => format!("HTTP answer {}", a.status),
        Step::Sms(o) => format!(
            "SMS {}",
            if *o == SmsOutcome::Sent {
                "sent"
            } else {
                "failed"
            }
        ),
        Step::Agent(a) => format!("agent {}", if a.ok { "done" } else { "failed" }),
        Step::Expect(_) => "an expectation".into(),
    }
}

fn waiting(call: &SimCall) -> String {
    if call.ended() {
        return "nothing (the call ended)".into();
    }
    let what = match call.waiting() {
        Waiting::Input => "keys or speech",
        Waiting::Dial => "a dial result",
        Waiting::Queue => "a queue result",
        Waiting::Recording => "a recording",
        Waiting::Agent => "the agent to finish",
        Waiting::Effect => match call.pending.first() {
            Some(Effect::Http { .. }) => {
                "an HTTP answer (add an `http:` step or a `world.http` answer)"
            }
            Some(Effect::Sms { .. }) => "an SMS result",
            None => "an effect",
        },
        Waiting::Nothing => "nothing",
    };
    format!("{what} at `{}`", call.node_name())
}

/// Everything since the last caller action.
#[derive(Default)]
struct Since {
    instructions: Vec<Instruction>,
    path: Vec<(String, String)>,
    effects: Vec<Effect>,
}

impl Since {
    fn add(&mut self, out: Output) {
        self.instructions.extend(out.instructions);
        self.path.extend(out.path);
        self.effects.extend(out.effects);
    }
}

/// `/regex/` or exact text.
pub fn text_matches(pattern: &str, text: &str) -> bool {
    match pattern.strip_prefix('/').and_then(|p| p.strip_suffix('/')) {
        Some(re) if pattern.len() >= 2 => regex::Regex::new(re).is_ok_and(|r| r.is_match(text)),
        _ => pattern == text,
    }
}

fn check(e: &Expect, call: &SimCall, since: &Since, step: usize, failures: &mut Vec<Failure>) {
    let mut fail = |expected: String, happened: String| {
        failures.push(Failure {
            step,
            expected,
            happened,
        })
    };
    let quoted = |v: &[String]| {
        if v.is_empty() {
            "nothing".to_string()
        } else {
            v.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    if let Some(p) = &e.say {
        let heard = heard(&since.instructions);
        if !heard.iter().any(|h| text_matches(p, h)) {
            fail(format!("to hear {p}"), format!("heard {}", quoted(&heard)));
        }
    }
    if let Some(p) = &e.play {
        let played = played(&since.instructions);
        if !played.iter().any(|h| text_matches(p, h)) {
            fail(
                format!("to play {p}"),
                format!("played {}", quoted(&played)),
            );
        }
    }
    if let Some(n) = &e.node
        && (call.ended() || call.node_name() != n)
    {
        fail(
            format!("to wait at `{n}`"),
            if call.ended() {
                "the call ended".into()
            } else {
                format!("waits at `{}`", call.node_name())
            },
        );
    }
    let walked: Vec<&str> = since.path.iter().map(|(n, _)| n.as_str()).collect();
    let mut rest = walked.iter();
    if !e.path.iter().all(|want| rest.any(|n| n == want)) {
        fail(
            format!("to walk {}", e.path.join(" → ")),
            format!("walked {}", walked.join(" → ")),
        );
    }
    for exit in &e.exits {
        if !since.path.iter().any(|(n, x)| format!("{n}:{x}") == *exit) {
            let taken: Vec<String> = since
                .path
                .iter()
                .filter(|(_, x)| !x.is_empty())
                .map(|(n, x)| format!("{n}:{x}"))
                .collect();
            fail(
                format!("to take exit {exit}"),
                format!("took {}", taken.join(", ")),
            );
        }
    }
    let dialled: Vec<String> = since
        .instructions
        .iter()
        .filter_map(|i| {
            if let Instruction::Dial { targets, .. } = i {
                Some(targets.clone())
            } else {
                None
            }
        })
        .flatten()
        .collect();
    if let Some(t) = &e.transfer
        && !dialled.iter().any(|d| text_matches(t, d))
    {
        fail(
            format!("a transfer to {t}"),
            format!("dialled {}", quoted(&dialled)),
        );
    }
    let queues: Vec<String> = since
        .instructions
        .iter()
        .filter_map(|i| {
            if let Instruction::Enqueue { name, .. } = i {
                Some(name.clone())
            } else {
                None
            }
        })
        .collect();
    if let Some(q) = &e.queue
        && !queues.iter().any(|n| text_matches(q, n))
    {
        fail(
            format!("to queue in {q}"),
            format!("queued in {}", quoted(&queues)),
        );
    }
    let recorded = since
        .instructions
        .iter()
        .any(|i| matches!(i, Instruction::Record { .. }));
    if let Some(r) = e.record
        && r != recorded
    {
        fail(format!("recording: {r}"), format!("recording: {recorded}"));
    }
    if let Some(a) = &e.agent {
        let agents: Vec<String> = since
            .instructions
            .iter()
            .filter_map(|i| {
                if let Instruction::Agent { url, .. } = i {
                    Some(url.clone())
                } else {
                    None
                }
            })
            .collect();
        if !agents.iter().any(|u| text_matches(a, u)) {
            fail(
                format!("a hand-off to {a}"),
                format!("handed off to {}", quoted(&agents)),
            );
        }
    }
    if let Some(h) = e.hangup
        && h != call.ended()
    {
        fail(
            format!("the call {}", if h { "to end" } else { "to go on" }),
            format!(
                "the call {}",
                if call.ended() { "ended" } else { "goes on" }
            ),
        );
    }
    if let Some(sms) = &e.sms {
        let sent: Vec<(String, String)> = since
            .effects
            .iter()
            .filter_map(|e| {
                if let Effect::Sms { to, text, .. } = e {
                    Some((to.clone(), text.clone()))
                } else {
                    None
                }
            })
            .collect();
        let ok = sent.iter().any(|(to, text)| {
            sms.to.as_deref().is_none_or(|p| text_matches(p, to))
                && sms.text.as_deref().is_none_or(|p| text_matches(p, text))
        });
        if !ok {
            let seen: Vec<String> = sent
                .iter()
                .map(|(to, text)| format!("to {to}: {text}"))
                .collect();
            fail("an SMS".into(), format!("sent {}", quoted(&seen)));
        }
    }
    if let Some(h) = &e.http {
        let calls: Vec<String> = since
            .effects
            .iter()
            .filter_map(|e| {
                if let Effect::Http { method, url, .. } = e {
                    Some(format!("{} {url}", method.as_str()))
                } else {
                    None
                }
            })
            .collect();
        if !calls
            .iter()
            .any(|c| text_matches(h, c) || c.ends_with(h.as_str()))
        {
            fail(
                format!("an HTTP call {h}"),
                format!("called {}", quoted(&calls)),
            );
        }
    }
    for (name, want) in &e.vars {
        let have = call.state.vars.get(name).cloned().unwrap_or(Value::Null);
        if &have != want {
            fail(format!("{name} = {want}"), format!("{name} = {have}"));
        }
    }
}
