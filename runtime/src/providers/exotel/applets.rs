//! Instructions → a plan of Exotel applet steps, and each applet's answer.
//!
//! Planning rules (Exotel runs one applet per Passthru round trip, so fewer
//! steps means fewer round trips and less silence):
//! - consecutive Says become one Greeting text (each repeated `loops` times);
//!   a Play is its own Greeting (an audio URL); Pause has no Exotel
//!   equivalent and is dropped; a Say's language and voice are not sent
//!   (Exotel's TTS voice is an account/app setting);
//! - the prompt closest to a Gather — its own prompts, merged with the Says
//!   just before it — becomes `gather_prompt`; earlier pieces stay Greetings;
//! - Dial → Connect, Agent → Voicebot, Record → Voicemail, Hangup → Hangup;
//! - Enqueue → [`AppletStep::Unavailable`]: Exotel's generic app has no
//!   queue, so the engine is told the queue failed (the checker should
//!   refuse `queue` for Exotel flows; this keeps a call alive if it did not);
//! - the plan stops at the first step that waits; a plan whose instructions
//!   do not end with one ends with Hangup (as a TwiML document would).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::engine::{DialOutcome, Event, Instruction, Millis, QueueOutcome};

use super::{Applet, Reply};

/// One applet run, with the settings its URL will answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "applet", rename_all = "snake_case")]
pub enum AppletStep {
    Greeting {
        prompt: Prompt,
    },
    Gather {
        prompt: Option<Prompt>,
        max_digits: Option<u32>,
        finish_key: Option<char>,
        timeout_s: u32,
    },
    Connect {
        numbers: Vec<String>,
        caller_id: Option<String>,
        record: bool,
        ring_timeout_s: u32,
    },
    Voicebot {
        url: String,
    },
    Voicemail,
    /// Not produced by [`plan`] (SMS is an engine effect); a server that
    /// delivers an SMS to the caller through the app may insert it.
    Sms {
        text: String,
    },
    Hangup,
    /// Something the generic app cannot do; [`super::passthru`] reports its
    /// failure to the engine instead of selecting an applet.
    Unavailable {
        what: Unsupported,
    },
}

/// What to say or play: Exotel takes one text or one audio URL at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    Text(String),
    AudioUrl(String),
}

/// Instructions Exotel's generic app has no applet for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unsupported {
    Queue,
    /// A text agent (ConversationRelay): Exotel's Voicebot streams audio.
    Relay,
    /// A transfer to SIP addresses or Client identities only: Connect dials
    /// phone numbers.
    Address,
}

impl Unsupported {
    /// The event that tells the engine the step failed.
    pub fn event(self, at: Millis) -> Event {
        match self {
            Unsupported::Queue => Event::Queued {
                outcome: QueueOutcome::Failed,
                at,
            },
            Unsupported::Relay => Event::AgentEnded {
                ok: false,
                data: None,
                at,
            },
            Unsupported::Address => Event::Dialed {
                outcome: DialOutcome::Failed,
                at,
            },
        }
    }
}

impl AppletStep {
    /// The Switch Case that runs this step (`None` for [`AppletStep::Unavailable`]).
    pub fn applet(&self) -> Option<Applet> {
        Some(match self {
            AppletStep::Greeting { .. } => Applet::Greeting,
            AppletStep::Gather { .. } => Applet::Gather,
            AppletStep::Connect { .. } => Applet::Connect,
            AppletStep::Voicebot { .. } => Applet::Voicebot,
            AppletStep::Voicemail => Applet::Voicemail,
            AppletStep::Sms { .. } => Applet::Sms,
            AppletStep::Hangup => Applet::Hangup,
            AppletStep::Unavailable { .. } => return None,
        })
    }

    /// Does the next Passthru report an outcome of this step?
    pub fn waits(&self) -> bool {
        matches!(
            self,
            AppletStep::Gather { .. }
                | AppletStep::Connect { .. }
                | AppletStep::Voicebot { .. }
                | AppletStep::Voicemail
        )
    }
}

/// The current position in one turn's plan. The server stores it with the
/// call state (it is serialisable) and replaces it after every engine turn.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub steps: Vec<AppletStep>,
    /// How many steps have been selected; the current one is `next - 1`.
    pub next: usize,
}

impl Plan {
    pub fn new(instructions: &[Instruction]) -> Plan {
        Plan {
            steps: plan(instructions),
            next: 0,
        }
    }

    /// The step Exotel is running (or last ran): the one selected last.
    pub fn current(&self) -> Option<&AppletStep> {
        self.next.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// Select the next step.
    pub fn advance(&mut self) -> Option<&AppletStep> {
        let step = self.steps.get(self.next)?;
        self.next += 1;
        Some(step)
    }
}

/// Plan one turn's instructions as applet steps (rules in the module docs).
pub fn plan(instructions: &[Instruction]) -> Vec<AppletStep> {
    let mut steps = Vec::new();
    let mut pending: Vec<Prompt> = Vec::new();
    let flush = |pending: &mut Vec<Prompt>, steps: &mut Vec<AppletStep>| {
        steps.extend(
            pending
                .drain(..)
                .map(|prompt| AppletStep::Greeting { prompt }),
        );
    };
    for instruction in instructions {
        let last = match instruction {
            Instruction::Say { .. } | Instruction::Play { .. } | Instruction::Pause { .. } => {
                add_prompt(&mut pending, instruction);
                continue;
            }
            // The checker refuses `record_call` for Exotel (only a Connect
            // records); a flow served here anyway goes on unrecorded.
            Instruction::RecordCall => continue,
            Instruction::Gather {
                prompts,
                max_digits,
                finish_key,
                timeout_s,
                ..
            } => {
                for p in prompts {
                    add_prompt(&mut pending, p);
                }
                let prompt = pending.pop();
                AppletStep::Gather {
                    prompt,
                    max_digits: (*max_digits > 0).then_some(*max_digits),
                    finish_key: *finish_key,
                    timeout_s: *timeout_s,
                }
            }
            Instruction::Dial {
                targets,
                caller_id,
                ring_timeout_s,
                record,
            } => {
                // Connect dials numbers only; the checker refuses SIP and
                // Client targets for Exotel, and a flow served here anyway
                // fails the transfer rather than dial an address as a number.
                let numbers: Vec<String> = targets
                    .iter()
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.starts_with("sip:") && !t.starts_with("client:"))
                    .collect();
                if numbers.is_empty() {
                    AppletStep::Unavailable {
                        what: Unsupported::Address,
                    }
                } else {
                    AppletStep::Connect {
                        numbers,
                        caller_id: caller_id.clone(),
                        record: *record,
                        ring_timeout_s: *ring_timeout_s,
                    }
                }
            }
            Instruction::Enqueue { .. } => AppletStep::Unavailable {
                what: Unsupported::Queue,
            },
            Instruction::Record { .. } => AppletStep::Voicemail,
            // The checker refuses `mode relay` for Exotel; a flow served
            // here anyway takes the agent's `failed` exit.
            Instruction::Agent { relay: Some(_), .. } => AppletStep::Unavailable {
                what: Unsupported::Relay,
            },
            Instruction::Agent { url, params, .. } => AppletStep::Voicebot {
                url: with_query(url, params),
            },
            Instruction::Hangup => AppletStep::Hangup,
        };
        flush(&mut pending, &mut steps);
        steps.push(last);
        return steps;
    }
    flush(&mut pending, &mut steps);
    steps.push(AppletStep::Hangup);
    steps
}

/// What a held caller hears between Passthru round trips when no hold
/// audio is configured.
pub const HOLD_TEXT: &str = "Please hold.";

/// A hold while a slow effect runs on: the turn's prompts so far, then a
/// Greeting of its own with the filler (`audio_url`, or [`HOLD_TEXT`]), so
/// that a hold repeated while the effect still runs repeats only the filler.
/// After it the app loops back to the Passthru, which continues the call.
pub fn hold(prompts: &[Instruction], audio_url: Option<&str>) -> Vec<AppletStep> {
    let mut pending = Vec::new();
    for p in prompts.iter().take_while(|i| !i.waits()) {
        add_prompt(&mut pending, p);
    }
    let filler = match audio_url {
        Some(url) => Prompt::AudioUrl(url.trim().to_owned()),
        None => Prompt::Text(HOLD_TEXT.to_owned()),
    };
    pending.push(filler);
    pending
        .into_iter()
        .map(|prompt| AppletStep::Greeting { prompt })
        .collect()
}

/// Add a Say/Play to the pending prompts, merging adjacent texts.
fn add_prompt(pending: &mut Vec<Prompt>, instruction: &Instruction) {
    match instruction {
        Instruction::Say { text, loops, .. } => {
            let text = text.trim();
            if text.is_empty() {
                return;
            }
            let mut repeated = text.to_owned();
            for _ in 1..(*loops).max(1) {
                join_sentence(&mut repeated, text);
            }
            match pending.last_mut() {
                Some(Prompt::Text(before)) => join_sentence(before, &repeated),
                _ => pending.push(Prompt::Text(repeated)),
            }
        }
        Instruction::Play { url, loops } => {
            for _ in 0..(*loops).max(1) {
                pending.push(Prompt::AudioUrl(url.trim().to_owned()));
            }
        }
        Instruction::Pause { .. }
        | Instruction::Gather { .. }
        | Instruction::Dial { .. }
        | Instruction::Enqueue { .. }
        | Instruction::Record { .. }
        | Instruction::RecordCall
        | Instruction::Agent { .. }
        | Instruction::Hangup => {}
    }
}

/// Append `next` to `text` as a sentence of its own: one Greeting reads
/// them as one text, and without a stop "Welcome" and "Press 1" run together
/// into "Welcome Press 1" in one breath.
fn join_sentence(text: &mut String, next: &str) {
    let ended = text
        .trim_end()
        .ends_with(['.', '!', '?', ',', ';', ':', '…', '।', '॥']);
    if !ended {
        text.push('.');
    }
    text.push(' ');
    text.push_str(next);
}

/// The agent's parameters ride on its URL's query string: Exotel passes
/// the URL to the bot as is (at most 3 custom parameters, 256 characters).
fn with_query(url: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return url.to_owned();
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", query.finish())
}

pub const TEXT: &str = "text/plain";
pub const JSON: &str = "application/json";

/// The Passthru's answer that makes the Switch Case run `applet`.
pub fn select(applet: Applet) -> Reply {
    Reply {
        content_type: TEXT,
        body: json!({ "select": applet.as_str() }).to_string(),
    }
}

/// The answer to `applet`'s URL while the plan's current step is `step`.
///
/// When they do not match (a stale or repeated request, an app wired
/// differently), the answer is harmless: silence for a Greeting or SMS, a
/// Gather that times out at once, a Connect with no numbers (Exotel's "we
/// didn't dial anyone" path), a Voicebot without a URL.
pub fn reply(step: Option<&AppletStep>, applet: Applet) -> Reply {
    match (step, applet) {
        (Some(AppletStep::Greeting { prompt }), Applet::Greeting) => greeting(prompt),
        (Some(step @ AppletStep::Gather { .. }), Applet::Gather) => json_reply(gather(step)),
        (Some(step @ AppletStep::Connect { .. }), Applet::Connect) => json_reply(connect(step)),
        (Some(AppletStep::Voicebot { url }), Applet::Voicebot) => json_reply(json!({ "url": url })),
        (Some(AppletStep::Sms { text }), Applet::Sms) => Reply {
            content_type: TEXT,
            body: text.clone(),
        },
        (_, Applet::Gather) => {
            json_reply(json!({ "max_input_digits": 1, "input_timeout": 1, "repeat_menu": 0 }))
        }
        (_, Applet::Connect) => json_reply(json!({ "destination": { "numbers": [] } })),
        (_, Applet::Voicebot) => json_reply(json!({ "url": "" })),
        (_, _) => Reply {
            content_type: TEXT,
            body: String::new(),
        },
    }
}

/// Greeting: the text to speak, or the URL of the audio to play.
pub fn greeting(prompt: &Prompt) -> Reply {
    let body = match prompt {
        Prompt::Text(text) | Prompt::AudioUrl(text) => text.clone(),
    };
    Reply {
        content_type: TEXT,
        body,
    }
}

/// Gather's JSON. `repeat_menu` is 0: the engine does its own reprompts.
pub fn gather(step: &AppletStep) -> Value {
    let AppletStep::Gather {
        prompt,
        max_digits,
        finish_key,
        timeout_s,
    } = step
    else {
        return Value::Null;
    };
    let mut out = json!({ "input_timeout": timeout_s, "repeat_menu": 0 });
    if let Some(prompt) = prompt {
        out["gather_prompt"] = prompt_json(prompt);
    }
    if let Some(max) = max_digits {
        out["max_input_digits"] = json!(max);
    }
    // Always said: left out, Exotel's default (`#`) would end the input,
    // and a `#` the flow waits for as a choice would arrive as nothing.
    // An empty key is "no finish key", as in Exotel's ExoML `<Gather>`
    // (the applet's JSON is not documented on this; docs/exotel.md).
    out["finish_on_key"] = json!(finish_key.map(String::from).unwrap_or_default());
    out
}

/// Connect's JSON. Several numbers ring together, as `transfer` promises.
pub fn connect(step: &AppletStep) -> Value {
    let AppletStep::Connect {
        numbers,
        caller_id,
        record,
        ring_timeout_s,
    } = step
    else {
        return Value::Null;
    };
    let mut out = json!({
        "fetch_after_attempt": false,
        "destination": { "numbers": numbers },
        "record": record,
        "max_ringing_duration": ring_timeout_s,
    });
    if let Some(id) = caller_id {
        out["outgoing_phone_number"] = json!(id);
    }
    if numbers.len() > 1 {
        out["parallel_ringing"] =
            json!({ "activate": true, "max_parallel_attempts": numbers.len() });
    }
    out
}

fn prompt_json(prompt: &Prompt) -> Value {
    match prompt {
        Prompt::Text(text) => json!({ "text": text }),
        Prompt::AudioUrl(url) => json!({ "audio_url": url }),
    }
}

fn json_reply(value: Value) -> Reply {
    Reply {
        content_type: JSON,
        body: value.to_string(),
    }
}
