//! What the providers' REST APIs have in common: a form-encoded POST with
//! HTTP Basic auth, and an error carrying the provider's own message.
//!
//! The builders in `twilio::api` and `exotel::api` return a [`RestRequest`]
//! (plain data, no I/O); the server sends it and hands the answer's status
//! and body back to the provider's parser.

use std::fmt;

/// One REST call to make: `POST url` with `form` as
/// `application/x-www-form-urlencoded` (or `GET url?form`), authenticated as
/// `user:password`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestRequest {
    pub method: RestMethod,
    pub url: String,
    pub user: String,
    pub password: String,
    /// Form fields in order; a name may repeat (Twilio's `StatusCallbackEvent`).
    pub form: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestMethod {
    /// Create something; the form is the body.
    Post,
    /// Read something; the form is the query string.
    Get,
}

impl RestRequest {
    /// The same request as a read: `GET url?form`.
    pub fn get(mut self) -> RestRequest {
        self.method = RestMethod::Get;
        self
    }

    /// The first value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a provider did not do what we asked. Plain data; `message` is the
/// provider's own words when it gave any, so an operator sees the real cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestError {
    /// A credential or setting the request needs is not configured.
    NotConfigured(String),
    /// The provider could not be reached or did not answer in time.
    Unreachable(String),
    /// The provider refused: its HTTP status, its error code (Twilio's
    /// numeric code; Exotel gives none) and its message.
    Refused {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// A 2xx answer we could not read (no call or message id in it).
    BadAnswer(String),
}

impl fmt::Display for RestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestError::NotConfigured(what) => write!(f, "not configured: {what}"),
            RestError::Unreachable(why) => write!(f, "provider unreachable: {why}"),
            RestError::Refused {
                status,
                code: Some(code),
                message,
            } => write!(f, "provider refused ({status}, code {code}): {message}"),
            RestError::Refused {
                status,
                code: None,
                message,
            } => write!(f, "provider refused ({status}): {message}"),
            RestError::BadAnswer(why) => write!(f, "unreadable provider answer: {why}"),
        }
    }
}

impl std::error::Error for RestError {}

/// A non-2xx answer whose body we could not read as the provider's error shape.
pub(crate) fn refused_raw(status: u16, body: &str) -> RestError {
    let text = body.trim();
    RestError::Refused {
        status,
        code: None,
        message: if text.is_empty() {
            format!("HTTP {status}")
        } else {
            text.chars().take(300).collect()
        },
    }
}

/// A call as a provider's API describes it, when we ask after one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    pub sid: String,
    /// The provider's word: `queued`, `ringing`, `in-progress`, `completed`,
    /// `busy`, `no-answer`, `failed`, `canceled`.
    pub status: String,
    /// When the provider created it (ms since the epoch), when it says.
    pub created_at: Option<i64>,
}

/// A request to send and the reading of its answer.
pub struct Exchange<T> {
    pub request: RestRequest,
    pub parse: fn(u16, &str) -> Result<T, RestError>,
}

impl<T> Exchange<T> {
    pub fn new(request: RestRequest, parse: fn(u16, &str) -> Result<T, RestError>) -> Self {
        Exchange { request, parse }
    }
}

/// A call to place: `to` answers and runs `flow` with `vars`.
#[derive(Clone, Debug)]
pub struct Placement<'a> {
    pub provider: super::Provider,
    pub to: &'a str,
    /// Overrides the configured number (each provider's own setting).
    pub from: Option<&'a str>,
    pub flow: &'a str,
    pub vars: &'a std::collections::BTreeMap<String, serde_json::Value>,
    /// Our public base URL, for the webhook and status callback URLs.
    pub base_url: &'a str,
    /// What our webhook URLs carry (a provider's secret path segment).
    pub webhooks: &'a super::WebhookSecrets,
    /// A query string for the status callback URL, so its callbacks say
    /// which campaign attempt the call was (`ivr_campaign=…&ivr_entry=…`).
    pub status_tag: Option<&'a str>,
    /// Ask the provider who answered (the flow reads `call.answered_by`),
    /// where the provider can tell; elsewhere calls read `unknown`.
    pub detect_machine: bool,
}

impl Placement<'_> {
    /// The status callback URL with the placement's tag, if any.
    pub fn tagged(&self, url: String) -> String {
        match self.status_tag {
            Some(tag) => format!("{url}?{tag}"),
            None => url,
        }
    }
}

/// A provider's REST API as requests to send and the readings of their
/// answers: what the server needs to send SMS, place calls and ask after
/// them. Pure: the server sends the requests.
pub trait RestApi {
    /// The settings still missing for SMS and calls alike.
    fn missing(&self) -> Vec<&'static str>;

    /// Send an SMS; the answer reads as the provider's message id.
    /// `dlt_template`: the message's template id in India's DLT registry,
    /// for a provider that takes one.
    fn sms(
        &self,
        to: &str,
        text: &str,
        dlt_template: Option<&str>,
    ) -> Result<Exchange<String>, RestError>;

    /// Place a call that runs a flow when answered; the answer reads as
    /// the provider's call id. Also the number the call shows (ours).
    fn call(&self, placement: &Placement<'_>) -> Result<(Exchange<String>, String), RestError>;

    /// What the provider knows of call `sid`.
    fn fetch_call(&self, sid: &str) -> Result<Exchange<CallRecord>, RestError>;

    /// The provider's newest calls to `to`, in progress ones included;
    /// `None` when the provider cannot list those.
    fn calls_to(&self, to: &str) -> Result<Option<Exchange<Vec<CallRecord>>>, RestError>;
}

/// A request that needs settings that are missing.
pub(crate) fn not_configured(missing: Vec<&str>) -> RestError {
    RestError::NotConfigured(format!("set {}", missing.join(", ")))
}
