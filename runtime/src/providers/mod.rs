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
pub mod rest;
mod settings;
pub mod twilio;

use std::fmt;

use crate::engine::Instruction;

pub use adapter::{Adapter, Decoded, Refused, Rendered};
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

/// Webhook parameters (form body and/or query string) in arrival order.
///
/// A name may repeat (Twilio can send repeated keys, and the signature covers
/// every value), so this is a multimap kept as pairs, not a map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Params(pairs)
    }

    /// Parse `application/x-www-form-urlencoded` text (a POST body or a
    /// query string without its `?`), keeping order and repeats.
    pub fn parse(encoded: &str) -> Self {
        Params(
            url::form_urlencoded::parse(encoded.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// Add pairs (e.g. the query string's to a POST body's).
    pub fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// The first value of `name`, matched exactly (Twilio's names are case-sensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, ignoring ASCII case (Exotel's docs spell
    /// the same parameter `CallFrom` and `Callfrom`).
    pub fn get_ignore_case(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every pair, in arrival order (what the Twilio signature is computed over).
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Params(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_repeats_and_match_case_as_asked() {
        let p: Params = [("Digits", "1"), ("Digits", "2"), ("callfrom", "+91")]
            .into_iter()
            .collect();
        assert_eq!(p.get("Digits"), Some("1"));
        assert_eq!(p.pairs().len(), 3);
        assert_eq!(p.get("CallFrom"), None);
        assert_eq!(p.get_ignore_case("CallFrom"), Some("+91"));
    }

    #[test]
    fn parses_form_encoding() {
        let p =
            Params::parse("From=%2B14158675309&digits=%221%22&Digits=1&Digits=2&Empty=&Space=a+b");
        assert_eq!(p.get("From"), Some("+14158675309"));
        assert_eq!(p.get("digits"), Some("\"1\""));
        assert_eq!(p.pairs().iter().filter(|(k, _)| k == "Digits").count(), 2);
        assert_eq!(p.get("Empty"), Some(""));
        assert_eq!(p.get("Space"), Some("a b"));
    }
}
