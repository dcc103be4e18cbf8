//! Exotel request parameters → engine events.
//!
//! Exotel sends GET query parameters whose names vary in case between its
//! own documents (`CallFrom`, `Callfrom`), so every name is matched ignoring
//! case. Values we rely on, and what we chose where the reference is silent:
//! - `Direction`: `incoming`/`inbound` → inbound; `outbound-dial` (or any
//!   `outbound…`) → outbound; absent → inbound.
//! - `digits` arrives wrapped in double quotes (`"1"`): they are removed;
//!   empty or absent after a Gather → no input.
//! - After a Connect: `DialCallStatus` when present (`completed`/`answered`
//!   → answered, `busy`, `no-answer`, `failed`/`canceled` → failed —
//!   UNCONFIRMED: only a third-party design doc lists it on Passthru);
//!   otherwise `CallType` (official, S-48283): `completed` → answered,
//!   `incomplete` ("no agent picked up") → no answer, `client-hangup` → the
//!   caller hung up, anything else (`call-attempt`: nobody was dialled) → failed.
//! - After Voicemail: `RecordingUrl`, if any (no duration is documented).
//! - After Voicebot: `Stream[Status]`/`Stream[DisconnectedBy]` (or the same
//!   fields in a `Stream=` JSON object): see [`streamed`].

use crate::engine::{CallStatus, Caller, DialOutcome, Direction, Event, Millis};
use crate::providers::{DecodeError, Params, StatusCallback, non_empty, required};

use super::applets::AppletStep;

/// The call a request belongs to (`CallSid`).
pub fn call_id(params: &Params) -> Result<&str, DecodeError> {
    required(params.get_ignore_case("CallSid"), "CallSid")
}

/// The first Passthru of a call.
pub fn started(params: &Params, at: Millis) -> Result<Event, DecodeError> {
    let call_id = call_id(params)?.to_owned();
    let either = |a: &str, b: &str| {
        non_empty(params.get_ignore_case(a)).or_else(|| non_empty(params.get_ignore_case(b)))
    };
    let caller = Caller {
        from: either("CallFrom", "From")
            .ok_or(DecodeError::Missing("CallFrom"))?
            .to_owned(),
        to: either("CallTo", "To")
            .ok_or(DecodeError::Missing("CallTo"))?
            .to_owned(),
        // A call we placed carries our `CustomField` (Calls/connect); the
        // `Direction` Exotel gives such a call in a flow is not documented.
        // Exotel rings the `From` of Calls/connect first and runs the app
        // with it as `CallFrom`: the customer, as `call.from` is everywhere.
        direction: match params.get_ignore_case("Direction").map(str::trim) {
            _ if placed_by_us(params) => Direction::Outbound,
            Some(d) if d.to_ascii_lowercase().starts_with("outbound") => Direction::Outbound,
            _ => Direction::Inbound,
        },
        answered_by: None,
    };
    Ok(Event::Started {
        call_id,
        caller,
        at,
    })
}

/// The outcome of the applet that just ran, as reported by the Passthru
/// that follows it; `None` for a step that waits for nothing (Greeting, SMS).
pub fn outcome(ran: &AppletStep, params: &Params, at: Millis) -> Option<Event> {
    match ran {
        AppletStep::Gather { .. } => Some(gathered(params, at)),
        AppletStep::Connect { .. } => Some(connected(params, at)),
        AppletStep::Voicemail => Some(Event::Recorded {
            url: non_empty(params.get_ignore_case("RecordingUrl")).map(str::to_owned),
            duration_s: None,
            at,
        }),
        AppletStep::Voicebot { .. } => Some(streamed(params, at)),
        AppletStep::Greeting { .. }
        | AppletStep::Sms { .. }
        | AppletStep::Hangup
        | AppletStep::Unavailable { .. } => None,
    }
}

/// A field of the Voicebot's stream report: `Stream[Name]`, or `Name` in
/// the JSON object sent as `Stream=…` (Exotel sends either).
fn stream_field(params: &Params, name: &str) -> Option<String> {
    if let Some(v) = non_empty(params.get_ignore_case(&format!("Stream[{name}]"))) {
        return Some(v.to_ascii_lowercase());
    }
    let json: serde_json::Value = serde_json::from_str(params.get_ignore_case("Stream")?).ok()?;
    let object = json.as_object()?;
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
        .map(str::to_ascii_lowercase)
}

/// How the Voicebot's stream ended (UNCONFIRMED values, our choice):
/// a `Status` naming a failure or an error → the agent failed; otherwise,
/// `DisconnectedBy` the caller (`caller`, `user`, `customer`) → the caller
/// hung up; else the agent ended normally.
fn streamed(params: &Params, at: Millis) -> Event {
    let status = stream_field(params, "Status").unwrap_or_default();
    if status.contains("fail") || status.contains("error") {
        return Event::AgentEnded {
            ok: false,
            data: None,
            at,
        };
    }
    match stream_field(params, "DisconnectedBy").as_deref() {
        Some("caller" | "user" | "customer") => Event::Hangup { at },
        _ => Event::AgentEnded {
            ok: true,
            data: None,
            at,
        },
    }
}

/// The keys pressed in the last Gather, without Exotel's quotes.
pub fn digits(params: &Params) -> Option<String> {
    let raw = params.get_ignore_case("digits")?.trim();
    let unquoted = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw)
        .trim();
    (!unquoted.is_empty()).then(|| unquoted.to_owned())
}

/// Is this a call our Calls/connect placed: its `CustomField` names a flow?
fn placed_by_us(params: &Params) -> bool {
    custom_field(params)
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
        .is_some_and(|v| v.get("flow").is_some_and(serde_json::Value::is_string))
}

/// `CustomField`, set on calls started through the API.
pub fn custom_field(params: &Params) -> Option<&str> {
    non_empty(params.get_ignore_case("CustomField"))
}

/// A StatusCallback (`CallSid`, `Status`; `CallStatus` read too):
/// `queued`, `ringing` and `initiated` count as ringing, `answered` as in
/// progress; the rest are the history's statuses, dashed.
pub fn call_status(params: &Params) -> Result<StatusCallback<'_>, DecodeError> {
    let call_id = call_id(params)?;
    let raw = non_empty(params.get_ignore_case("Status"))
        .or_else(|| non_empty(params.get_ignore_case("CallStatus")))
        .ok_or(DecodeError::Missing("Status"))?;
    let status = match raw {
        "queued" | "ringing" | "initiated" => Some(CallStatus::Ringing),
        "answered" => Some(CallStatus::InProgress),
        other => CallStatus::parse(&other.replace('-', "_")),
    }
    .ok_or_else(|| DecodeError::Invalid {
        name: "Status",
        value: raw.to_owned(),
    })?;
    Ok(StatusCallback {
        call_id,
        status,
        raw,
    })
}

fn gathered(params: &Params, at: Millis) -> Event {
    match digits(params) {
        Some(digits) => Event::Digits { digits, at },
        None => Event::NoInput { at },
    }
}

fn connected(params: &Params, at: Millis) -> Event {
    let value = |name: &str| non_empty(params.get_ignore_case(name)).map(str::to_ascii_lowercase);
    let outcome = match value("DialCallStatus").as_deref() {
        Some("completed" | "answered") => DialOutcome::Answered,
        Some("busy") => DialOutcome::Busy,
        Some("no-answer") => DialOutcome::NoAnswer,
        Some("failed" | "canceled") => DialOutcome::Failed,
        _ => match value("CallType").as_deref() {
            Some("completed") => DialOutcome::Answered,
            Some("incomplete") => DialOutcome::NoAnswer,
            Some("client-hangup") => return Event::Hangup { at },
            _ => DialOutcome::Failed,
        },
    };
    Event::Dialed { outcome, at }
}
