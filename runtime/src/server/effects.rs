//! Effects the engine asks for (HTTP call-outs, SMS), executed outside it.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use std::sync::Arc;

use ivr_compiler::graph::Method;

use super::outside::Outside;
use crate::engine::{Effect, EffectResult, Part};
use crate::providers::Provider;
use crate::store::CallOut;

/// Runs effects for the server. Object-safe so tests can swap in a fake.
/// `provider` is the provider of the call asking (an SMS goes out through it).
pub trait EffectRunner: Send + Sync {
    fn run<'a>(
        &'a self,
        effect: &'a Effect,
        provider: Provider,
    ) -> Pin<Box<dyn Future<Output = EffectResult> + Send + 'a>>;
}

/// Start `effect` on its own task, so a webhook can stop waiting for it (and
/// put the caller on hold) while it runs on. A panicking runner counts as a
/// failure ([`failed`]).
pub fn spawn(runner: Arc<dyn EffectRunner>, effect: Effect, provider: Provider) -> Running {
    let failed = failed(&effect);
    let call_out = super::trace::call_out(&effect);
    let task = tokio::spawn(async move { runner.run(&effect, provider).await });
    Running {
        task,
        failed,
        call_out,
        started: Instant::now(),
        since: std::time::SystemTime::now(),
    }
}

/// An effect running on its own task.
#[derive(Debug)]
pub struct Running {
    task: tokio::task::JoinHandle<EffectResult>,
    failed: EffectResult,
    /// An HTTP call-out as the trace shows it (status and latency to come).
    call_out: Option<CallOut>,
    started: Instant,
    /// When it started, on the wall clock (for its span).
    since: std::time::SystemTime,
}

impl Running {
    /// The result, waiting for it as long as the effect takes.
    pub async fn result(&mut self) -> EffectResult {
        (&mut self.task).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "an effect's task failed");
            self.failed.clone()
        })
    }

    /// The call-out as the trace shows it, answered with `result` (None for
    /// an SMS); noted for the turn's log line and span.
    pub fn answered(&self, result: &EffectResult) -> Option<CallOut> {
        let mut call_out = self.call_out.clone()?;
        if let EffectResult::Http { status, .. } = result {
            call_out.status = *status;
        }
        call_out.latency_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        super::observe::call_out(&call_out, self.since);
        Some(call_out)
    }

    /// Stop it: nobody will read its result.
    pub fn abort(&self) {
        self.task.abort();
    }
}

/// What the engine is told when an effect gave no answer at all.
pub fn failed(effect: &Effect) -> EffectResult {
    match effect {
        Effect::Http { .. } => EffectResult::Http {
            status: 0,
            body: None,
        },
        Effect::Sms { .. } => EffectResult::Sms { sent: false },
    }
}

/// Call-outs over HTTP with reqwest; SMS through the call's provider's REST
/// API (`sent` once the provider accepted it; any failure, a missing
/// credential included, takes the flow's `failed` exit).
pub struct Live {
    client: reqwest::Client,
    outside: Arc<Outside>,
}

impl Live {
    /// Live effects with no provider credentials (SMS fails until configured).
    pub fn new() -> Live {
        Live::with_outside(Arc::new(Outside::new(Default::default())))
    }

    /// Live effects sending SMS through `outside`.
    pub fn with_outside(outside: Arc<Outside>) -> Live {
        // rustls needs a crypto provider chosen once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("ivr/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_default();
        Live { client, outside }
    }
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl EffectRunner for Live {
    fn run<'a>(
        &'a self,
        effect: &'a Effect,
        provider: Provider,
    ) -> Pin<Box<dyn Future<Output = EffectResult> + Send + 'a>> {
        Box::pin(async move {
            match effect {
                Effect::Http {
                    method,
                    url,
                    headers,
                    body,
                    timeout_ms,
                } => {
                    http(
                        &self.client,
                        *method,
                        url,
                        headers,
                        body.as_deref(),
                        *timeout_ms,
                    )
                    .await
                }
                Effect::Sms {
                    to,
                    text,
                    dlt_template,
                } => match self
                    .outside
                    .sms(provider, to, text, dlt_template.as_deref())
                    .await
                {
                    Ok(id) => {
                        tracing::info!(%provider, to = ?to, sms = ?id, "SMS sent");
                        EffectResult::Sms { sent: true }
                    }
                    Err(e) => {
                        tracing::warn!(%provider, to = ?to, error = ?e.to_string(), "SMS not sent");
                        EffectResult::Sms { sent: false }
                    }
                },
            }
        })
    }
}

/// One call-out. The answer is `ok` only with a 2xx status and a body that is
/// JSON (or empty); everything else — other statuses, time-outs, connection
/// errors, bodies that are not JSON — is status 0 or the status, with no body,
/// and the engine takes the `error` exit.
async fn http(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    headers: &[(String, Vec<Part>)],
    body: Option<&str>,
    timeout_ms: u64,
) -> EffectResult {
    let method = match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut request = client
        .request(method, url)
        .timeout(Duration::from_millis(timeout_ms.max(1)));
    let failed = EffectResult::Http {
        status: 0,
        body: None,
    };
    for (name, parts) in headers {
        let Some(value) = resolve(parts) else {
            tracing::warn!(header = ?name, "an environment variable the header needs is not set");
            return failed;
        };
        // A line break would end the header and start another (or the
        // body): the value is refused, never cut or sent.
        if value.contains(['\r', '\n', '\0']) {
            tracing::warn!(header = ?name, "a header value holds a line break; the call-out is not made");
            return failed;
        }
        request = request.header(name.as_str(), value);
    }
    if let Some(body) = body {
        // The engine encoded the body's holes as JSON or as a form
        // (`engine::encode`); say which, unless the flow did.
        let kind = if body.trim_start().starts_with(['{', '[']) {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            request = request.header("content-type", kind);
        }
        request = request.body(body.to_string());
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(url = ?url, error = ?e.to_string(), "call-out failed");
            return EffectResult::Http {
                status: 0,
                body: None,
            };
        }
    };
    let status = response.status().as_u16();
    let bytes = match response.bytes().await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(url = ?url, error = ?e.to_string(), "call-out body could not be read");
            return EffectResult::Http {
                status: 0,
                body: None,
            };
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return EffectResult::Http { status, body: None };
    }
    match serde_json::from_slice(&bytes) {
        Ok(json) => EffectResult::Http {
            status,
            body: Some(json),
        },
        Err(_) => {
            tracing::warn!(url = ?url, status, "call-out answered with a body that is not JSON");
            EffectResult::Http {
                status: 0,
                body: None,
            }
        }
    }
}

/// Fill `{env.NAME}` parts from the environment; None if one is unset.
fn resolve(parts: &[Part]) -> Option<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Env(name) => out.push_str(&std::env::var(name).ok()?),
        }
    }
    Some(out)
}
