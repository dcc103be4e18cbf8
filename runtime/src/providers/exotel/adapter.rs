//! Exotel behind the one [`Adapter`] interface: the Passthru → Switch Case →
//! applet walk of the generic app, as pure functions over the call's
//! [`Channel`] (its applet plan, kept in `CallState::channel`).
//!
//! A Passthru reports the outcome of the applet that just ran (an event for
//! the engine) or asks for the plan's next step (an answer without the
//! engine). After an engine turn the turn's instructions become a new plan
//! and its first step is selected; a step Exotel cannot run (a queue) is
//! reported to the engine as failed without asking Exotel.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::{CallState, Instruction, Millis, Waiting};
use crate::providers::{Adapter, Decoded, Params, Provider, Refused, Rendered};

use super::{Applet, Passthru, Plan, applets, decode, passthru};

/// What the Exotel adapter keeps with a call (in `CallState::channel`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Channel {
    pub plan: Plan,
    /// The parameters of the last Passthru served, to recognise a retry.
    pub last_passthru: u64,
}

impl Channel {
    /// The channel stored with a call (empty for a call without one).
    pub fn of(state: &CallState) -> Channel {
        state
            .channel
            .as_ref()
            .and_then(|c| serde_json::from_value(c.clone()).ok())
            .unwrap_or_default()
    }

    fn store(&self, state: &mut CallState) {
        state.channel = serde_json::to_value(self).ok();
    }
}

/// One Passthru request.
pub struct Exotel {
    pub params: Params,
    pub hold_audio: Option<String>,
    /// `--fallback-number`: connected when the store is down.
    pub fallback_number: Option<String>,
}

impl Exotel {
    /// A stable fingerprint of the request's parameters (order-independent).
    fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        // Hashed as `(&str, &str)`, like the owned pairs of old: the same value
        // for a fingerprint stored before.
        let mut pairs: Vec<(&str, &str)> = self.params.pairs().collect();
        pairs.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        pairs.hash(&mut h);
        h.finish()
    }

    /// Select the plan's next step, or report the step Exotel cannot run.
    fn select(&self, state: &mut CallState, mut channel: Channel, at: Millis) -> Rendered {
        match passthru(Some(&mut channel.plan), &self.params, at) {
            Ok(Passthru::Event(event)) => Rendered::Event(event),
            // A fresh plan has no step that ran, so no parameter is read.
            Err(_) => Rendered::Answer(applets::select(Applet::Hangup).body),
            Ok(Passthru::Select(applet)) => {
                channel.last_passthru = self.fingerprint();
                channel.store(state);
                Rendered::Answer(applets::select(applet).body)
            }
        }
    }
}

/// Is the call held with every step of its hold plan heard? Then its
/// Passthru waits for the effect rather than walking the plan.
fn hold_heard(state: &CallState) -> bool {
    let plan = Channel::of(state).plan;
    state.waiting == Waiting::Effect && plan.next >= plan.steps.len()
}

impl Adapter for Exotel {
    fn provider(&self) -> Provider {
        Provider::Exotel
    }

    /// Every Passthru may start a call (Exotel's URLs are the same for all).
    fn starts_call(&self) -> bool {
        false
    }

    /// A call we placed carries `{"vars": …}` in its `CustomField`.
    fn vars(&self) -> BTreeMap<String, serde_json::Value> {
        decode::custom_field(&self.params)
            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
            .and_then(|v| v.get("vars").cloned())
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// Exotel's URLs cannot carry a turn number (they are fixed in the
    /// dashboard), and two genuine Passthrus may carry the same parameters
    /// (`CurrentTime` counts whole seconds). What tells them apart is what
    /// happened between them: Exotel fetches the applet a Passthru selected
    /// before it comes back to the Passthru, so a Passthru with the last
    /// one's parameters is its retry only while that applet's URL has not
    /// been fetched since (`followed`). A retry gets the same answer and
    /// advances the call once.
    fn is_retry(&self, state: &CallState, _reply_turn: Option<u64>, followed: bool) -> bool {
        !followed && Channel::of(state).last_passthru == self.fingerprint()
    }

    fn decode(&self, state: Option<&mut CallState>, at: Millis) -> Result<Decoded, Refused> {
        let Some(state) = state else {
            return Ok(Decoded::Event(decode::started(&self.params, at)?));
        };
        if hold_heard(state) {
            return Ok(Decoded::Held);
        }
        let mut channel = Channel::of(state);
        match passthru(Some(&mut channel.plan), &self.params, at)? {
            Passthru::Event(event) => Ok(Decoded::Event(event)),
            Passthru::Select(applet) => {
                channel.last_passthru = self.fingerprint();
                channel.store(state);
                Ok(Decoded::Answer(applets::select(applet).body))
            }
        }
    }

    /// The turn becomes a new plan (held: the prompts so far and a filler,
    /// then back to the Passthru) and its first step is selected.
    fn render(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> Rendered {
        let plan = match held {
            true => Plan {
                steps: applets::hold(instructions, self.hold_audio.as_deref()),
                next: 0,
            },
            false => Plan::new(instructions),
        };
        let at = state.updated_at;
        self.select(
            state,
            Channel {
                plan,
                last_passthru: 0,
            },
            at,
        )
    }

    /// How a held turn finished in the background is stored: the plan keeps
    /// the steps Exotel has already been told (it may still be fetching the
    /// current one's URL), drops the rest of the hold, and goes on with the
    /// turn's steps, for the next Passthru to select. The reply stays the one
    /// the last Passthru got, for its retries.
    fn resume(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> String {
        let mut channel = Channel::of(state);
        let plan = &mut channel.plan;
        plan.steps.truncate(plan.next);
        plan.steps.extend(if held {
            applets::hold(instructions, self.hold_audio.as_deref())
        } else {
            applets::plan(instructions)
        });
        let told = plan
            .current()
            .and_then(|s| s.applet())
            .unwrap_or(Applet::Hangup);
        channel.store(state);
        applets::select(told).body
    }

    fn unknown_call(&self) -> String {
        applets::select(Applet::Hangup).body
    }

    /// The generic app plays its goodbye in the Hangup case; with a fallback
    /// number the Connect case runs, and its URL — which cannot read the
    /// plan either — connects the fallback number ([`applet`]).
    fn store_down(&self) -> String {
        let case = match self.fallback_number {
            Some(_) => Applet::Connect,
            None => Applet::Hangup,
        };
        applets::select(case).body
    }
}

/// The answer to an applet's URL: the plan's current step when the call has
/// one; else (the store is down, or the call is unknown) the applet's safe
/// answer, and for a Connect the fallback number when one is configured
/// (the store-down answer selects it).
pub fn applet(plan: Option<&Plan>, applet: Applet, fallback_number: Option<&str>) -> super::Reply {
    let current = plan.and_then(Plan::current);
    match (current, applet, fallback_number) {
        (current, Applet::Connect, Some(number))
            if !matches!(current, Some(applets::AppletStep::Connect { .. })) =>
        {
            applets::reply(
                Some(&applets::AppletStep::Connect {
                    numbers: vec![number.to_owned()],
                    caller_id: None,
                    record: false,
                    ring_timeout_s: 30,
                }),
                Applet::Connect,
            )
        }
        _ => applets::reply(current, applet),
    }
}
