//! `ivr serve`: the runtime, serving a folder of flows with hot reload.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use crate::providers::{self, Provider};
use crate::server::rate_limit::Rate;
use crate::server::{self, App, Config};
use crate::store::StoreConfig;

#[derive(Args)]
pub struct ServeArgs {
    /// Folder of flow files (watched: saved changes go live).
    #[arg(long, default_value = "flows")]
    flows: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Public base URL providers use to reach this server (for signatures and action URLs).
    #[arg(long, env = "IVR_PUBLIC_URL")]
    public_url: Option<String>,
    /// Call state store: `memory` or `redis://host:port`.
    #[arg(long, env = "IVR_STORE", default_value = "memory")]
    store: String,
    /// Longest wait for the store before a webhook gets the fallback answer, in milliseconds.
    #[arg(long, env = "IVR_STORE_TIMEOUT_MS", default_value_t = 500)]
    store_timeout_ms: u64,
    /// Prefix of every Redis key, so several deployments can share one Redis.
    #[arg(long, env = "IVR_STORE_PREFIX", default_value = "ivr:")]
    store_prefix: String,
    /// How long a live call's state outlives its last webhook, in seconds.
    #[arg(long, env = "IVR_CALL_TTL_S", default_value_t = 4 * 3600)]
    call_ttl_s: u64,
    /// How long call histories are kept (Redis), in days.
    #[arg(long, env = "IVR_HISTORY_DAYS", default_value_t = 7)]
    history_days: u64,
    /// Record every finished call (summary and trace) in PostgreSQL, e.g.
    /// `postgres://ivr:secret@db:5432/ivr`, so history and analytics cover
    /// months (see docs/operations.md). Prefer the environment for a URL
    /// with a password.
    #[arg(long, env = "IVR_RECORDS", hide_env_values = true, value_name = "URL")]
    records: Option<String>,
    /// How long call records are kept in PostgreSQL: `90d`, `12h`, `30m`.
    #[arg(
        long,
        env = "IVR_RECORDS_RETENTION",
        default_value = "90d",
        value_parser = crate::records::parse_retention
    )]
    records_retention: Duration,
    /// Number to transfer callers to when the store is unreachable (default: apologise and hang up).
    #[arg(long, env = "IVR_FALLBACK_NUMBER")]
    fallback_number: Option<String>,
    /// Longest a webhook may wait for call-outs before the caller is put on a
    /// short hold (the call-out finishes in the background), in milliseconds.
    #[arg(long, env = "IVR_TURN_BUDGET_MS", default_value_t = 2000)]
    turn_budget_ms: u64,
    /// Audio URL a caller on hold hears (default: a short silence on Twilio, "Please hold." on Exotel).
    #[arg(long, env = "IVR_HOLD_AUDIO")]
    hold_audio: Option<String>,
    /// How long a replica holds a campaign without renewing; another replica
    /// takes over a dead one's campaigns after this, in milliseconds.
    #[arg(long, env = "IVR_CAMPAIGN_LEASE_MS", default_value_t = 15_000)]
    campaign_lease_ms: u64,
    /// A campaign call with no final status after this many seconds is looked
    /// up at the provider (its status callback may have been lost).
    #[arg(long, env = "IVR_CAMPAIGN_RECONCILE_S", default_value_t = 300)]
    campaign_reconcile_s: u64,
    /// `POST /api/calls`: calls placed at once before the pace applies.
    #[arg(long, env = "IVR_CALL_BURST", default_value_t = 5)]
    call_burst: u32,
    /// `POST /api/calls`: then one more call every this many milliseconds.
    #[arg(long, env = "IVR_CALL_EVERY_MS", default_value_t = 1_000)]
    call_every_ms: u64,
    /// `POST /api/calls`: calls to one number at once before its pace applies.
    #[arg(long, env = "IVR_NUMBER_BURST", default_value_t = 3)]
    number_burst: u32,
    /// `POST /api/calls`: then one more call to that number every this many seconds.
    #[arg(long, env = "IVR_NUMBER_EVERY_S", default_value_t = 600)]
    number_every_s: u64,
    /// The console hides callers' numbers but their last four digits.
    #[arg(long, env = "IVR_MASK_NUMBERS")]
    mask_numbers: bool,
    /// Twilio's auth token: webhooks' signatures are checked with it (unset: NOT checked).
    /// Prefer the environment: a command line is visible to every user of the machine.
    #[arg(
        long,
        env = "TWILIO_AUTH_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    twilio_auth_token: Option<String>,
    /// The secret in Exotel's webhook URLs (`/exotel/{secret}/{flow}`).
    #[arg(
        long,
        env = "EXOTEL_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    exotel_webhook_secret: Option<String>,
    /// Bearer token `/api` requires (unset: `/api` is open).
    #[arg(
        long,
        env = "IVR_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    admin_token: Option<String>,
    /// Key of agent result tokens (unset: a random key per process).
    #[arg(
        long,
        env = "IVR_AGENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    agent_secret: Option<String>,
    /// Log lines as `text` (key=value) or `json` (one object per line).
    #[arg(long, env = "IVR_LOG_FORMAT", value_enum, default_value_t = super::logging::Format::Text)]
    log_format: super::logging::Format,
    /// Export a span per webhook (and per call-out) over OTLP/HTTP to this
    /// collector (`http://host:4318`; `/v1/traces` is added to a bare URL).
    #[arg(long, env = "IVR_OTLP_ENDPOINT", value_name = "URL")]
    otlp_endpoint: Option<String>,
}

pub fn run(args: ServeArgs) -> ExitCode {
    super::logging::init(args.log_format);
    let otlp = args.otlp_endpoint.filter(|e| !e.trim().is_empty());
    let config = Config {
        flows_dir: args.flows,
        listen: args.listen,
        public_url: args.public_url,
        webhooks: server::WebhookSecrets {
            twilio_auth_token: non_empty(args.twilio_auth_token),
            exotel_secret: non_empty(args.exotel_webhook_secret),
        },
        admin_token: non_empty(args.admin_token),
        agent_secret: non_empty(args.agent_secret),
        store: args.store,
        store_config: StoreConfig {
            timeout: Duration::from_millis(args.store_timeout_ms.max(1)),
            prefix: args.store_prefix,
            live_ttl: Duration::from_secs(args.call_ttl_s.max(60)),
            history_ttl: Duration::from_secs(args.history_days.max(1) * 24 * 3600),
            ..StoreConfig::default()
        },
        records: non_empty(args.records),
        records_retention: args.records_retention,
        fallback_number: args.fallback_number,
        turn_budget: Duration::from_millis(args.turn_budget_ms),
        hold_audio: args.hold_audio.filter(|a| !a.trim().is_empty()),
        dialer: server::dialer::DialerConfig {
            lease: Duration::from_millis(args.campaign_lease_ms.max(100)),
            reconcile_after: Duration::from_secs(args.campaign_reconcile_s.max(1)),
            ..Default::default()
        },
        call_limits: server::CallLimits {
            global: Rate {
                burst: args.call_burst.max(1),
                every: Duration::from_millis(args.call_every_ms.max(1)),
            },
            per_destination: Rate {
                burst: args.number_burst.max(1),
                every: Duration::from_secs(args.number_every_s.max(1)),
            },
        },
        mask_numbers: args.mask_numbers,
        ..Config::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ivr: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve(config, otlp)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ivr: {e}");
            ExitCode::from(2)
        }
    }
}

async fn serve(mut config: Config, otlp: Option<String>) -> Result<(), String> {
    if !config.flows_dir.is_dir() {
        return Err(format!(
            "{}: no such folder of flows",
            config.flows_dir.display()
        ));
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    // `--listen 127.0.0.1:0` asks for any free port: say the one bound.
    config.listen = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let mut app = App::new(config.clone()).map_err(|e| e.to_string())?;
    if let Some(endpoint) = &otlp {
        let telemetry = server::telemetry::Telemetry::start(endpoint)?;
        app.telemetry = Some(std::sync::Arc::new(telemetry));
    }
    let report = app.registry.sync_dir(&config.flows_dir);
    server::reload::log(&report, &app.registry);
    let _watcher = server::reload::watch(config.flows_dir.clone(), app.registry.clone())?;
    print_urls(&app);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        listen = %config.listen,
        flows = %config.flows_dir.display(),
        served = app.registry.list().iter().filter(|f| f.version.is_some()).count(),
        store = store_kind(&config.store),
        otlp = otlp.as_deref().unwrap_or(""),
        "ivr started"
    );
    if config.admin_token.is_none() {
        if config.listen.ip().is_loopback() {
            tracing::warn!("IVR_ADMIN_TOKEN is not set: /api is open to anyone on this machine");
        } else {
            tracing::warn!(
                listen = %config.listen,
                "IVR_ADMIN_TOKEN is not set: /api is REFUSED (403) on this non-loopback address until it is"
            );
        }
    }
    if config.webhooks.twilio_auth_token.is_none() {
        tracing::warn!("TWILIO_AUTH_TOKEN is not set: Twilio signatures are NOT checked");
    }
    server::dialer::spawn(app.clone());
    // Kept until the server stops; what is not written yet stays in the
    // store's outbox for the next start.
    let _records = app.start_records();
    if app.records.is_some() {
        tracing::info!(
            retention_days = config.records_retention.as_secs() / 86_400,
            "call records: writing finished calls to PostgreSQL"
        );
    }
    let upkeep = app.metrics.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    let shutdown = app.shutdown.clone();
    let telemetry = app.telemetry.clone();
    server::listen::serve(listener, app, async move {
        stop_signal().await;
        tracing::info!("ivr stopping: finishing the requests in flight");
        shutdown.begin();
    })
    .await;
    if let Some(telemetry) = telemetry {
        // The exporter's last batch goes out on this runtime: wait for it off it.
        let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    }
    tracing::info!("ivr stopped");
    Ok(())
}

/// The store's kind for the starting line (a Redis URL may hold a password).
fn store_kind(store: &str) -> &'static str {
    if store == "memory" { "memory" } else { "redis" }
}

/// Ctrl-C, or SIGTERM (what an orchestrator sends before it kills).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn print_urls(app: &App) {
    let base = app.config.base_url();
    println!(
        "ivr serving {} on http://{}",
        app.config.flows_dir.display(),
        app.config.listen
    );
    for flow in app.registry.list() {
        match &flow.version {
            Some(version) => {
                println!("  {} (version {})", flow.name, &version[..12]);
                for provider in Provider::ALL {
                    if flow.targets.iter().any(|t| t == provider.as_str()) {
                        for line in providers::setup(provider, &base, &flow.name) {
                            println!("    {line}");
                        }
                    }
                }
            }
            None => println!(
                "  {} has errors and is not served (see GET /api/flows)",
                flow.name
            ),
        }
    }
}

/// An empty secret is taken as unset, as before these were flags.
fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}
