//! The HTTP server: thin axum routes over the engine, the providers and the
//! store. Handlers extract, call a plain function, convert the result.

pub mod admin;
pub mod agent;
mod auth;
pub mod campaigns;
pub mod config;
pub mod dialer;
pub mod effects;
pub mod exotel;
mod hold;
pub mod outbound;
pub mod outside;
pub mod providers_config;
pub mod rate_limit;
pub mod registry;
pub mod reload;
pub mod transcripts;
pub mod turn;
pub mod twilio;

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub use config::Config;
pub use effects::EffectRunner;
pub use outside::Outside;
pub use providers_config::ProvidersConfig;
pub use rate_limit::{CallLimiter, CallLimits};
pub use registry::Registry;

use crate::store::{Store, StoreError};

/// Everything a request handler may need, shared by all requests.
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub registry: Arc<Registry>,
    pub store: Store,
    pub effects: Arc<dyn EffectRunner>,
    /// Provider REST APIs (SMS, placed calls).
    pub outside: Arc<Outside>,
    /// Limits on `POST /api/calls`.
    pub call_limiter: Arc<CallLimiter>,
    pub metrics: PrometheusHandle,
    /// The key of agents' result tokens ([`crate::handoff`]).
    pub handoff_key: Arc<crate::handoff::Key>,
    /// Milliseconds since the epoch. Injected so tests control time.
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl App {
    /// An app on the store the config names, with live effects.
    pub fn new(config: Config) -> Result<App, StoreError> {
        let store = Store::open(&config.store, config.store_config.clone())?;
        let providers = ProvidersConfig::from_env();
        providers.warn_missing();
        let outside = Arc::new(Outside::new(providers));
        let mut app = App::with(
            config,
            store,
            Arc::new(effects::Live::with_outside(outside.clone())),
        );
        app.outside = outside;
        Ok(app)
    }

    /// An app on a given store and effect runner (tests use fakes).
    pub fn with(config: Config, store: Store, effects: Arc<dyn EffectRunner>) -> App {
        let limits = config.call_limits;
        let handoff_key = Arc::new(agent::key(&config, &store));
        App {
            config: Arc::new(config),
            registry: Arc::new(Registry::default()),
            store,
            effects,
            outside: Arc::new(Outside::new(ProvidersConfig::default())),
            call_limiter: Arc::new(CallLimiter::new(limits)),
            metrics: metrics_handle(),
            handoff_key,
            clock: Arc::new(|| jiff::Timestamp::now().as_millisecond()),
        }
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// The process-wide Prometheus recorder (the `metrics` facade has one global
/// recorder; every App in a process — tests start several — shares it).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .expect("static buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (e.g. by a test harness); then ours only renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The largest request body: webhooks are a few KB; 413 beyond this.
pub const BODY_LIMIT: usize = 64 * 1024;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/health", get(admin::health))
        .route("/metrics", get(admin::metrics))
        .merge(twilio::routes())
        .merge(exotel::routes())
        .merge(agent::routes())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .nest("/api", admin::api_routes(app.clone()))
        .with_state(app)
}
