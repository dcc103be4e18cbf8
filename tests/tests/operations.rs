//! What an on-call engineer reads: a call's trace turn by turn in
//! `GET /api/calls/{id}` (heard, input, call-outs, variables, the provider
//! answer on demand; secrets never), and the spans exported over OTLP/HTTP
//! to a receiver started here. (The log lines: `runtime/tests/serve_logs.rs`.)

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::{get, post};
use ivr_runtime::server::Config;
use ivr_runtime::server::effects::Live;
use ivr_runtime::server::telemetry::Telemetry;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::{ScriptedEffects, TestApp};
use ivr_tests::twilio::Call;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::Value;
use tower::ServiceExt;

/// The secret the flow's header reads from the environment (a name no other
/// test uses; the dependency echoes it back, as a careless one might).
const SECRET_NAME: &str = "IVR_OPS_TEST_ORDERS_TOKEN";
const SECRET: &str = "s3cret-7f1d";

/// The order service: answers with the Authorization header it got.
async fn dependency() -> String {
    let app = Router::new().route(
        "/orders",
        get(|headers: HeaderMap| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            (
                [("content-type", "application/json")],
                serde_json::json!({ "status": "shipped", "echo": auth }).to_string(),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn flow_dir(base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let flow = format!(
        r#"flow lookup {{
  language "en-US"
  targets twilio
  var order: json
  start hello

  say hello {{
    text "Looking up your order."
    next -> fetch
  }}

  http fetch {{
    url "{base}/orders?api_key=k-123&id=42"
    header "Authorization" "Bearer {{env.{SECRET_NAME}}}"
    timeout 8s
    into order
    ok -> found
    error -> bye
  }}

  menu found {{
    prompt "Your order is {{order.status}}. Press 1 to hear it again."
    "1" -> fetch
    exhausted -> bye
  }}

  hangup bye {{
    text "Goodbye."
  }}
}}
"#
    );
    std::fs::write(dir.path().join("lookup.ivr"), flow).unwrap();
    dir
}

fn app(dir: &tempfile::TempDir) -> TestApp {
    // SAFETY: set once, to the same value, before any call-out reads it;
    // no other test reads or writes this name.
    unsafe { std::env::set_var(SECRET_NAME, SECRET) };
    let config = Config {
        flows_dir: dir.path().to_path_buf(),
        turn_budget: Duration::from_secs(30),
        ..Config::default()
    };
    TestApp::with_runner(
        config,
        Store::memory(StoreConfig::default()),
        Arc::new(Live::new()),
        Arc::new(ScriptedEffects::default()),
    )
}

async fn get_json(test: &TestApp, uri: &str) -> Value {
    let response = test
        .router()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_calls_trace_shows_each_turn_and_never_a_secret() {
    let base = dependency().await;
    let dir = flow_dir(&base);
    let test = app(&dir);
    let mut call = Call::new(test.router(), "lookup", "CAtrace1");
    let first = call.start().await;
    assert!(first.said_text().contains("shipped"), "{}", first.body);
    let again = call.press("1").await;
    assert!(again.said_text().contains("shipped"), "{}", again.body);

    let detail = get_json(&test, "/api/calls/CAtrace1").await;
    let text = detail.to_string();
    assert!(!text.contains(SECRET), "a secret in the trace: {text}");
    let trace = detail["trace"].as_array().unwrap();
    // Turn 1: started, said hello, called out, waits at the menu.
    assert_eq!(trace[0]["node"], "hello");
    assert_eq!(trace[0]["event"], "started");
    let call_outs: Vec<&Value> = trace.iter().filter_map(|v| v.get("call_out")).collect();
    assert_eq!(call_outs.len(), 2, "one call-out per turn: {text}");
    let first_out = call_outs[0];
    assert_eq!(first_out["method"], "GET");
    assert_eq!(first_out["status"], 200);
    assert!(first_out["latency_ms"].is_u64());
    let url = first_out["url"].as_str().unwrap();
    assert!(
        url.starts_with(&base) && url.ends_with("/orders?api_key=••••&id=42"),
        "{url}"
    );
    let heard: Vec<&Value> = trace
        .iter()
        .filter_map(|v| v.get("heard"))
        .flat_map(|h| h.as_array().unwrap())
        .collect();
    assert!(
        heard
            .iter()
            .any(|h| h["text"] == "Looking up your order." && h["language"] == "en-US"),
        "{text}"
    );
    let vars = trace.iter().find_map(|v| v.get("vars")).unwrap();
    assert_eq!(vars["order"]["status"], "shipped");
    assert_eq!(vars["order"]["echo"], "••••", "the echoed secret is masked");
    // Turn 2: the caller pressed 1 at the menu.
    let pressed = trace
        .iter()
        .find(|v| v["event"] == "digits")
        .expect("the key press is in the trace");
    assert_eq!(
        (&pressed["node"], &pressed["input"]),
        (&Value::from("found"), &Value::from("1"))
    );
    let turns: Vec<u64> = trace.iter().filter_map(|v| v["turn"].as_u64()).collect();
    assert_eq!(turns.len(), trace.len(), "every visit has its turn");
    assert!(turns.first() < turns.last(), "{turns:?}");
    // The provider answers only when asked.
    assert!(trace.iter().all(|v| v.get("answer").is_none()), "{text}");
    let with = get_json(&test, "/api/calls/CAtrace1?answers=true").await;
    let answers: Vec<&str> = with["trace"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["answer"].as_str())
        .collect();
    assert_eq!(answers.len(), 2, "one answer per turn");
    assert!(answers[0].contains("<Response>") && answers[0].contains("Looking up your order."));
}

/// An OTLP/HTTP receiver: every export request's spans, decoded.
async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<Vec<Span>>) {
    let (send, spans) = tokio::sync::mpsc::unbounded_channel();
    let app = Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let send = send.clone();
            async move {
                let Ok(request) = ExportTraceServiceRequest::decode(body) else {
                    return StatusCode::BAD_REQUEST;
                };
                let spans = request
                    .resource_spans
                    .into_iter()
                    .flat_map(|r| r.scope_spans)
                    .flat_map(|s| s.spans)
                    .collect();
                let _ = send.send(spans);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, spans)
}

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a Any> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

fn text(span: &Span, key: &str) -> String {
    match attribute(span, key) {
        Some(Any::StringValue(s)) => s.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_webhook_is_a_span_and_each_call_out_its_child() {
    let base = dependency().await;
    let dir = flow_dir(&base);
    let (collector, mut received) = receiver().await;
    let mut test = app(&dir);
    let telemetry = Arc::new(Telemetry::start(&collector).unwrap());
    test.app.telemetry = Some(telemetry.clone());

    let mut call = Call::new(test.router(), "lookup", "CAspan1");
    call.start().await;
    let flushing = telemetry.clone();
    tokio::task::spawn_blocking(move || flushing.flush())
        .await
        .unwrap();

    let mut spans: Vec<Span> = Vec::new();
    let wanted = |spans: &[Span]| {
        spans.iter().any(|s| s.name.starts_with("webhook"))
            && spans.iter().any(|s| s.name.starts_with("call-out"))
    };
    while !wanted(&spans) {
        match tokio::time::timeout(Duration::from_secs(30), received.recv()).await {
            Ok(Some(more)) => spans.extend(more),
            _ => panic!("no webhook and call-out spans within 30 s: {spans:?}"),
        }
    }
    let webhook = spans.iter().find(|s| s.name == "webhook twilio").unwrap();
    assert_eq!(text(webhook, "ivr.flow"), "lookup");
    assert_eq!(text(webhook, "ivr.call_id"), "CAspan1");
    assert_eq!(text(webhook, "ivr.provider"), "twilio");
    assert_eq!(text(webhook, "ivr.outcome"), "ok");
    assert_eq!(text(webhook, "ivr.node"), "found");
    assert_eq!(text(webhook, "ivr.path"), "hello>fetch>found");
    let child = spans.iter().find(|s| s.name == "call-out GET").unwrap();
    assert_eq!(child.trace_id, webhook.trace_id);
    assert_eq!(
        child.parent_span_id, webhook.span_id,
        "the call-out is the webhook's child"
    );
    assert_eq!(text(child, "http.request.method"), "GET");
    assert!(text(child, "url.full").ends_with("/orders?api_key=••••&id=42"));
    assert!(matches!(
        attribute(child, "http.response.status_code"),
        Some(Any::IntValue(200))
    ));
    let all = format!("{spans:?}");
    assert!(!all.contains(SECRET));
}
