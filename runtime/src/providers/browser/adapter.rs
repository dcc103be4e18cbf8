//! The browser phone behind the one [`Adapter`] interface: one message from
//! the page, the call it belongs to (the socket's), and the provider whose
//! effects the call uses.

use std::collections::BTreeMap;

use crate::engine::{
    CallState, Caller, DialOutcome, Direction, Event, Instruction, Millis, QueueOutcome, Waiting,
};
use crate::providers::{Adapter, Decoded, Provider, Refused, Rendered};

use super::message::{Message, Reply, outcomes, render};

/// Who calls when the page does not say: a browser client, in Twilio's
/// spelling of one.
pub const DEFAULT_FROM: &str = "client:console";
/// The number the browser "dialled": the console.
pub const TO: &str = "console";

/// One message from the page.
pub struct Browser {
    pub message: Message,
    /// The socket's call (made by the server: [`call_id`]).
    pub call_id: String,
    /// Whose effects the call uses (an SMS goes out through it).
    pub provider: Provider,
}

impl Browser {
    /// The provider a flow's browser calls use: the flow's first target.
    pub fn provider_of(targets: &[Provider]) -> Provider {
        targets.first().copied().unwrap_or(Provider::Twilio)
    }

    /// A call id from 16 random bytes: `BR` and 32 hex digits (the shape
    /// of a Twilio call SID, told apart by its prefix).
    pub fn call_id(random: [u8; 16]) -> String {
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        format!("BR{hex}")
    }

    fn reply(&self, state: &CallState, instructions: &[Instruction], held: bool) -> String {
        render(
            &state.call_id,
            state.turn,
            state.waiting,
            state.ended,
            instructions,
            held,
        )
        .json()
    }

    /// How a transfer, queue, recording or agent ended, by the outcome's name.
    fn outcome(&self, state: &CallState, name: &str, at: Millis) -> Result<Event, Refused> {
        let offered = outcomes(state.waiting).is_some_and(|(_, names)| names.contains(&name));
        let not_offered =
            || Refused::BadRequest(format!("the call is not waiting for the outcome {name:?}"));
        if !offered {
            return Err(not_offered());
        }
        let dialed = |outcome| Event::Dialed { outcome, at };
        let queued = |outcome| Event::Queued { outcome, at };
        Ok(match (state.waiting, name) {
            (Waiting::Dial, "answered") => dialed(DialOutcome::Answered),
            (Waiting::Dial, "busy") => dialed(DialOutcome::Busy),
            (Waiting::Dial, "no_answer") => dialed(DialOutcome::NoAnswer),
            (Waiting::Dial, _) => dialed(DialOutcome::Failed),
            (Waiting::Queue, "bridged") => queued(QueueOutcome::Bridged),
            (Waiting::Queue, "timeout") => queued(QueueOutcome::Timeout),
            (Waiting::Queue, _) => queued(QueueOutcome::Failed),
            // The page records nothing: a stand-in names the recording, so
            // the flow's `done` exit can be taken all the same.
            (Waiting::Recording, "done") => Event::Recorded {
                url: Some(format!(
                    "browser:recording/{}/{}",
                    state.call_id, state.turn
                )),
                duration_s: None,
                at,
            },
            (Waiting::Recording, _) => Event::Recorded {
                url: None,
                duration_s: None,
                at,
            },
            (Waiting::Agent, ok) => Event::AgentEnded {
                ok: ok == "finished",
                data: None,
                at,
            },
            (Waiting::Input | Waiting::Effect | Waiting::Nothing, _) => return Err(not_offered()),
        })
    }
}

impl Adapter for Browser {
    fn provider(&self) -> Provider {
        self.provider
    }

    fn starts_call(&self) -> bool {
        matches!(self.message, Message::Start { .. })
    }

    fn vars(&self) -> BTreeMap<String, serde_json::Value> {
        BTreeMap::new()
    }

    fn is_retry(&self, _state: &CallState, reply_turn: Option<u64>, _followed: bool) -> bool {
        reply_turn == self.message.turn()
    }

    fn decode(&self, state: Option<&mut CallState>, at: Millis) -> Result<Decoded, Refused> {
        let state = match (state, &self.message) {
            (None, Message::Start { from }) => {
                let caller = Caller {
                    from: from.clone().unwrap_or_else(|| DEFAULT_FROM.into()),
                    to: TO.into(),
                    direction: Direction::Inbound,
                    answered_by: None,
                };
                return Ok(Decoded::Event(Event::Started {
                    call_id: self.call_id.clone(),
                    caller,
                    at,
                }));
            }
            (None, _) => return Err(Refused::UnknownCall),
            (Some(state), Message::Start { .. }) => {
                return Err(Refused::BadRequest(format!(
                    "call {} has already started",
                    state.call_id
                )));
            }
            (Some(state), message) if message.turn() != Some(state.turn) => {
                return Err(Refused::BadRequest(format!(
                    "that turn has passed: the call is at turn {}",
                    state.turn
                )));
            }
            (Some(state), _) => state,
        };
        // Hanging up is heard at once, even on hold.
        if let Message::Hangup { .. } = self.message {
            return Ok(Decoded::Event(Event::Hangup { at }));
        }
        if state.waiting == Waiting::Effect {
            return Ok(Decoded::Held);
        }
        let event = match &self.message {
            Message::Keys { digits, .. } => Event::Digits {
                digits: digits.clone(),
                at,
            },
            Message::Words {
                text, confidence, ..
            } => Event::Speech {
                text: text.clone(),
                confidence: *confidence,
                at,
            },
            Message::Silence { .. } => Event::NoInput { at },
            Message::Outcome { outcome, .. } => self.outcome(state, outcome, at)?,
            Message::Back { .. } => {
                return Err(Refused::BadRequest("the call is not on hold".into()));
            }
            Message::Start { .. } | Message::Hangup { .. } => {
                return Err(Refused::BadRequest("already answered".into()));
            }
        };
        Ok(Decoded::Event(event))
    }

    fn render(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> Rendered {
        Rendered::Answer(self.reply(state, instructions, held))
    }

    fn resume(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> String {
        self.reply(state, instructions, held)
    }

    fn unknown_call(&self) -> String {
        over("This call is not going on.")
    }

    fn store_down(&self) -> String {
        over("We are sorry, we are having technical difficulties: the call cannot go on.")
    }
}

/// The page's answer when the call cannot go on.
pub fn over(text: &str) -> String {
    Reply::Over { text: text.into() }.json()
}

/// The page's answer to a message that was not taken.
pub fn refused(text: &str) -> String {
    Reply::Refused { text: text.into() }.json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Attempts;

    fn browser(message: Message) -> Browser {
        Browser {
            message,
            call_id: "BR1".into(),
            provider: Provider::Twilio,
        }
    }

    fn state(turn: u64, waiting: Waiting) -> CallState {
        CallState {
            call_id: "BR1".into(),
            flow: "desk".into(),
            version: "v".into(),
            node: ivr_compiler::graph::NodeId(0),
            waiting,
            turn,
            attempts: Attempts::default(),
            visits: BTreeMap::new(),
            vars: BTreeMap::new(),
            language: "en-IN".into(),
            caller: Caller {
                from: DEFAULT_FROM.into(),
                to: TO.into(),
                direction: Direction::Inbound,
                answered_by: None,
            },
            started_at: 0,
            updated_at: 0,
            ended: false,
            recording_call: false,
            transcripts: BTreeMap::new(),
            pinned: BTreeMap::new(),
            channel: None,
        }
    }

    fn event(message: Message, state: &mut CallState) -> Result<Decoded, Refused> {
        browser(message).decode(Some(state), 9)
    }

    #[test]
    fn a_start_places_the_call_and_other_messages_need_one() {
        let start = browser(Message::Start {
            from: Some("+15550100".into()),
        });
        assert!(start.starts_call());
        match start.decode(None, 7) {
            Ok(Decoded::Event(Event::Started {
                call_id, caller, ..
            })) => {
                assert_eq!(call_id, "BR1");
                assert_eq!(caller.from, "+15550100");
                assert_eq!(caller.to, TO);
            }
            other => panic!("{other:?}"),
        }
        let keys = browser(Message::Keys {
            turn: 1,
            digits: "1".into(),
        });
        assert_eq!(keys.decode(None, 7), Err(Refused::UnknownCall));
        assert!(matches!(
            start.decode(Some(&mut state(1, Waiting::Input)), 7),
            Err(Refused::BadRequest(_))
        ));
    }

    #[test]
    fn messages_become_events_at_the_calls_turn_only() {
        let mut s = state(3, Waiting::Input);
        let keys = |turn| Message::Keys {
            turn,
            digits: "42".into(),
        };
        assert_eq!(
            event(keys(3), &mut s),
            Ok(Decoded::Event(Event::Digits {
                digits: "42".into(),
                at: 9
            }))
        );
        assert!(matches!(
            event(keys(2), &mut s),
            Err(Refused::BadRequest(_))
        ));
        assert_eq!(
            event(Message::Silence { turn: 3 }, &mut s),
            Ok(Decoded::Event(Event::NoInput { at: 9 }))
        );
        assert!(browser(keys(2)).is_retry(&s, Some(2), false));
        assert!(!browser(keys(3)).is_retry(&s, Some(2), false));
    }

    #[test]
    fn a_held_call_waits_but_hears_a_hang_up() {
        let mut s = state(4, Waiting::Effect);
        assert_eq!(event(Message::Back { turn: 4 }, &mut s), Ok(Decoded::Held));
        assert_eq!(
            event(Message::Hangup { turn: 4 }, &mut s),
            Ok(Decoded::Event(Event::Hangup { at: 9 }))
        );
        let mut waiting = state(4, Waiting::Input);
        assert!(matches!(
            event(Message::Back { turn: 4 }, &mut waiting),
            Err(Refused::BadRequest(_))
        ));
    }

    #[test]
    fn every_outcome_offered_is_understood_and_no_other() {
        for waiting in [
            Waiting::Dial,
            Waiting::Queue,
            Waiting::Recording,
            Waiting::Agent,
        ] {
            let (_, names) = outcomes(waiting).unwrap();
            for name in names {
                let mut s = state(2, waiting);
                let outcome = Message::Outcome {
                    turn: 2,
                    outcome: name.to_string(),
                };
                assert!(
                    matches!(event(outcome, &mut s), Ok(Decoded::Event(_))),
                    "{waiting:?} {name}"
                );
            }
        }
        let mut s = state(2, Waiting::Dial);
        let bridged = Message::Outcome {
            turn: 2,
            outcome: "bridged".into(),
        };
        assert!(matches!(
            event(bridged, &mut s),
            Err(Refused::BadRequest(_))
        ));
        let busy = Message::Outcome {
            turn: 2,
            outcome: "busy".into(),
        };
        assert_eq!(
            event(busy, &mut s),
            Ok(Decoded::Event(Event::Dialed {
                outcome: DialOutcome::Busy,
                at: 9
            }))
        );
    }
}
