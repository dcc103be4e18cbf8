//! The browser phone's messages: what the page sends ([`Message`]) and what
//! it is sent back ([`Reply`]), JSON text over the WebSocket.
//!
//! The page echoes the turn it answers in every message, as Twilio's action
//! URLs carry it: a message sent twice gets the same reply, and one for a
//! turn the call has left is refused rather than applied.

use serde::{Deserialize, Serialize};

use crate::engine::{Instruction, Waiting};

/// What the caller did, as the page says it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Place the call; `from` is who the flow sees calling (`call.from`).
    Start {
        #[serde(default)]
        from: Option<String>,
    },
    /// Keys pressed (`0-9`, `*`, `#`), the finish key left out.
    Keys {
        turn: u64,
        digits: String,
    },
    /// Words typed or heard by the browser's speech recognition.
    Words {
        turn: u64,
        text: String,
        #[serde(default)]
        confidence: Option<f64>,
    },
    /// Nothing said or pressed before the timeout (or the silence button).
    Silence {
        turn: u64,
    },
    /// How a transfer, queue, recording or voice agent ended (one of the
    /// outcomes the turn offered: [`Wait::Outcome`]).
    Outcome {
        turn: u64,
        outcome: String,
    },
    /// The page comes back from a hold.
    Back {
        turn: u64,
    },
    Hangup {
        turn: u64,
    },
}

impl Message {
    /// The turn the message answers (`None`: the call's first message).
    pub fn turn(&self) -> Option<u64> {
        match self {
            Message::Start { .. } => None,
            Message::Keys { turn, .. }
            | Message::Words { turn, .. }
            | Message::Silence { turn }
            | Message::Outcome { turn, .. }
            | Message::Back { turn }
            | Message::Hangup { turn } => Some(*turn),
        }
    }
}

/// The most a caller can type or say in one message.
const MAX_WORDS: usize = 500;
const MAX_KEYS: usize = 64;
const MAX_FROM: usize = 64;

/// Read one message from the page: a clear reason when it makes no sense.
pub fn decode(text: &str) -> Result<Message, String> {
    let message: Message =
        serde_json::from_str(text).map_err(|e| format!("not a phone message: {e}"))?;
    let why = match &message {
        Message::Start { from: Some(from) }
            if from.trim().is_empty() || from.chars().count() > MAX_FROM =>
        {
            format!("`from` must be 1 to {MAX_FROM} characters")
        }
        Message::Start { from: Some(from) } if from.chars().any(char::is_control) => {
            "`from` must not hold control characters".into()
        }
        Message::Keys { digits, .. } if !keys(digits) => {
            format!("keys are 1 to {MAX_KEYS} of 0-9, * and #, not {digits:?}")
        }
        Message::Words { text, .. }
            if text.trim().is_empty() || text.chars().count() > MAX_WORDS =>
        {
            format!("words are 1 to {MAX_WORDS} characters")
        }
        Message::Words {
            confidence: Some(c),
            ..
        } if !(0.0..=1.0).contains(c) => "a confidence is between 0 and 1".into(),
        _ => return Ok(message),
    };
    Err(why)
}

fn keys(digits: &str) -> bool {
    !digits.is_empty()
        && digits.len() <= MAX_KEYS
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
}

/// What the page is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    /// A turn of the call: play `steps` in order, then wait as `wait` says,
    /// answering with `turn`.
    Turn {
        call_id: String,
        turn: u64,
        steps: Vec<Step>,
        wait: Wait,
    },
    /// The call cannot go on (unknown, over, or the store is down).
    Over { text: String },
    /// The message was not taken; the call is where it was.
    Refused { text: String },
}

impl Reply {
    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("a reply always serialises")
    }
}

/// One thing the caller hears or sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Step {
    /// Speak `text` in `language` (BCP-47); `voice` is the flow's provider
    /// voice, shown only: the browser picks one of its own for the language.
    Say {
        text: String,
        language: String,
        voice: Option<String>,
        loops: u32,
    },
    Play {
        url: String,
        loops: u32,
    },
    Pause {
        seconds: u32,
    },
    /// A transfer: shown, not dialled.
    Dial {
        targets: Vec<String>,
        ring_timeout_s: u32,
    },
    Enqueue {
        name: String,
        max_wait_s: u32,
    },
    Record {
        max_length_s: u32,
        beep: bool,
    },
    RecordCall,
    Agent {
        url: String,
    },
    Hangup,
}

/// What the call waits for once the steps are played.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Wait {
    /// Keys and/or words. The page sends `silence` when `timeout_s` passes
    /// after the prompts, or when the caller presses the silence button.
    Input {
        keys: bool,
        speech: bool,
        min_digits: u32,
        max_digits: u32,
        finish_key: Option<char>,
        timeout_s: u32,
        language: String,
        hints: Vec<String>,
    },
    /// A transfer, queue, recording or agent: the caller picks how it ended.
    Outcome { of: String, outcomes: Vec<String> },
    /// A call-out is still running: come `back` at once.
    Hold,
    /// The call has ended.
    Nothing,
}

/// What a call waiting at a phone-network step offers, and what each
/// outcome tells the engine ([`super::adapter`] decodes them by name).
pub fn outcomes(waiting: Waiting) -> Option<(&'static str, &'static [&'static str])> {
    match waiting {
        Waiting::Dial => Some(("transfer", &["answered", "busy", "no_answer", "failed"])),
        Waiting::Queue => Some(("queue", &["bridged", "timeout", "failed"])),
        Waiting::Recording => Some(("recording", &["done", "empty"])),
        Waiting::Agent => Some(("agent", &["finished", "failed"])),
        Waiting::Input | Waiting::Effect | Waiting::Nothing => None,
    }
}

/// A turn ending with `instructions`, for the page. `held`: a call-out runs
/// on; the page plays the prompts so far and comes back.
pub fn render(
    call_id: &str,
    turn: u64,
    waiting: Waiting,
    ended: bool,
    instructions: &[Instruction],
    held: bool,
) -> Reply {
    let mut steps = Vec::new();
    let mut gather = None;
    for instruction in instructions {
        match instruction {
            Instruction::Gather { prompts, .. } => {
                steps.extend(prompts.iter().filter_map(step));
                gather = Some(instruction);
            }
            other => steps.extend(step(other)),
        }
    }
    let wait = if held {
        Wait::Hold
    } else if ended || waiting == Waiting::Nothing {
        Wait::Nothing
    } else if let Some((of, outcomes)) = outcomes(waiting) {
        Wait::Outcome {
            of: of.into(),
            outcomes: outcomes.iter().map(|o| o.to_string()).collect(),
        }
    } else {
        input(gather)
    };
    Reply::Turn {
        call_id: call_id.into(),
        turn,
        steps,
        wait,
    }
}

/// What a gather asks for; a call waiting for input without one (an event
/// the engine ignored) takes a key.
fn input(gather: Option<&Instruction>) -> Wait {
    match gather {
        Some(Instruction::Gather {
            input,
            min_digits,
            max_digits,
            finish_key,
            timeout_s,
            language,
            hints,
            ..
        }) => Wait::Input {
            keys: !matches!(input, ivr_compiler::graph::Input::Speech),
            speech: input.speech(),
            min_digits: *min_digits,
            max_digits: *max_digits,
            finish_key: *finish_key,
            timeout_s: *timeout_s,
            language: language.clone(),
            hints: hints.clone(),
        },
        _ => Wait::Input {
            keys: true,
            speech: false,
            min_digits: 1,
            max_digits: 1,
            finish_key: None,
            timeout_s: 5,
            language: String::new(),
            hints: Vec::new(),
        },
    }
}

fn step(instruction: &Instruction) -> Option<Step> {
    Some(match instruction {
        Instruction::Say {
            text,
            language,
            voice,
            loops,
            ..
        } => Step::Say {
            text: text.clone(),
            language: language.clone(),
            voice: voice.clone(),
            loops: *loops,
        },
        Instruction::Play { url, loops } => Step::Play {
            url: url.clone(),
            loops: *loops,
        },
        Instruction::Pause { seconds } => Step::Pause { seconds: *seconds },
        Instruction::Dial {
            targets,
            ring_timeout_s,
            ..
        } => Step::Dial {
            targets: targets.clone(),
            ring_timeout_s: *ring_timeout_s,
        },
        Instruction::Enqueue {
            name, max_wait_s, ..
        } => Step::Enqueue {
            name: name.clone(),
            max_wait_s: *max_wait_s,
        },
        Instruction::Record {
            max_length_s, beep, ..
        } => Step::Record {
            max_length_s: *max_length_s,
            beep: *beep,
        },
        Instruction::RecordCall => Step::RecordCall,
        // The agent's parameters carry its result token: not the page's.
        Instruction::Agent { url, .. } => Step::Agent { url: url.clone() },
        Instruction::Hangup => Step::Hangup,
        // Its prompts are taken by `render`.
        Instruction::Gather { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ivr_compiler::graph::Input;

    fn say(text: &str) -> Instruction {
        Instruction::Say {
            text: text.into(),
            language: "en-IN".into(),
            voice: Some("Polly.Raveena".into()),
            loops: 1,
            marked: Vec::new(),
        }
    }

    #[test]
    fn messages_are_read_and_nonsense_is_refused_with_a_reason() {
        assert_eq!(
            decode(r#"{"type":"keys","turn":3,"digits":"12#"}"#),
            Ok(Message::Keys {
                turn: 3,
                digits: "12#".into()
            })
        );
        assert_eq!(
            decode(r#"{"type":"start"}"#),
            Ok(Message::Start { from: None })
        );
        assert_eq!(
            decode(r#"{"type":"silence","turn":2}"#).unwrap().turn(),
            Some(2)
        );
        for bad in [
            "",
            "[]",
            r#"{"type":"dance"}"#,
            r#"{"type":"keys","digits":"1"}"#,
            r#"{"type":"keys","turn":1,"digits":"1a"}"#,
            r#"{"type":"keys","turn":1,"digits":""}"#,
            r#"{"type":"words","turn":1,"text":"  "}"#,
            r#"{"type":"words","turn":1,"text":"hi","confidence":2}"#,
            r#"{"type":"start","from":"a\u0007b"}"#,
            r#"{"type":"keys","turn":-1,"digits":"1"}"#,
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
        let long = format!(
            r#"{{"type":"words","turn":1,"text":"{}"}}"#,
            "a".repeat(501)
        );
        assert!(decode(&long).is_err());
    }

    #[test]
    fn a_gather_becomes_its_prompts_and_an_input_wait() {
        let gather = Instruction::Gather {
            prompts: vec![say("Press 1.")],
            input: Input::DtmfSpeech,
            min_digits: 1,
            max_digits: 4,
            finish_key: Some('#'),
            timeout_s: 7,
            language: "en-IN".into(),
            hints: vec!["sales".into()],
        };
        let reply = render(
            "BR1",
            2,
            Waiting::Input,
            false,
            &[say("Hello."), gather],
            false,
        );
        let Reply::Turn {
            steps, wait, turn, ..
        } = &reply
        else {
            panic!("{reply:?}")
        };
        assert_eq!(*turn, 2);
        assert_eq!(steps.len(), 2);
        assert!(matches!(&steps[1], Step::Say { text, voice: Some(_), .. } if text == "Press 1."));
        assert_eq!(
            *wait,
            Wait::Input {
                keys: true,
                speech: true,
                min_digits: 1,
                max_digits: 4,
                finish_key: Some('#'),
                timeout_s: 7,
                language: "en-IN".into(),
                hints: vec!["sales".into()],
            }
        );
        let json = reply.json();
        assert!(
            json.contains(r#""type":"turn""#) && json.contains(r#""for":"input""#),
            "{json}"
        );
    }

    #[test]
    fn phone_network_steps_are_shown_and_offer_their_outcomes() {
        let dial = Instruction::Dial {
            targets: vec!["+918045671201".into()],
            caller_id: None,
            ring_timeout_s: 30,
            record: false,
        };
        let reply = render("BR1", 5, Waiting::Dial, false, &[dial], false);
        let Reply::Turn { steps, wait, .. } = reply else {
            panic!()
        };
        assert!(matches!(&steps[0], Step::Dial { targets, .. } if targets[0] == "+918045671201"));
        assert_eq!(
            wait,
            Wait::Outcome {
                of: "transfer".into(),
                outcomes: vec![
                    "answered".into(),
                    "busy".into(),
                    "no_answer".into(),
                    "failed".into()
                ],
            }
        );
        let agent = Instruction::Agent {
            url: "wss://agent.example/".into(),
            params: vec![("ivr_result_token".into(), "secret".into())],
            relay: None,
        };
        let json = render("BR1", 1, Waiting::Agent, false, &[agent], false).json();
        assert!(!json.contains("secret"), "{json}");
        let held = render(
            "BR1",
            1,
            Waiting::Effect,
            false,
            &[say("One moment.")],
            true,
        );
        assert!(matches!(
            held,
            Reply::Turn {
                wait: Wait::Hold,
                ..
            }
        ));
        let over = render(
            "BR1",
            1,
            Waiting::Nothing,
            true,
            &[say("Bye."), Instruction::Hangup],
            false,
        );
        assert!(matches!(
            over,
            Reply::Turn {
                wait: Wait::Nothing,
                ..
            }
        ));
    }
}
