//! Twilio webhook parameters → engine events.
//!
//! Mappings that are our decisions (Twilio documents the values, not what
//! they should mean to a flow):
//! - `Direction`: `inbound` → inbound; anything starting `outbound`
//!   (`outbound-api`, `outbound-dial`) → outbound; absent → inbound.
//! - Gather: non-empty `Digits` wins over `SpeechResult`; neither → no input.
//! - `DialCallStatus`: `completed`/`answered` → answered, `busy`, `no-answer`,
//!   `failed`/`canceled` → failed; a value we do not know → failed, so the
//!   flow takes its failure exit rather than stalling.
//! - `QueueResult`: `bridged`, `redirected-from-bridged`, `bridging-in-process`
//!   → bridged; `leave` → timeout (the only `<Leave/>` is ours, sent by the
//!   wait page at `max_wait`); `hangup` → the call hung up; `queue-full`,
//!   `error`, `system-error`, `redirected` and anything else → failed.
//! - Record: no `RecordingUrl` (our `<Redirect>` after an empty recording) →
//!   recorded nothing.
//! - Transcript (`transcribeCallback`): `TranscriptionStatus` `completed` →
//!   the `TranscriptionText` (empty when nothing was made out), `failed` →
//!   no text; any other status is a bad request.
//! - Connect/Stream end: ok unless Twilio reports an `ErrorCode`;
//!   `HandoffData` (JSON, sent by ConversationRelay) becomes the agent's data.

use crate::engine::transcript::Transcribed;
use crate::engine::{
    AnsweredBy, CallStatus, Caller, DialOutcome, Direction, Event, Millis, QueueOutcome,
};
use crate::providers::{DecodeError, Params, StatusCallback, non_empty, required};

use super::Step;
use super::twiml::{QueueWait, WAIT_EVERY, WAIT_HOLD, WAIT_MAX};

/// The call a webhook belongs to (`CallSid`); every Twilio voice request has one.
pub fn call_id(params: &Params) -> Result<&str, DecodeError> {
    required(params.get("CallSid"), "CallSid")
}

/// A recording's transcript, posted to the `transcribeCallback` URL, often
/// after the call has ended.
pub fn transcript(params: &Params) -> Result<Transcribed, DecodeError> {
    let call_id = call_id(params)?.to_owned();
    let status = required(params.get("TranscriptionStatus"), "TranscriptionStatus")?;
    let text = match status {
        "completed" => Some(
            params
                .get("TranscriptionText")
                .unwrap_or("")
                .trim()
                .to_owned(),
        ),
        "failed" => None,
        other => {
            return Err(DecodeError::Invalid {
                name: "TranscriptionStatus",
                value: other.to_owned(),
            });
        }
    };
    Ok(Transcribed {
        call_id,
        text,
        recording_url: non_empty(params.get("RecordingUrl")).map(str::to_owned),
    })
}

/// Twilio's answering-machine verdict (`AnsweredBy`, sent when the call was
/// placed with `MachineDetection`): `human`; `machine_start`,
/// `machine_end_beep`/`_silence`/`_other` and `fax` are machines; anything
/// else is `unknown`.
fn answered_by(value: &str) -> AnsweredBy {
    match value {
        "human" => AnsweredBy::Human,
        v if v.starts_with("machine") || v == "fax" => AnsweredBy::Machine,
        _ => AnsweredBy::Unknown,
    }
}

/// The event an action request (or the first webhook, [`Step::Start`]) reports.
pub fn event(step: Step, params: &Params, at: Millis) -> Result<Event, DecodeError> {
    match step {
        Step::Start => {
            let call_id = call_id(params)?.to_owned();
            let from = required(params.get("From"), "From")?.to_owned();
            let to = required(params.get("To"), "To")?.to_owned();
            let direction = direction(params.get("Direction"));
            // `call.from` is the customer on every call (docs/LANGUAGE.md):
            // on a call we placed Twilio's `From` is our number and `To` the
            // customer, so they swap.
            let (from, to) = match direction {
                Direction::Inbound => (from, to),
                Direction::Outbound => (to, from),
            };
            let caller = Caller {
                from,
                to,
                direction,
                answered_by: params.get("AnsweredBy").map(answered_by),
            };
            Ok(Event::Started {
                call_id,
                caller,
                at,
            })
        }
        Step::Gather => Ok(gathered(params, at)),
        Step::Dial => {
            let status = required(params.get("DialCallStatus"), "DialCallStatus")?;
            let outcome = match status {
                "completed" | "answered" => DialOutcome::Answered,
                "busy" => DialOutcome::Busy,
                "no-answer" => DialOutcome::NoAnswer,
                _ => DialOutcome::Failed,
            };
            Ok(Event::Dialed { outcome, at })
        }
        Step::Queue => {
            let result = required(params.get("QueueResult"), "QueueResult")?;
            let outcome = match result {
                "hangup" => return Ok(Event::Hangup { at }),
                "bridged" | "redirected-from-bridged" | "bridging-in-process" => {
                    QueueOutcome::Bridged
                }
                "leave" => QueueOutcome::Timeout,
                _ => QueueOutcome::Failed,
            };
            Ok(Event::Queued { outcome, at })
        }
        Step::Record => {
            let url = non_empty(params.get("RecordingUrl")).map(str::to_owned);
            let duration_s = match non_empty(params.get("RecordingDuration")) {
                Some(d) => Some(number(d, "RecordingDuration")?),
                None => None,
            };
            Ok(Event::Recorded {
                url,
                duration_s,
                at,
            })
        }
        Step::Agent => {
            let ok = non_empty(params.get("ErrorCode")).is_none();
            let data = non_empty(params.get("HandoffData")).map(|raw| {
                serde_json::from_str(raw)
                    .unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()))
            });
            Ok(Event::AgentEnded { ok, data, at })
        }
        // The way back from a hold reports nothing: the server answers it
        // from the held call, never as an event.
        Step::Hold => Err(DecodeError::Invalid {
            name: "step",
            value: step.as_str().to_owned(),
        }),
    }
}

/// A status callback (`CallSid`, `CallStatus`): `queued` and `initiated`
/// count as ringing; the rest are the history's statuses, dashed.
pub fn call_status(params: &Params) -> Result<StatusCallback<'_>, DecodeError> {
    let call_id = call_id(params)?;
    let raw = required(params.get("CallStatus"), "CallStatus")?;
    let status = match raw {
        "queued" | "initiated" => Some(CallStatus::Ringing),
        other => CallStatus::parse(&other.replace('-', "_")),
    }
    .ok_or_else(|| DecodeError::Invalid {
        name: "CallStatus",
        value: raw.to_owned(),
    })?;
    Ok(StatusCallback {
        call_id,
        status,
        raw,
    })
}

/// A request to the queue's wait page: Twilio's `QueueTime`/`QueuePosition`
/// plus the settings [`super::twiml::render`] put in the wait URL.
pub fn queue_wait(params: &Params) -> Result<QueueWait, DecodeError> {
    let queue_time_s = match non_empty(params.get("QueueTime")) {
        Some(t) => number(t, "QueueTime")?,
        None => 0,
    };
    let optional = |name: &'static str| -> Result<Option<u32>, DecodeError> {
        non_empty(params.get(name))
            .map(|v| number(v, name))
            .transpose()
    };
    Ok(QueueWait {
        queue_time_s,
        position: optional("QueuePosition")?,
        hold_music: non_empty(params.get(WAIT_HOLD)).map(str::to_owned),
        position_every_s: optional(WAIT_EVERY)?,
        max_wait_s: optional(WAIT_MAX)?,
    })
}

fn gathered(params: &Params, at: Millis) -> Event {
    if let Some(digits) = non_empty(params.get("Digits")) {
        return Event::Digits {
            digits: digits.to_owned(),
            at,
        };
    }
    if let Some(text) = non_empty(params.get("SpeechResult")) {
        let confidence = non_empty(params.get("Confidence")).and_then(|c| c.parse().ok());
        return Event::Speech {
            text: text.to_owned(),
            confidence,
            at,
        };
    }
    Event::NoInput { at }
}

fn direction(value: Option<&str>) -> Direction {
    match value {
        Some(v) if v.starts_with("outbound") => Direction::Outbound,
        _ => Direction::Inbound,
    }
}

fn number(value: &str, name: &'static str) -> Result<u32, DecodeError> {
    value.trim().parse().map_err(|_| DecodeError::Invalid {
        name,
        value: value.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().copied().collect()
    }

    #[test]
    fn answering_machine_detection_names_who_answered() {
        let answered = |value: Option<&str>| {
            let mut pairs = vec![
                ("CallSid", "CA1"),
                ("From", "+14158675309"),
                ("To", "+18005551212"),
                ("Direction", "outbound-api"),
            ];
            pairs.extend(value.map(|v| ("AnsweredBy", v)));
            match event(Step::Start, &params(&pairs), 7) {
                Ok(Event::Started { caller, .. }) => caller.answered_by,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(answered(None), None);
        assert_eq!(answered(Some("human")), Some(AnsweredBy::Human));
        for machine in [
            "machine_start",
            "machine_end_beep",
            "machine_end_silence",
            "machine_end_other",
            "fax",
        ] {
            assert_eq!(
                answered(Some(machine)),
                Some(AnsweredBy::Machine),
                "{machine}"
            );
        }
        assert_eq!(answered(Some("unknown")), Some(AnsweredBy::Unknown));
        assert_eq!(answered(Some("robot")), Some(AnsweredBy::Unknown));
    }

    #[test]
    fn the_first_webhook_starts_a_call() {
        let p = params(&[
            ("CallSid", "CA123"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
            ("Direction", "outbound-api"),
        ]);
        assert_eq!(
            event(Step::Start, &p, 7),
            Ok(Event::Started {
                call_id: "CA123".into(),
                // A call we placed: `To` is the customer, who is `call.from`.
                caller: Caller {
                    from: "+18005551212".into(),
                    to: "+14158675309".into(),
                    direction: Direction::Outbound,
                    answered_by: None,
                },
                at: 7,
            })
        );
        let inbound = params(&[
            ("CallSid", "CA1"),
            ("From", "client:tommy"),
            ("To", "+1"),
            ("Direction", "inbound"),
        ]);
        let Ok(Event::Started { caller, .. }) = event(Step::Start, &inbound, 0) else {
            panic!()
        };
        assert_eq!(caller.direction, Direction::Inbound);
        assert_eq!(caller.from, "client:tommy");
    }

    #[test]
    fn a_start_without_the_call_or_caller_is_refused() {
        assert_eq!(
            event(Step::Start, &params(&[("From", "+1"), ("To", "+2")]), 0),
            Err(DecodeError::Missing("CallSid"))
        );
        assert_eq!(
            event(Step::Start, &params(&[("CallSid", "CA1"), ("To", "+2")]), 0),
            Err(DecodeError::Missing("From"))
        );
        assert_eq!(
            call_id(&params(&[("CallSid", "")])),
            Err(DecodeError::Missing("CallSid"))
        );
    }

    #[test]
    fn parameter_names_are_case_sensitive() {
        let p = params(&[("callsid", "CA1"), ("from", "+1"), ("to", "+2")]);
        assert_eq!(
            event(Step::Start, &p, 0),
            Err(DecodeError::Missing("CallSid"))
        );
        assert_eq!(
            event(Step::Gather, &params(&[("digits", "1")]), 0),
            Ok(Event::NoInput { at: 0 })
        );
    }

    #[test]
    fn gather_results() {
        assert_eq!(
            event(Step::Gather, &params(&[("Digits", "42#")]), 1),
            Ok(Event::Digits {
                digits: "42#".into(),
                at: 1
            })
        );
        assert_eq!(
            event(Step::Gather, &params(&[("Digits", "")]), 1),
            Ok(Event::NoInput { at: 1 })
        );
        assert_eq!(
            event(Step::Gather, &params(&[]), 1),
            Ok(Event::NoInput { at: 1 })
        );
        assert_eq!(
            event(
                Step::Gather,
                &params(&[
                    ("Digits", ""),
                    ("SpeechResult", "sales please"),
                    ("Confidence", "0.91")
                ]),
                1
            ),
            Ok(Event::Speech {
                text: "sales please".into(),
                confidence: Some(0.91),
                at: 1
            })
        );
        assert_eq!(
            event(
                Step::Gather,
                &params(&[("SpeechResult", "yes"), ("Confidence", "high")]),
                1
            ),
            Ok(Event::Speech {
                text: "yes".into(),
                confidence: None,
                at: 1
            })
        );
    }

    #[test]
    fn dial_outcomes() {
        let outcome = |s: &str| match event(Step::Dial, &params(&[("DialCallStatus", s)]), 0) {
            Ok(Event::Dialed { outcome, .. }) => outcome,
            other => panic!("{other:?}"),
        };
        assert_eq!(outcome("completed"), DialOutcome::Answered);
        assert_eq!(outcome("answered"), DialOutcome::Answered);
        assert_eq!(outcome("busy"), DialOutcome::Busy);
        assert_eq!(outcome("no-answer"), DialOutcome::NoAnswer);
        assert_eq!(outcome("failed"), DialOutcome::Failed);
        assert_eq!(outcome("canceled"), DialOutcome::Failed);
        assert_eq!(outcome("something-new"), DialOutcome::Failed);
        assert_eq!(
            event(Step::Dial, &params(&[]), 0),
            Err(DecodeError::Missing("DialCallStatus"))
        );
    }

    #[test]
    fn queue_results() {
        let decode = |s: &str| event(Step::Queue, &params(&[("QueueResult", s)]), 3).unwrap();
        assert_eq!(
            decode("bridged"),
            Event::Queued {
                outcome: QueueOutcome::Bridged,
                at: 3
            }
        );
        assert_eq!(
            decode("leave"),
            Event::Queued {
                outcome: QueueOutcome::Timeout,
                at: 3
            }
        );
        assert_eq!(decode("hangup"), Event::Hangup { at: 3 });
        for failed in ["queue-full", "error", "system-error", "redirected"] {
            assert_eq!(
                decode(failed),
                Event::Queued {
                    outcome: QueueOutcome::Failed,
                    at: 3
                },
                "{failed}"
            );
        }
        assert_eq!(
            event(Step::Queue, &params(&[]), 0),
            Err(DecodeError::Missing("QueueResult"))
        );
    }

    #[test]
    fn transcripts_completed_failed_and_garbled() {
        let p = params(&[
            ("CallSid", "CA1"),
            ("TranscriptionStatus", "completed"),
            ("TranscriptionText", " Call me back about order 42. "),
            ("RecordingUrl", "https://api.twilio.com/rec/RE1"),
        ]);
        assert_eq!(
            transcript(&p),
            Ok(Transcribed {
                call_id: "CA1".into(),
                text: Some("Call me back about order 42.".into()),
                recording_url: Some("https://api.twilio.com/rec/RE1".into()),
            })
        );
        let failed = params(&[("CallSid", "CA1"), ("TranscriptionStatus", "failed")]);
        assert_eq!(transcript(&failed).map(|t| t.text), Ok(None));
        let odd = params(&[("CallSid", "CA1"), ("TranscriptionStatus", "maybe")]);
        assert!(matches!(
            transcript(&odd),
            Err(DecodeError::Invalid {
                name: "TranscriptionStatus",
                ..
            })
        ));
        assert_eq!(
            transcript(&params(&[("TranscriptionStatus", "completed")])),
            Err(DecodeError::Missing("CallSid"))
        );
    }

    #[test]
    fn recordings_and_empty_recordings() {
        let p = params(&[
            ("RecordingUrl", "https://api.twilio.com/rec/RE1"),
            ("RecordingDuration", "12"),
        ]);
        assert_eq!(
            event(Step::Record, &p, 0),
            Ok(Event::Recorded {
                url: Some("https://api.twilio.com/rec/RE1".into()),
                duration_s: Some(12),
                at: 0
            })
        );
        assert_eq!(
            event(Step::Record, &params(&[("CallSid", "CA1")]), 0),
            Ok(Event::Recorded {
                url: None,
                duration_s: None,
                at: 0
            })
        );
        assert!(matches!(
            event(
                Step::Record,
                &params(&[("RecordingUrl", "u"), ("RecordingDuration", "x")]),
                0
            ),
            Err(DecodeError::Invalid {
                name: "RecordingDuration",
                ..
            })
        ));
    }

    #[test]
    fn agent_end() {
        assert_eq!(
            event(Step::Agent, &params(&[]), 0),
            Ok(Event::AgentEnded {
                ok: true,
                data: None,
                at: 0
            })
        );
        assert_eq!(
            event(
                Step::Agent,
                &params(&[("HandoffData", r#"{"intent":"refund"}"#)]),
                0
            ),
            Ok(Event::AgentEnded {
                ok: true,
                data: Some(serde_json::json!({"intent": "refund"})),
                at: 0
            })
        );
        assert!(matches!(
            event(Step::Agent, &params(&[("ErrorCode", "31920")]), 0),
            Ok(Event::AgentEnded { ok: false, .. })
        ));
    }

    #[test]
    fn status_callbacks_say_where_the_call_is() {
        let status = |value: &str| {
            call_status(&params(&[("CallSid", "CA1"), ("CallStatus", value)])).map(|s| s.status)
        };
        assert_eq!(status("completed"), Ok(CallStatus::Completed));
        assert_eq!(status("no-answer"), Ok(CallStatus::NoAnswer));
        assert_eq!(status("queued"), Ok(CallStatus::Ringing));
        assert_eq!(status("in-progress"), Ok(CallStatus::InProgress));
        assert!(matches!(
            status("exploded"),
            Err(DecodeError::Invalid { .. })
        ));
        assert_eq!(
            call_status(&params(&[("CallSid", "CA1")])),
            Err(DecodeError::Missing("CallStatus"))
        );
    }

    #[test]
    fn queue_wait_reads_twilio_and_our_own_parameters() {
        let p = params(&[
            ("QueueTime", "75"),
            ("QueuePosition", "3"),
            ("ivr_every", "60"),
            ("ivr_max", "600"),
        ]);
        assert_eq!(
            queue_wait(&p),
            Ok(QueueWait {
                queue_time_s: 75,
                position: Some(3),
                hold_music: None,
                position_every_s: Some(60),
                max_wait_s: Some(600)
            })
        );
    }
}
