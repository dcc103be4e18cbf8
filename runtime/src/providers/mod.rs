//! Provider adapters: the only code that knows Twilio or Exotel exist, and
//! the console's browser phone, a provider without a phone network.
//!
//! Each provider is a pair of pure translations, with no HTTP framework and
//! no I/O: a webhook's parameters → an engine [`Event`](crate::engine::Event),
//! and the engine's [`Instruction`](crate::engine::Instruction)s → the
//! provider's answer (TwiML for Twilio; applet answers for Exotel). The
//! server does the transport: it collects the parameters, calls these
//! functions, and writes what they return.

mod adapter;
pub mod browser;
pub mod exotel;
mod params;
pub mod rest;
mod settings;
pub mod twilio;

use std::fmt;

use crate::engine::Instruction;

pub use adapter::{Adapter, Decoded, Refused, Rendered};
pub use params::Params;
pub use settings::{ProvidersConfig, WebhookSecrets};

/// Which provider a call runs on: the compiler's, whose capability table
/// is the one other place that names them.
pub use ivr_compiler::graph::Provider;

/// What `provider` would be told for a turn ending with `instructions`, one
/// line each, for `ivr simulate --provider` (example URLs, nothing stored).
pub fn preview(provider: Provider, flow: &str, turn: u64, instructions: &[Instruction]) -> String {
    match provider {
        Provider::Twilio => {
            let step = twilio::Step::after(instructions).unwrap_or(twilio::Step::Gather);
            let action = format!("https://ivr.example/twilio/{flow}/{turn}/{step}");
            let wait = format!("https://ivr.example/twilio/{flow}/wait");
            format!(
                "  twiml   {}\n",
                twilio::twiml::render(instructions, &action, Some(&wait))
            )
        }
        Provider::Exotel => exotel::applets::plan(instructions)
            .iter()
            .map(|step| {
                format!(
                    "  exotel  {}\n",
                    serde_json::to_string(step).unwrap_or_default()
                )
            })
            .collect(),
    }
}

/// Where `provider` is pointed at our `flow` (served at `base`), one line
/// each, for the start-up text of `ivr serve`.
pub fn setup(provider: Provider, base: &str, flow: &str) -> Vec<String> {
    match provider {
        Provider::Twilio => vec![
            format!("Twilio voice webhook (POST): {base}/twilio/{flow}"),
            format!("Twilio status callback:      {base}/twilio/{flow}/status"),
        ],
        Provider::Exotel => vec![format!("Exotel app: run `ivr exotel-app {flow}`")],
    }
}

/// A status callback, decoded: the call, where it is now, and the
/// provider's own word for it (campaign retries read that).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusCallback<'a> {
    pub call_id: &'a str,
    pub status: crate::engine::CallStatus,
    pub raw: &'a str,
}

/// Why a webhook could not be turned into an event. The server answers such
/// a request with a 4xx (or, for a live call, a safe provider answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A parameter the event cannot do without is absent or empty.
    Missing(&'static str),
    /// A parameter is present but its value means nothing we know.
    Invalid { name: &'static str, value: String },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Missing(name) => write!(f, "missing webhook parameter `{name}`"),
            DecodeError::Invalid { name, value } => {
                write!(
                    f,
                    "webhook parameter `{name}` has an unexpected value {value:?}"
                )
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// A value that must be present and non-empty.
fn required<'a>(value: Option<&'a str>, name: &'static str) -> Result<&'a str, DecodeError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(DecodeError::Missing(name)),
    }
}

/// A value that counts only when non-empty.
fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}
