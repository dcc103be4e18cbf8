//! Server configuration, from flags and the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::providers::WebhookSecrets;
use crate::store::StoreConfig;

/// Well inside Twilio's 15 s and Exotel's Passthru time-outs, short enough
/// that a caller never notices the wait as a fault.
pub const DEFAULT_TURN_BUDGET: Duration = Duration::from_secs(2);

/// How long call records are kept unless `--records-retention` says.
pub const DEFAULT_RECORDS_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// How many finished calls wait for PostgreSQL in the store's outbox before
/// the oldest are dropped (with records on).
pub const RECORDS_OUTBOX: usize = 100_000;

#[derive(Clone, Debug)]
pub struct Config {
    pub flows_dir: PathBuf,
    pub listen: SocketAddr,
    /// The base URL providers reach us at (`https://ivr.example.com`). Twilio
    /// signs the public URL, so it is needed to validate signatures behind a proxy.
    pub public_url: Option<String>,
    /// What the providers' webhooks are checked with.
    pub webhooks: WebhookSecrets,
    /// The key of the tokens agents post their results with
    /// (`IVR_AGENT_SECRET`). Replicas must share it; without it each process
    /// makes a random one, good for one replica only.
    pub agent_secret: Option<String>,
    /// When set, `/api/*` needs `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
    /// `memory` or `redis://host:port`.
    pub store: String,
    /// Lifetimes, limits and the time-out of the store.
    pub store_config: StoreConfig,
    /// `postgres://…`: finished calls are recorded there (None: the store's
    /// history is all there is).
    pub records: Option<String>,
    /// How long call records are kept.
    pub records_retention: Duration,
    /// Where to send callers when the store fails (None: apologise and hang up).
    pub fallback_number: Option<String>,
    /// How long a webhook may take before the caller is put on hold: an
    /// effect (a slow call-out) still running then finishes in the
    /// background, and the provider gets a short hold that comes back.
    pub turn_budget: Duration,
    /// Audio a held caller hears (Twilio `<Play>`, an Exotel Greeting URL);
    /// without it Twilio pauses a second and Exotel says "Please hold.".
    pub hold_audio: Option<String>,
    /// Campaign dialling: pace, leases, reconciliation.
    pub dialer: DialerConfig,
    /// Limits on `POST /api/calls`.
    pub call_limits: super::CallLimits,
    /// How long a client may take to send a request's headers, and its
    /// body: a slow client is cut off rather than hold a connection.
    pub read_timeout: Duration,
    /// The console shows callers' numbers with all but the last four digits
    /// hidden (`IVR_MASK_NUMBERS`).
    pub mask_numbers: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            flows_dir: PathBuf::from("flows"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            webhooks: WebhookSecrets::default(),
            agent_secret: None,
            admin_token: None,
            store: "memory".into(),
            store_config: StoreConfig::default(),
            records: None,
            records_retention: DEFAULT_RECORDS_RETENTION,
            fallback_number: None,
            turn_budget: DEFAULT_TURN_BUDGET,
            hold_audio: None,
            dialer: Default::default(),
            call_limits: Default::default(),
            read_timeout: Duration::from_secs(10),
            mask_numbers: false,
        }
    }
}

impl Config {
    /// The public base URL without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}

/// How often and how patiently the dialer works. Tests shorten these.
#[derive(Clone, Debug)]
pub struct DialerConfig {
    /// Between two looks at the owned campaigns (pacing granularity).
    pub tick: Duration,
    /// Between two looks for campaigns nobody owns.
    pub scan: Duration,
    /// How long a lease lasts unless renewed; a dead owner's campaigns are
    /// taken over after at most this.
    pub lease: Duration,
    /// A call without a final status for this long is looked up at the
    /// provider (its status callback may have been lost while we were down).
    pub reconcile_after: Duration,
    /// A claim without a call id for this long is looked up too: the
    /// process that claimed it died before the provider answered (longer
    /// than the REST client's own time-out, so no request is still out).
    pub unplaced_after: Duration,
}

impl Default for DialerConfig {
    fn default() -> Self {
        DialerConfig {
            tick: Duration::from_millis(10),
            scan: Duration::from_secs(1),
            lease: Duration::from_secs(15),
            reconcile_after: Duration::from_secs(300),
            unplaced_after: Duration::from_secs(30),
        }
    }
}
