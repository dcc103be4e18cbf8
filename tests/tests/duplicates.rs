//! A retried or duplicated webhook does not run its turn's call-out again:
//! the turn is claimed in the store before its effects run, and a duplicate
//! — concurrent, or a retry on a replica whose cached state is stale — waits
//! for the first one's answer and replays it. A fake order service counts
//! the requests that reach it; it answers only once the test opens its gate,
//! so two webhooks of one turn are surely in flight together.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use ivr_runtime::server::Config;
use ivr_runtime::server::effects::Live;
use ivr_runtime::store::testing::RedisServer;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::{ScriptedEffects, TestApp};
use ivr_tests::twilio::{Call, Doc, post_form};
use tokio::sync::watch;

/// How long a condition may take on a loaded machine.
const BOUND: Duration = Duration::from_secs(30);

/// The order service: counts requests; answers when the gate is open.
struct Service {
    base: String,
    asked: Arc<AtomicUsize>,
    gate: watch::Sender<bool>,
}

impl Service {
    async fn start(open: bool) -> Service {
        let asked = Arc::new(AtomicUsize::new(0));
        let (gate, waiting) = watch::channel(open);
        let state = (asked.clone(), waiting);
        let app =
            Router::new()
                .route(
                    "/orders",
                    get(
                        |State((asked, mut gate)): State<(
                            Arc<AtomicUsize>,
                            watch::Receiver<bool>,
                        )>| async move {
                            asked.fetch_add(1, Ordering::SeqCst);
                            let _ = gate.wait_for(|open| *open).await;
                            (
                                [("content-type", "application/json")],
                                r#"{"status":"shipped"}"#,
                            )
                        },
                    ),
                )
                .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Service { base, asked, gate }
    }

    fn asked(&self) -> usize {
        self.asked.load(Ordering::SeqCst)
    }

    fn open(&self) {
        self.gate.send_replace(true);
    }
}

/// A flow `flow` whose menu's "1" looks the order up.
fn flow_dir(flow: &str, base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"flow {flow} {{
  language "en-US"
  targets twilio
  var order: json
  start ask

  menu ask {{
    prompt "Press 1 to look up your order."
    "1" -> fetch
    exhausted -> bye
  }}

  http fetch {{
    url "{base}/orders"
    timeout 10s
    into order
    ok -> found
    error -> failed
  }}

  menu found {{
    prompt "Your order is {{order.status}}. Press 1 to check again."
    "1" -> fetch
    exhausted -> bye
  }}

  hangup failed {{
    text "Sorry, we could not find your order."
  }}

  hangup bye {{
    text "Goodbye."
  }}
}}
"#
    );
    std::fs::write(dir.path().join(format!("{flow}.ivr")), text).unwrap();
    dir
}

/// A replica running live call-outs, with a budget no call-out here nears
/// (no holds: the duplicate must wait for the first one's answer).
fn replica(dir: &tempfile::TempDir, store: Store) -> TestApp {
    let config = Config {
        flows_dir: dir.path().to_path_buf(),
        turn_budget: Duration::from_secs(30),
        ..Config::default()
    };
    TestApp::with_runner(
        config,
        store,
        Arc::new(Live::new()),
        Arc::new(ScriptedEffects::default()),
    )
}

fn redis(server: &RedisServer) -> Store {
    Store::open(&server.url(), StoreConfig::default()).expect("redis store")
}

/// Wait until `condition` holds, or fail saying `what`.
async fn until(what: &str, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < BOUND, "waited {BOUND:?} for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How many webhooks of `flow` waited for another's claim (a global counter).
fn waited(test: &TestApp, flow: &str) -> usize {
    let prefix = format!("ivr_duplicate_turns_total{{flow=\"{flow}\"}} ");
    test.app
        .metrics
        .render()
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|n| n.trim().parse().unwrap()))
        .unwrap_or(0)
}

/// The caller presses 1 at `action`, as Twilio posts it.
async fn press(router: &Router, call: &Call, action: &str) -> Doc {
    let params: Vec<(String, String)> = [
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("CallSid", call.sid.as_str()),
        ("From", call.from.as_str()),
        ("To", call.to.as_str()),
        ("Direction", "inbound"),
        ("CallStatus", "in-progress"),
        ("Digits", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    post_form(router, &call.base, action, &params, None).await
}

/// The same "press 1" sent to `first`, then — while its call-out is in
/// flight — to `second`; the service answers once the second waits.
async fn concurrent_duplicates(service: &Service, flow: &str, first: &TestApp, second: &TestApp) {
    let mut call = Call::new(first.router(), flow, &format!("CA{flow}"));
    let asks = call.start().await;
    assert_eq!(asks.status, StatusCode::OK);
    let action = asks.action().expect("the menu waits").to_string();

    let one = {
        let (router, call, action) = (first.router(), clone_call(&call), action.clone());
        tokio::spawn(async move { press(&router, &call, &action).await })
    };
    until("the first webhook's call-out", || service.asked() >= 1).await;
    let two = {
        let (router, call, action) = (second.router(), clone_call(&call), action.clone());
        tokio::spawn(async move { press(&router, &call, &action).await })
    };
    // Without the claim the duplicate calls the service too.
    until("the duplicate to wait (or to call out)", || {
        waited(second, flow) >= 1 || service.asked() >= 2
    })
    .await;
    service.open();
    let (one, two) = (one.await.unwrap(), two.await.unwrap());
    for doc in [&one, &two] {
        assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
        assert_eq!(
            doc.said(),
            ["Your order is shipped. Press 1 to check again."],
            "{}",
            doc.body
        );
    }
    assert_eq!(one.body, two.body, "the duplicate replays the first answer");
    assert_eq!(service.asked(), 1, "the order was looked up once");
}

fn clone_call(call: &Call) -> Call {
    let mut copy = Call::new(call.routers[0].clone(), &call.flow, &call.sid);
    copy.base = call.base.clone();
    copy.from = call.from.clone();
    copy.to = call.to.clone();
    copy
}

#[tokio::test]
async fn concurrent_duplicates_on_the_memory_store_call_out_once() {
    let service = Service::start(false).await;
    let dir = flow_dir("dup_memory", &service.base);
    let test = replica(&dir, Store::memory(StoreConfig::default()));
    concurrent_duplicates(&service, "dup_memory", &test, &test).await;
}

#[tokio::test]
async fn concurrent_duplicates_on_one_redis_replica_call_out_once() {
    let server = RedisServer::start();
    let service = Service::start(false).await;
    let dir = flow_dir("dup_one", &service.base);
    let test = replica(&dir, redis(&server));
    concurrent_duplicates(&service, "dup_one", &test, &test).await;
}

#[tokio::test]
async fn concurrent_duplicates_on_two_redis_replicas_call_out_once() {
    let server = RedisServer::start();
    let service = Service::start(false).await;
    let dir = flow_dir("dup_two", &service.base);
    let a = replica(&dir, redis(&server));
    let b = replica(&dir, redis(&server));
    concurrent_duplicates(&service, "dup_two", &a, &b).await;
}

/// Replica b answered the call's first webhook, so it caches the call at the
/// menu; a answers the "press 1" (the look-up); Twilio's retry of it lands
/// on b, whose cache still says the call is at the menu.
#[tokio::test]
async fn a_retry_on_a_replica_with_a_stale_cache_does_not_call_out_again() {
    let server = RedisServer::start();
    let service = Service::start(true).await;
    let dir = flow_dir("dup_retry", &service.base);
    let a = replica(&dir, redis(&server));
    let b = replica(&dir, redis(&server));
    let mut call = Call::new(b.router(), "dup_retry", "CAdupretry");
    let asks = call.start().await;
    let action = asks.action().expect("the menu waits").to_string();
    let first = press(&a.router(), &call, &action).await;
    assert_eq!(service.asked(), 1);
    let retried = press(&b.router(), &call, &action).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(retried.status, StatusCode::OK);
    assert_eq!(
        first.said(),
        ["Your order is shipped. Press 1 to check again."]
    );
    assert_eq!(retried.body, first.body, "the retry replays the answer");
    assert_eq!(service.asked(), 1, "the order was looked up once");
    // The call goes on from the answer, on either replica.
    call.last = Some(retried);
    call.routers = vec![a.router()];
    let again = call.press("1").await;
    assert_eq!(
        again.said(),
        ["Your order is shipped. Press 1 to check again."]
    );
    assert_eq!(service.asked(), 2, "a new turn looks it up again");
}
