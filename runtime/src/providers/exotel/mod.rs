//! Exotel: one generic app of applets, driven one applet at a time.
//!
//! Exotel has no TwiML-like answer that carries a list of instructions.
//! Instead the operator builds one generic app (see [`app::describe`]):
//! a Passthru applet calls us, a Switch Case reads our answer
//! (`{"select":"<case>"}`) and runs one dynamic applet (Greeting, Gather,
//! Connect, Voicebot…), which fetches its settings from us, and then the
//! flow loops back to the Passthru.
//!
//! So each engine turn becomes a [`Plan`] (a list of applet steps, see
//! [`applets::plan`]) that the server keeps with the call state and walks
//! one Passthru request at a time with [`passthru`]:
//!
//! ```text
//! loop {
//!     match exotel::passthru(plan.as_mut(), &params, now)? {
//!         Passthru::Event(event) => {       // feed the engine,
//!             let turn = engine::step(graph, state, event);
//!             plan = Some(Plan::new(&turn.instructions));   // and plan again
//!         }
//!         Passthru::Select(applet) => break applets::select(applet),  // store plan, answer
//!     }
//! }
//! ```
//!
//! (Bound that loop: a flow whose failure exit leads straight back to a step
//! Exotel cannot do would otherwise spin.) Each applet's own URL is then
//! answered from the plan's current step with [`applets::reply`].
//!
//! Exotel signs nothing (reference §6): protect the URLs with a secret path
//! segment ([`url`]) and/or an IP allowlist.

mod adapter;
pub mod api;
pub mod app;
pub mod applets;
pub mod decode;
pub mod lookup;
mod settings;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use adapter::{Channel, Exotel, applet};
pub use applets::{AppletStep, Plan};
pub use settings::Settings;

use crate::engine::{Event, Millis};
use crate::providers::{DecodeError, Params};

/// The applets of the generic app. The name ([`Applet::as_str`]) is both the
/// Switch Case case and the last segment of the applet's URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applet {
    /// Says a text or plays an audio URL (text/plain answer).
    Greeting,
    /// Collects keys (JSON answer).
    Gather,
    /// Calls one or more numbers (JSON answer).
    Connect,
    /// Hands the caller to a voice agent over a websocket (JSON answer).
    Voicebot,
    /// Records a message. Its prompt, beep and length are set in the
    /// dashboard: Exotel documents no dynamic URL for it.
    Voicemail,
    /// Texts the caller (text/plain answer).
    Sms,
    /// Ends the call.
    Hangup,
}

impl Applet {
    pub const ALL: [Applet; 7] = [
        Applet::Greeting,
        Applet::Gather,
        Applet::Connect,
        Applet::Voicebot,
        Applet::Voicemail,
        Applet::Sms,
        Applet::Hangup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Applet::Greeting => "greeting",
            Applet::Gather => "gather",
            Applet::Connect => "connect",
            Applet::Voicebot => "voicebot",
            Applet::Voicemail => "voicemail",
            Applet::Sms => "sms",
            Applet::Hangup => "hangup",
        }
    }

    /// Does Exotel fetch this applet's settings from a URL of ours?
    pub fn has_url(self) -> bool {
        !matches!(self, Applet::Voicemail | Applet::Hangup)
    }
}

impl fmt::Display for Applet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not an [`Applet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownApplet(pub String);

impl fmt::Display for UnknownApplet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown Exotel applet {:?}", self.0)
    }
}

impl std::error::Error for UnknownApplet {}

impl FromStr for Applet {
    type Err = UnknownApplet;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Applet::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownApplet(s.to_owned()))
    }
}

/// The URL segment of the Passthru applet.
pub const PASSTHRU: &str = "passthru";

/// The URL Exotel calls for `endpoint` ([`PASSTHRU`] or an [`Applet::as_str`]):
/// `{base}/exotel/{flow}/{endpoint}`, or `{base}/exotel/{secret}/{flow}/{endpoint}`
/// with a secret. Routing keys live in the path, not the query: Exotel has
/// been reported to rewrite configured query strings (reference §7).
pub fn url(base_url: &str, flow: &str, secret: Option<&str>, endpoint: &str) -> String {
    let base = base_url.trim_end_matches('/');
    match secret {
        Some(secret) => format!("{base}/exotel/{secret}/{flow}/{endpoint}"),
        None => format!("{base}/exotel/{flow}/{endpoint}"),
    }
}

/// An HTTP answer to Exotel: status 200 with this content type and body.
/// (Greeting and SMS URLs are also asked with HEAD: answer the same headers.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub content_type: &'static str,
    pub body: String,
}

/// What a Passthru request means for the call.
#[derive(Clone, Debug, PartialEq)]
pub enum Passthru {
    /// Give this event to the engine, make a new [`Plan`] from the turn's
    /// instructions, and call [`passthru`] again with it.
    Event(Event),
    /// Answer `{"select": applet}` ([`applets::select`]) and store the plan.
    Select(Applet),
}

/// Decide a Passthru request. `plan` is the call's stored plan (`None` for
/// a call we have not seen: the request starts it); it is advanced in place.
///
/// - no plan: the call starts ([`Event::Started`]);
/// - the step Exotel just ran waits for something (Gather, Connect,
///   Voicemail, Voicebot): its outcome, read from this request's parameters;
/// - a step Exotel cannot run (a queue): its failure, without asking Exotel;
/// - otherwise: the plan's next step is selected.
///
/// After an `Event`, replace the plan: the old one still points at the
/// step whose outcome was just reported.
pub fn passthru(
    plan: Option<&mut Plan>,
    params: &Params,
    at: Millis,
) -> Result<Passthru, DecodeError> {
    let Some(plan) = plan else {
        return decode::started(params, at).map(Passthru::Event);
    };
    if let Some(ran) = plan.current()
        && let Some(event) = decode::outcome(ran, params, at)
    {
        return Ok(Passthru::Event(event));
    }
    match plan.advance() {
        Some(AppletStep::Unavailable { what }) => Ok(Passthru::Event(what.event(at))),
        Some(step) => Ok(Passthru::Select(step.applet().unwrap_or(Applet::Hangup))),
        // Plans end with a waiting step or a hangup; past the end, hang up.
        None => Ok(Passthru::Select(Applet::Hangup)),
    }
}

#[cfg(test)]
mod tests;
