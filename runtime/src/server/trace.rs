//! A call's trace, turn by turn, built beside the walk ([`super::walk`]) from
//! what the engine already returns: the path of each step, the event that
//! woke the call, each call-out with its status and latency, what the caller
//! heard, the variables the turn changed and the provider answer. Only the
//! history keeps it (the live state stays as small as it was).
//!
//! Secrets: `{env.NAME}` values only ever reach call-out headers (the engine
//! renders them empty anywhere else), and headers are not traced. A
//! dependency may still echo one back into a variable: any traced value that
//! holds the value of an `{env.NAME}` the turn's call-outs used is masked.

use std::collections::BTreeMap;

use ivr_compiler::Graph;
use serde_json::Value;

use crate::engine::{CallState, DialOutcome, Effect, Event, Instruction, Part, QueueOutcome, Turn};
use crate::store::{CallOut, Heard, Visit};

/// What a masked value shows instead.
pub const MASK: &str = "••••";

/// What woke the call for a walk, and its variables before it.
#[derive(Debug, Default)]
pub struct Cause {
    event: Option<&'static str>,
    input: Option<String>,
    /// The call-out that answered, when its result woke the call.
    call_out: Option<CallOut>,
    vars: BTreeMap<String, Value>,
}

impl Cause {
    /// `event` applied to a call whose variables were `before` (none for a
    /// new call).
    pub fn of(event: &Event, before: Option<&CallState>) -> Cause {
        let (name, input) = name(event);
        Cause {
            event: Some(name),
            input,
            call_out: None,
            vars: before.map(|s| s.vars.clone()).unwrap_or_default(),
        }
    }

    /// A new call.
    pub fn started() -> Cause {
        Cause {
            event: Some("started"),
            ..Cause::default()
        }
    }

    /// A held call-out's result (its `call_out`, when known) woke `held`.
    pub fn call_out(call_out: Option<CallOut>, held: &CallState) -> Cause {
        Cause {
            event: Some("call_out"),
            input: None,
            call_out,
            vars: held.vars.clone(),
        }
    }
}

/// The trace of one walk while it runs.
#[derive(Debug, Default)]
pub struct Trace {
    pub visits: Vec<Visit>,
    /// The variables before the walk.
    before: BTreeMap<String, Value>,
    /// `{env.NAME}` names the walk's call-outs used.
    secrets: Vec<String>,
    /// The next visit's cause (the first step's, then each call-out's).
    cause: Option<Cause>,
}

impl Trace {
    pub fn new(mut cause: Cause) -> Trace {
        Trace {
            before: std::mem::take(&mut cause.vars),
            cause: Some(cause),
            ..Trace::default()
        }
    }

    /// The nodes `turn` went through; the first carries what woke it.
    pub fn step(&mut self, graph: &Graph, turn: &Turn) {
        let first = self.visits.len();
        self.visits.extend(
            turn.path
                .iter()
                .map(|(id, exit)| Visit::new(&graph.node(*id).name, exit, turn.state.updated_at)),
        );
        if let (Some(cause), Some(visit)) = (self.cause.take(), self.visits.get_mut(first)) {
            visit.event = cause.event.map(String::from);
            visit.input = cause.input;
            visit.call_out = cause.call_out;
        }
    }

    /// `effect` is about to run; `call_out` (when it answered in this walk)
    /// goes on the visit of the step its result makes.
    pub fn effect(&mut self, effect: &Effect) {
        if let Effect::Http { headers, .. } = effect {
            for (_, parts) in headers {
                for part in parts {
                    if let Part::Env(name) = part {
                        self.secrets.push(name.clone());
                    }
                }
            }
        }
    }

    /// The call-out that answered; its result wakes the next step.
    pub fn answered(&mut self, call_out: Option<CallOut>) {
        self.cause = Some(Cause {
            event: Some("call_out"),
            call_out,
            ..Cause::default()
        });
    }

    /// Add the visits of a walk that went on from this one (a provider that
    /// hands the engine a step: same turn).
    pub fn append(&mut self, mut other: Trace) {
        self.visits.append(&mut other.visits);
        self.secrets.append(&mut other.secrets);
    }

    /// The turn is answered with `answer` at `state`, the caller hearing
    /// `instructions`: the last visit gets those, every visit the turn.
    pub fn close(&mut self, state: &CallState, instructions: &[Instruction], answer: &str) {
        let secrets: Vec<String> = self
            .secrets
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .filter(|value| !value.is_empty())
            .collect();
        for visit in &mut self.visits {
            visit.turn.get_or_insert(state.turn);
        }
        let Some(last) = self.visits.last_mut() else {
            return;
        };
        last.heard = heard(instructions);
        last.vars = state
            .vars
            .iter()
            .filter(|(name, value)| self.before.get(*name) != Some(*value))
            .map(|(name, value)| (name.clone(), masked(value, &secrets)))
            .collect();
        last.answer = Some(answer.to_string());
        if !secrets.is_empty() {
            for visit in &mut self.visits {
                if let Some(call_out) = &mut visit.call_out {
                    call_out.url = hide(&call_out.url, &secrets);
                }
            }
        }
    }
}

/// The trace's name of an event, and the caller's input it carries.
fn name(event: &Event) -> (&'static str, Option<String>) {
    match event {
        Event::Started { .. } => ("started", None),
        Event::Digits { digits, .. } => ("digits", Some(digits.clone())),
        Event::Speech { text, .. } => ("speech", Some(text.clone())),
        Event::NoInput { .. } => ("no_input", None),
        Event::Dialed { outcome, .. } => (
            match outcome {
                DialOutcome::Answered => "dial_answered",
                DialOutcome::Busy => "dial_busy",
                DialOutcome::NoAnswer => "dial_no_answer",
                DialOutcome::Failed => "dial_failed",
            },
            None,
        ),
        Event::Queued { outcome, .. } => (
            match outcome {
                QueueOutcome::Bridged => "queue_bridged",
                QueueOutcome::Timeout => "queue_timeout",
                QueueOutcome::Failed => "queue_failed",
            },
            None,
        ),
        Event::Recorded { .. } => ("recorded", None),
        Event::EffectDone { .. } => ("call_out", None),
        Event::AgentEnded { .. } => ("agent", None),
        Event::Hangup { .. } => ("hangup", None),
    }
}

/// What the caller hears from `instructions`: spoken text and audio, in order.
pub fn heard(instructions: &[Instruction]) -> Vec<Heard> {
    let mut out = Vec::new();
    for instruction in instructions {
        match instruction {
            Instruction::Say { text, language, .. } => out.push(Heard {
                text: Some(text.clone()),
                language: Some(language.clone()),
                ..Heard::default()
            }),
            Instruction::Play { url, .. } => out.push(Heard {
                audio: Some(url.clone()),
                ..Heard::default()
            }),
            Instruction::Gather { prompts, .. } => out.extend(heard(prompts)),
            Instruction::Enqueue {
                hold_music: Some(url),
                ..
            } => out.push(Heard {
                audio: Some(url.clone()),
                ..Heard::default()
            }),
            _ => {}
        }
    }
    out
}

/// An HTTP call-out as the trace shows it, before it answers.
pub fn call_out(effect: &Effect) -> Option<CallOut> {
    let Effect::Http { method, url, .. } = effect else {
        return None;
    };
    Some(CallOut {
        method: format!("{method:?}").to_uppercase(),
        url: mask_url(url),
        status: 0,
        latency_ms: 0,
    })
}

/// Query parameters whose values are masked in traced URLs.
const SECRET_WORDS: [&str; 8] = [
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "auth",
    "credential",
];

/// `url` with a password in it and the values of secret-looking query
/// parameters (`api_key`, `token`, `sig`…) masked.
pub fn mask_url(url: &str) -> String {
    let (head, fragment) = url
        .split_once('#')
        .map_or((url, None), |(h, f)| (h, Some(f)));
    let (base, query) = head
        .split_once('?')
        .map_or((head, None), |(b, q)| (b, Some(q)));
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    let user = userinfo.split(':').next().unwrap_or("");
                    format!("{scheme}://{user}:{MASK}@{host}{path}")
                }
                None => base.to_string(),
            }
        }
        None => base.to_string(),
    };
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if secret_name(name) => format!("{name}={MASK}"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "sig" || SECRET_WORDS.iter().any(|w| name.contains(w))
}

/// `value` with every string holding one of `secrets` masked.
fn masked(value: &Value, secrets: &[String]) -> Value {
    if secrets.is_empty() {
        return value.clone();
    }
    match value {
        Value::String(s) if secrets.iter().any(|secret| s.contains(secret.as_str())) => {
            Value::String(MASK.into())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| masked(v, secrets)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), masked(v, secrets)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `text` with every occurrence of `secrets` masked.
fn hide(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |text, secret| {
        text.replace(secret.as_str(), MASK)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passwords_and_secret_looking_query_values_are_masked() {
        assert_eq!(
            mask_url("https://bob:hunter2@api.example.com/v1/orders?id=42&api_key=abc&sig=x#top"),
            "https://bob:••••@api.example.com/v1/orders?id=42&api_key=••••&sig=••••#top"
        );
        assert_eq!(
            mask_url("http://127.0.0.1:9/orders/42"),
            "http://127.0.0.1:9/orders/42"
        );
        assert_eq!(mask_url("not a url?Token=1"), "not a url?Token=••••");
    }

    #[test]
    fn a_secret_echoed_into_a_variable_is_masked_wherever_it_is() {
        let secrets = vec!["s3cret".to_string()];
        let value = json!({"auth": "Bearer s3cret", "list": ["a", "xs3cretx"], "n": 1});
        assert_eq!(
            masked(&value, &secrets),
            json!({"auth": MASK, "list": ["a", MASK], "n": 1})
        );
    }

    #[test]
    fn what_the_caller_hears_includes_a_gathers_prompts() {
        let say = Instruction::Say {
            text: "Hello".into(),
            language: "en-IN".into(),
            voice: None,
            loops: 1,
            marked: Vec::new(),
        };
        let play = Instruction::Play {
            url: "https://a/b.mp3".into(),
            loops: 1,
        };
        let gather = Instruction::Gather {
            prompts: vec![play],
            input: ivr_compiler::graph::Input::Dtmf,
            min_digits: 1,
            max_digits: 1,
            finish_key: None,
            timeout_s: 5,
            language: "en-IN".into(),
            hints: Vec::new(),
        };
        let heard = heard(&[say, gather, Instruction::Hangup]);
        assert_eq!(heard.len(), 2);
        assert_eq!(heard[0].text.as_deref(), Some("Hello"));
        assert_eq!(heard[0].language.as_deref(), Some("en-IN"));
        assert_eq!(heard[1].audio.as_deref(), Some("https://a/b.mp3"));
    }
}
