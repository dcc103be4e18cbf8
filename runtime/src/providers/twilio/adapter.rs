//! Twilio behind the one [`Adapter`] interface: one webhook's parameters,
//! the URL it came to, and where the TwiML it gets sends Twilio next.
//!
//! URLs: `{base}/twilio/{flow}` starts a call; `{base}/twilio/{flow}/{turn}/{step}`
//! are the action URLs we render (`turn` makes a retried request
//! recognisable, `step` says which verb reports; `hold` is the way back from
//! a hold); `{base}/twilio/{flow}/wait` is the queue's hold page;
//! `{base}/twilio/{flow}/fallback` ends the store-down fallback's Dial.

use std::collections::BTreeMap;

use crate::engine::{CallState, Instruction, Millis, Waiting};
use crate::providers::{Adapter, Decoded, Params, Provider, Refused, Rendered};

use super::{Step, decode, twiml};

/// One Twilio webhook.
pub struct Twilio {
    pub params: Params,
    /// Our public base URL (no trailing `/`).
    pub base: String,
    pub flow: String,
    /// Where the webhook came: `None` is the call's first webhook, else the
    /// turn and step of an action URL we rendered.
    pub at: Option<(u64, Step)>,
    pub hold_audio: Option<String>,
    /// `--fallback-number`: dialled when the store is down.
    pub fallback_number: Option<String>,
}

impl Twilio {
    fn url(&self, rest: &str) -> String {
        format!("{}/twilio/{}/{rest}", self.base, self.flow)
    }
}

impl Adapter for Twilio {
    fn provider(&self) -> Provider {
        Provider::Twilio
    }

    fn starts_call(&self) -> bool {
        self.at.is_none()
    }

    /// A call we placed ourselves: our outbound-call URL carries them as
    /// `ivr_vars` (JSON), covered by Twilio's signature like the rest of the
    /// URL. Undeclared or mistyped ones are dropped by the engine.
    fn vars(&self) -> BTreeMap<String, serde_json::Value> {
        self.params
            .get("ivr_vars")
            .and_then(|v| serde_json::from_str(v).ok())
            .unwrap_or_default()
    }

    /// The action URL's turn says it: Twilio has no applet to fetch.
    fn is_retry(&self, _state: &CallState, reply_turn: Option<u64>, _followed: bool) -> bool {
        reply_turn == self.at.map(|(turn, _)| turn)
    }

    fn decode(&self, state: Option<&mut CallState>, at: Millis) -> Result<Decoded, Refused> {
        match (state, self.at) {
            (None, None) => Ok(Decoded::Event(decode::event(
                Step::Start,
                &self.params,
                at,
            )?)),
            (None, Some(_)) => Err(Refused::UnknownCall),
            (Some(state), None) => Err(Refused::BadRequest(format!(
                "call {} has already started",
                state.call_id
            ))),
            (Some(state), Some((turn, _))) if turn != state.turn => {
                tracing::warn!(
                    turn,
                    at = state.turn,
                    "webhook for a turn the call is not at"
                );
                Err(Refused::UnknownCall)
            }
            (Some(state), Some(_)) if state.waiting == Waiting::Effect => Ok(Decoded::Held),
            (Some(_), Some((_, step))) => {
                Ok(Decoded::Event(decode::event(step, &self.params, at)?))
            }
        }
    }

    fn render(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> Rendered {
        Rendered::Answer(self.resume(state, instructions, held))
    }

    /// Action URLs carry the turn the call is now at and the step that will
    /// report back; a hold redirects to the held turn's `hold` step.
    fn resume(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> String {
        if held {
            let back = self.url(&format!("{}/{}", state.turn, Step::Hold));
            return twiml::hold(instructions, self.hold_audio.as_deref(), &back);
        }
        let step = Step::after(instructions).unwrap_or(Step::Gather);
        let action = self.url(&format!("{}/{step}", state.turn));
        twiml::render(instructions, &action, Some(&self.url("wait")))
    }

    fn unknown_call(&self) -> String {
        twiml::apology()
    }

    /// An apology, then the fallback number if one is configured, else
    /// goodbye. When the fallback Dial ends Twilio requests its action URL.
    /// That must not reach the store (it may still be down, and the answer
    /// would be this fallback again: a caller dialled round in a loop), so it
    /// is a route of its own that only hangs up.
    fn store_down(&self) -> String {
        let last = match &self.fallback_number {
            Some(number) => Instruction::Dial {
                targets: vec![number.clone()],
                caller_id: None,
                ring_timeout_s: 30,
                record: false,
            },
            None => Instruction::Hangup,
        };
        twiml::render(&[sorry(), last], &self.url("fallback"), None)
    }
}

/// What a caller hears when we cannot go on with the call.
pub fn sorry() -> Instruction {
    Instruction::Say {
        text: "We are sorry, we are having technical difficulties.".into(),
        language: "en-US".into(),
        voice: None,
        loops: 1,
        marked: Vec::new(),
    }
}
