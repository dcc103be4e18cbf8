//! Twilio Programmable Voice: TwiML out, form webhooks in.
//!
//! Every verb that waits (Gather, Dial, Enqueue, Record, Connect) gets an
//! explicit `action` URL, so Twilio always comes back to us with the
//! outcome. The server decides the URL's shape; it should carry the [`Step`]
//! (e.g. as a path segment, via [`Step::as_str`]) and the call's turn, so a
//! late or retried request can be recognised. The URL for a rendered
//! response is chosen with [`Step::after`].

mod adapter;
pub mod api;
pub mod decode;
pub mod lookup;
mod settings;
pub mod signature;
pub mod token;
pub mod twiml;

use std::fmt;
use std::str::FromStr;

use crate::engine::{Instruction, Waiting};

pub use adapter::Twilio;
pub use settings::Settings;

/// What an action request reports on: which verb's `action` URL Twilio hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// The call's first webhook (the number's voice URL).
    Start,
    Gather,
    Dial,
    Queue,
    Record,
    /// `<Connect><Stream>` ended (the voice agent hung up the socket).
    Agent,
    /// The `<Redirect>` back from a hold ([`twiml::hold`]): the call waits
    /// on a slow effect, and reports nothing.
    Hold,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Start,
        Step::Gather,
        Step::Dial,
        Step::Queue,
        Step::Record,
        Step::Agent,
        Step::Hold,
    ];

    /// The step's name in URLs: `start`, `gather`, `dial`, `queue`, `record`, `agent`, `hold`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Start => "start",
            Step::Gather => "gather",
            Step::Dial => "dial",
            Step::Queue => "queue",
            Step::Record => "record",
            Step::Agent => "agent",
            Step::Hold => "hold",
        }
    }

    /// The step whose action URL a rendered response will call: the one for
    /// the first instruction that waits. `None` when nothing waits (the
    /// response ends the call).
    pub fn after(instructions: &[Instruction]) -> Option<Step> {
        instructions
            .iter()
            .find(|i| i.waits())
            .and_then(|i| match i {
                Instruction::Gather { .. } => Some(Step::Gather),
                Instruction::Dial { .. } => Some(Step::Dial),
                Instruction::Enqueue { .. } => Some(Step::Queue),
                Instruction::Record { .. } => Some(Step::Record),
                Instruction::Agent { .. } => Some(Step::Agent),
                Instruction::Say { .. }
                | Instruction::Play { .. }
                | Instruction::Pause { .. }
                | Instruction::RecordCall
                | Instruction::Hangup => None,
            })
    }

    /// The step a call in this waiting state expects next.
    pub fn for_waiting(waiting: Waiting) -> Option<Step> {
        match waiting {
            Waiting::Input => Some(Step::Gather),
            Waiting::Dial => Some(Step::Dial),
            Waiting::Queue => Some(Step::Queue),
            Waiting::Recording => Some(Step::Record),
            Waiting::Agent => Some(Step::Agent),
            Waiting::Effect | Waiting::Nothing => None,
        }
    }
}

/// The last path segment of the URL a recording's transcript is posted to
/// (`transcribeCallback`): it replaces the step of the recording's action
/// URL, so `…/{turn}/record` has its transcript at `…/{turn}/transcript`,
/// under the turn the recording was asked at.
pub const TRANSCRIPT: &str = "transcript";

/// The `transcribeCallback` URL beside a `<Record>`'s `action` URL.
pub fn transcript_url(action: &str) -> String {
    match action.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{TRANSCRIPT}"),
        None => TRANSCRIPT.to_string(),
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not a [`Step`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStep(pub String);

impl fmt::Display for UnknownStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown Twilio step {:?}", self.0)
    }
}

impl std::error::Error for UnknownStep {}

impl FromStr for Step {
    type Err = UnknownStep;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Step::ALL
            .into_iter()
            .find(|step| step.as_str() == s)
            .ok_or_else(|| UnknownStep(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_round_trip() {
        for step in Step::ALL {
            assert_eq!(step.as_str().parse::<Step>(), Ok(step));
        }
        assert!("Gather".parse::<Step>().is_err());
        // The transcript's segment is no step: the action route refuses it.
        assert!(TRANSCRIPT.parse::<Step>().is_err());
    }

    #[test]
    fn a_transcript_is_posted_beside_its_recording() {
        assert_eq!(
            transcript_url("https://ivr.example.com/twilio/main/7/record"),
            "https://ivr.example.com/twilio/main/7/transcript"
        );
    }

    #[test]
    fn the_first_waiting_instruction_names_the_step() {
        let says = Instruction::Say {
            text: "hi".into(),
            language: "en-US".into(),
            voice: None,
            loops: 1,
            marked: Vec::new(),
        };
        let dial = Instruction::Dial {
            targets: vec!["+1".into()],
            caller_id: None,
            ring_timeout_s: 30,
            record: false,
        };
        assert_eq!(Step::after(&[says.clone(), dial]), Some(Step::Dial));
        assert_eq!(Step::after(&[says, Instruction::Hangup]), None);
    }
}
