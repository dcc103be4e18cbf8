//! `--otlp-endpoint`: a span per webhook (flow, node, provider, call id,
//! outcome) with a child span per call-out, exported over OTLP/HTTP
//! (protobuf) in batches by OpenTelemetry's SDK.
//!
//! The spans are written after the webhook is answered, from what the turn
//! noted ([`super::observe::Note`]) with their real start and end times, so
//! the turn path carries no span context and pays nothing without an
//! endpoint. The exporter sends through the server's own reqwest client
//! ([`Client`]): one HTTP stack in the binary.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use opentelemetry::trace::{Span, SpanKind, Status, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use super::observe::Note;
use crate::providers::Provider;

/// The exporter's spans, batched and sent in the background.
pub struct Telemetry {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
}

/// One answered webhook, for its span.
pub struct Webhook<'a> {
    pub flow: &'a str,
    pub call_id: &'a str,
    pub provider: Provider,
    pub outcome: &'static str,
    pub note: &'a Note,
    /// When it arrived.
    pub since: SystemTime,
    pub latency: Duration,
}

impl Telemetry {
    /// Export to `endpoint` (`http://collector:4318`; `/v1/traces` is added
    /// to a URL without a path). Must be called inside the tokio runtime:
    /// exports run on it.
    pub fn start(endpoint: &str) -> Result<Telemetry, String> {
        let url = traces_url(endpoint)?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "OTLP export needs the server's runtime".to_string())?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("ivr/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("OTLP client: {e}"))?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .with_http_client(Client { client, runtime })
            .build()
            .map_err(|e| format!("OTLP exporter: {e}"))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder_empty().with_service_name("ivr").build())
            .build();
        let tracer = provider.tracer("ivr");
        Ok(Telemetry { provider, tracer })
    }

    /// The span of one webhook and the child spans of its call-outs.
    pub fn webhook(&self, w: &Webhook) {
        let mut attributes = vec![
            KeyValue::new("ivr.flow", w.flow.to_string()),
            KeyValue::new("ivr.provider", w.provider.to_string()),
            KeyValue::new("ivr.call_id", w.call_id.to_string()),
            KeyValue::new("ivr.outcome", w.outcome),
            KeyValue::new("ivr.path", w.note.path()),
        ];
        if let Some(node) = w.note.node() {
            attributes.push(KeyValue::new("ivr.node", node.to_string()));
        }
        let span = self
            .tracer
            .span_builder(format!("webhook {}", w.provider))
            .with_kind(SpanKind::Server)
            .with_start_time(w.since)
            .with_attributes(attributes)
            .start(&self.tracer);
        let cx = Context::current_with_span(span);
        for (call_out, since) in &w.note.call_outs {
            let mut child = self
                .tracer
                .span_builder(format!("call-out {}", call_out.method))
                .with_kind(SpanKind::Client)
                .with_start_time(*since)
                .with_attributes([
                    KeyValue::new("http.request.method", call_out.method.clone()),
                    KeyValue::new("url.full", call_out.url.clone()),
                    KeyValue::new("http.response.status_code", i64::from(call_out.status)),
                ])
                .start_with_context(&self.tracer, &cx);
            if !(200..300).contains(&call_out.status) {
                child.set_status(Status::error("the call-out failed"));
            }
            child.end_with_timestamp(*since + Duration::from_millis(call_out.latency_ms));
        }
        let span = cx.span();
        if w.outcome != "ok" {
            span.set_status(Status::error(w.outcome));
        }
        span.end_with_timestamp(w.since + w.latency);
    }

    /// Send what is batched now (tests; the stopping server).
    pub fn flush(&self) {
        if let Err(e) = self.provider.force_flush() {
            tracing::warn!(error = %e, "spans could not be exported");
        }
    }

    /// Send what is left and stop exporting.
    pub fn shutdown(&self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!(error = %e, "spans could not be exported at shutdown");
        }
    }
}

/// `endpoint` with `/v1/traces` when it has no path; refused unless http(s).
fn traces_url(endpoint: &str) -> Result<String, String> {
    let url = url::Url::parse(endpoint)
        .map_err(|e| format!("--otlp-endpoint {endpoint:?} is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("--otlp-endpoint {endpoint:?}: only http and https"));
    }
    if url.path().is_empty() || url.path() == "/" {
        return Ok(format!("{}/v1/traces", endpoint.trim_end_matches('/')));
    }
    Ok(endpoint.to_string())
}

/// The exporter's HTTP client: our reqwest, each request run on the
/// server's runtime (the SDK's batch thread waits for it there).
#[derive(Debug)]
struct Client {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for Client {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let task = self.runtime.spawn(async move {
            let (parts, body) = request.into_parts();
            let mut outgoing = client.request(parts.method, parts.uri.to_string());
            for (name, value) in &parts.headers {
                outgoing = outgoing.header(name, value);
            }
            let response = outgoing.body(body).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        });
        let (status, body) = task.await.map_err(Box::new)??;
        let mut response = Response::new(body);
        *response.status_mut() = status;
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn a_bare_endpoint_gets_the_traces_path() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318").unwrap(),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url("https://otel.example.com/custom/traces").unwrap(),
            "https://otel.example.com/custom/traces"
        );
        assert!(traces_url("localhost:4318").is_err());
        assert!(traces_url("not a url").is_err());
    }
}
