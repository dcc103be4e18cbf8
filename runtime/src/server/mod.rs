//! The HTTP server: thin axum routes over the engine, the providers and the
//! store. Handlers extract, call a plain function, convert the result.

pub mod admin;
pub mod agent;
pub mod analytics;
mod app;
mod auth;
pub mod campaigns;
mod claim;
pub mod config;
mod console;
pub mod dialer;
pub mod effects;
pub mod exotel;
pub mod history;
mod hold;
pub mod listen;
mod metrics;
pub mod observe;
pub mod outbound;
pub mod outside;
pub mod rate_limit;
pub mod registry;
pub mod reload;
pub mod shutdown;
mod status;
pub mod telemetry;
pub mod trace;
pub mod transcripts;
pub mod turn;
pub mod twilio;
mod walk;

use axum::Router;
use axum::routing::get;

pub use crate::providers::{ProvidersConfig, WebhookSecrets};
pub use app::App;
pub use config::Config;
pub use effects::EffectRunner;
pub use outside::Outside;
pub use rate_limit::{CallLimiter, CallLimits};
pub use registry::Registry;

/// The largest request body: webhooks are a few KB; 413 beyond this.
pub const BODY_LIMIT: usize = 64 * 1024;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/health", get(admin::health))
        .route("/metrics", get(admin::metrics))
        .merge(twilio::routes())
        .merge(exotel::routes())
        .merge(agent::routes())
        .merge(console::routes(app.clone()))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            app.config.read_timeout,
        ))
        .nest("/api", admin::api_routes(app.clone(), twilio::api_routes()))
        .with_state(app)
}
