//! The state every request handler shares: configuration, flows, the store,
//! effects, the providers' REST APIs, metrics and the clock.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;

use super::effects::{self, EffectRunner};
use super::{CallLimiter, Config, Outside, ProvidersConfig, Registry};
use crate::handoff::Key;
use crate::records::{Records, RecordsError};
use crate::store::{Store, StoreError};

/// Why the server could not be set up.
#[derive(Debug)]
pub enum SetupError {
    Store(StoreError),
    Records(RecordsError),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::Store(e) => e.fmt(f),
            SetupError::Records(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SetupError {}

/// Everything a request handler may need, shared by all requests.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub registry: Arc<Registry>,
    pub store: Store,
    /// Call records in PostgreSQL (`--records`), read beside the store's
    /// history; written by [`crate::records::writer`], never by a webhook.
    pub records: Option<Records>,
    pub effects: Arc<dyn EffectRunner>,
    /// Provider REST APIs (SMS, placed calls).
    pub outside: Arc<Outside>,
    /// Limits on `POST /api/calls`.
    pub call_limiter: Arc<CallLimiter>,
    pub metrics: PrometheusHandle,
    /// The key of agents' result tokens ([`crate::handoff`]).
    pub handoff_key: Arc<crate::handoff::Key>,
    /// Set when the process begins to stop.
    pub shutdown: super::shutdown::Shutdown,
    /// Spans exported over OTLP (`--otlp-endpoint`); None: no spans.
    pub telemetry: Option<Arc<super::telemetry::Telemetry>>,
    /// Milliseconds since the epoch. Injected so tests control time.
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl App {
    /// An app on the store the config names, with live effects. With
    /// records on, the store keeps an outbox of finished calls (its size
    /// [`super::config::RECORDS_OUTBOX`] unless the config sets one); call
    /// [`App::start_records`] to write them.
    pub fn new(mut config: Config) -> Result<App, SetupError> {
        if config.records.is_some() && config.store_config.outbox_capacity == 0 {
            config.store_config.outbox_capacity = super::config::RECORDS_OUTBOX;
        }
        let records = config
            .records
            .as_deref()
            .map(Records::open)
            .transpose()
            .map_err(SetupError::Records)?;
        let store =
            Store::open(&config.store, config.store_config.clone()).map_err(SetupError::Store)?;
        let providers = ProvidersConfig::from_env();
        providers.warn_missing();
        let outside = Arc::new(Outside::new(providers));
        let mut app = App::with(
            config,
            store,
            Arc::new(effects::Live::with_outside(outside.clone())),
        );
        app.outside = outside;
        app.records = records;
        Ok(app)
    }

    /// An app on a given store and effect runner (tests use fakes).
    pub fn with(config: Config, store: Store, effects: Arc<dyn EffectRunner>) -> App {
        let limits = config.call_limits;
        let handoff_key = Arc::new(key(&config, &store));
        App {
            config: Arc::new(config),
            registry: Arc::new(Registry::default()),
            store,
            records: None,
            effects,
            outside: Arc::new(Outside::new(ProvidersConfig::default())),
            call_limiter: Arc::new(CallLimiter::new(limits)),
            metrics: super::metrics::handle(),
            handoff_key,
            shutdown: Default::default(),
            telemetry: None,
            clock: Arc::new(|| jiff::Timestamp::now().as_millisecond()),
        }
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Start writing finished calls to PostgreSQL (with records on): the
    /// writer drains the store's outbox until the returned handle is dropped.
    pub fn start_records(&self) -> Option<crate::records::writer::Writer> {
        let records = self.records.clone()?;
        let config = crate::records::writer::WriterConfig {
            retention: self.config.records_retention,
        };
        Some(crate::records::writer::spawn(
            self.store.clone(),
            records,
            config,
            self.clock.clone(),
        ))
    }
}

/// The token key: the configured secret, else a random one for this process.
/// An empty secret is no secret: it is taken as unset.
fn key(config: &Config, store: &Store) -> Key {
    if let Some(secret) = config.agent_secret.as_deref().filter(|s| !s.is_empty()) {
        return Key::new(secret.as_bytes());
    }
    let mut random = [0u8; 32];
    // Without OS randomness the key would be all zeros and anyone could mint
    // tokens: refuse to start rather than serve a forgeable route.
    getrandom::fill(&mut random)
        .expect("no OS randomness for the agent token key; set IVR_AGENT_SECRET");
    if matches!(store, Store::Redis(_)) {
        tracing::warn!(
            "IVR_AGENT_SECRET is not set: agent results posted to another replica will be refused"
        );
    }
    Key::new(&random)
}

#[cfg(test)]
mod tests {
    use crate::handoff::Handoff;
    use crate::server::Config;
    use crate::store::{Store, StoreConfig};

    #[test]
    fn an_empty_secret_is_no_secret() {
        let handoff = Handoff { node: 1, since: 0 };
        let with = |secret: Option<&str>| {
            let config = Config {
                agent_secret: secret.map(String::from),
                ..Config::default()
            };
            super::key(&config, &Store::memory(StoreConfig::default())).token("CA1", handoff)
        };
        // A token made with the empty key must not verify: that key is public.
        let forged = crate::handoff::Key::new(b"").token("CA1", handoff);
        assert_ne!(with(Some("")), forged);
        assert_ne!(with(Some("")), with(Some("")), "random per process");
        assert_eq!(with(Some("s3cret")), with(Some("s3cret")));
    }
}
