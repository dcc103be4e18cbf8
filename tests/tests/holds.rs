//! Slow call-outs: past the turn budget the caller is put on a short hold
//! (Twilio: a pause and a `<Redirect>` back; Exotel: a Greeting and the
//! app's loop back to the Passthru) and the call continues when the
//! call-out's answer is in. Live call-outs against a local server; budgets
//! and delays far apart, so a slow machine changes nothing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use ivr_runtime::engine::{Effect, EffectResult};
use ivr_runtime::server::effects::Live;
use ivr_runtime::server::{Config, EffectRunner};
use ivr_runtime::store::testing::RedisServer;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::{MONDAY, ScriptedEffects, TestApp};
use ivr_tests::exotel::ExotelCall;
use ivr_tests::twilio::{Call, Doc};

const BUDGET: Duration = Duration::from_millis(300);

/// The order service: `/orders/{ms}` answers after `ms` milliseconds,
/// `/broken/{ms}` fails after them. Counts the requests it gets.
async fn order_service() -> (String, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route(
            "/orders/{ms}",
            get(
                |State(n): State<Arc<AtomicUsize>>, Path(ms): Path<u64>| async move {
                    n.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    (
                        [("content-type", "application/json")],
                        r#"{"status":"shipped"}"#,
                    )
                },
            ),
        )
        .route(
            "/broken/{ms}",
            get(
                |State(n): State<Arc<AtomicUsize>>, Path(ms): Path<u64>| async move {
                    n.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    (StatusCode::BAD_GATEWAY, "{}")
                },
            ),
        )
        .with_state(asked.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, asked)
}

/// A flow that looks an order up at `path` (on the order service) and reads
/// its status, or apologises when the look-up fails.
fn flow_dir(base: &str, path: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let flow = format!(
        r#"flow lookup {{
  language "en-US"
  targets twilio, exotel
  var order: json
  start hello

  say hello {{
    text "Looking up your order."
    next -> fetch
  }}

  http fetch {{
    url "{base}{path}"
    timeout 8s
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
    std::fs::write(dir.path().join("lookup.ivr"), flow).unwrap();
    dir
}

fn live(dir: &tempfile::TempDir, store: Store, budget: Duration) -> TestApp {
    live_with(dir, store, budget, Arc::new(Live::new()))
}

fn live_with(
    dir: &tempfile::TempDir,
    store: Store,
    budget: Duration,
    runner: Arc<dyn EffectRunner>,
) -> TestApp {
    let config = Config {
        flows_dir: dir.path().to_path_buf(),
        turn_budget: budget,
        ..Config::default()
    };
    TestApp::with_runner(config, store, runner, Arc::new(ScriptedEffects::default()))
}

fn memory() -> Store {
    Store::memory(StoreConfig::default())
}

/// A hold: the pause and the way back to the held turn, nothing that waits.
fn assert_hold(doc: &Doc) {
    let names: Vec<&str> = doc.verbs.iter().map(|v| v.name.as_str()).collect();
    assert!(
        names.ends_with(&["Pause", "Redirect"]),
        "a hold pauses and comes back: {}",
        doc.body
    );
    let back = doc.redirect().unwrap();
    assert!(back.ends_with("/hold"), "{back}");
    assert_eq!(doc.verb("Redirect").unwrap().attr("method"), Some("POST"));
    assert!(doc.action().is_none(), "a hold waits for nothing");
}

/// Follow holds until the call is answered; returns the answer and how many
/// holds came after the first.
async fn through_holds(call: &mut Call) -> (Doc, usize) {
    for more in 0..60 {
        let doc = call.follow_redirect().await;
        assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
        if doc.redirect().is_none() {
            return (doc, more);
        }
        assert_hold(&doc);
    }
    panic!("still on hold after 60 redirects");
}

#[tokio::test]
async fn a_slow_call_out_holds_the_caller_and_the_call_goes_on_with_its_answer() {
    let (base, asked) = order_service().await;
    let dir = flow_dir(&base, "/orders/1500");
    let test = live(&dir, memory(), BUDGET);
    let mut call = Call::new(test.router(), "lookup", "CAhold1");

    let first = call.start().await;
    assert_hold(&first);
    assert_eq!(
        first.said(),
        ["Looking up your order."],
        "said before the hold"
    );
    let (answer, more) = through_holds(&mut call).await;
    assert!(more >= 1, "1.5 s is several 300 ms budgets: held again");
    assert_eq!(
        answer.said(),
        ["Your order is shipped. Press 1 to check again."],
        "the JSON answer is stored and read"
    );
    assert!(answer.verb("Gather").is_some());

    // The next turn holds again, and goes on the same way.
    let second = call.press("1").await;
    assert_hold(&second);
    let (again, _) = through_holds(&mut call).await;
    assert_eq!(
        again.said(),
        ["Your order is shipped. Press 1 to check again."]
    );
    assert_eq!(
        asked.load(Ordering::SeqCst),
        2,
        "each look-up ran once, however many holds"
    );
    let metrics = test.app.metrics.render();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("ivr_holds_total{flow=\"lookup\"}")),
        "holds are counted"
    );
}

#[tokio::test]
async fn a_slow_call_out_that_fails_takes_the_error_exit_after_the_hold() {
    let (base, _) = order_service().await;
    let dir = flow_dir(&base, "/broken/1000");
    let test = live(&dir, memory(), BUDGET);
    let mut call = Call::new(test.router(), "lookup", "CAhold2");
    assert_hold(&call.start().await);
    let (answer, _) = through_holds(&mut call).await;
    assert_eq!(answer.said(), ["Sorry, we could not find your order."]);
    assert!(answer.hangs_up());
}

#[tokio::test]
async fn a_call_out_within_the_budget_is_answered_in_the_same_turn() {
    let (base, _) = order_service().await;
    let dir = flow_dir(&base, "/orders/20");
    let test = live(&dir, memory(), Duration::from_secs(5));
    let mut call = Call::new(test.router(), "lookup", "CAhold3");
    let doc = call.start().await;
    assert!(doc.redirect().is_none(), "no hold: {}", doc.body);
    assert_eq!(
        doc.said(),
        [
            "Looking up your order.",
            "Your order is shipped. Press 1 to check again."
        ]
    );
}

#[tokio::test]
async fn a_retried_hold_redirect_gets_a_valid_answer() {
    let (base, asked) = order_service().await;
    let dir = flow_dir(&base, "/orders/1200");
    let test = live(&dir, memory(), BUDGET);
    let mut call = Call::new(test.router(), "lookup", "CAhold4");
    let first = call.start().await;
    let back = first.redirect().unwrap().to_string();

    // While the look-up runs, the same redirect twice: a hold each time,
    // back to the same place.
    for _ in 0..2 {
        let doc = call.retry(&back, &[]).await;
        assert_hold(&doc);
        assert_eq!(doc.redirect(), Some(back.as_str()));
    }
    let (answer, _) = through_holds(&mut call).await;
    // Once answered, a retry gets the very same answer, and the call does
    // not move.
    let retried = call.retry(&back, &[]).await;
    assert_eq!(retried.body, answer.body);
    call.last = Some(answer);
    let bye = call.press("9").await;
    assert!(!bye.said().is_empty(), "the call goes on from the answer");
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

/// Effects that never finish: the replica running them died.
struct Never;

impl EffectRunner for Never {
    fn run<'a>(
        &'a self,
        _: &'a Effect,
        _: ivr_runtime::providers::Provider,
    ) -> Pin<Box<dyn Future<Output = EffectResult> + Send + 'a>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_held_call_nobody_finishes_takes_the_error_exit() {
    let dir = flow_dir("http://127.0.0.1:9", "/orders/0");
    let store = memory();
    let dead = live_with(&dir, store.clone(), BUDGET, Arc::new(Never));
    let mut later = live_with(&dir, store, BUDGET, Arc::new(Never));
    let mut call = Call::across(vec![dead.router(), later.router()], "lookup", "CAhold5");
    assert_hold(&call.start().await);
    // Soon after, the call is still held: another hold.
    later.at(MONDAY + 2_000);
    call.routers[1] = later.router();
    assert_hold(&call.follow_redirect().await);
    // Long after the call-out's own 8 s time-out, it is given up.
    later.at(MONDAY + 60_000);
    call.routers = vec![later.router()];
    let doc = call.follow_redirect().await;
    assert_eq!(doc.said(), ["Sorry, we could not find your order."]);
}

#[tokio::test]
async fn a_held_call_continues_when_its_redirect_lands_on_another_replica() {
    let server = RedisServer::start();
    let redis = || Store::open(&server.url(), StoreConfig::default()).expect("redis store");
    let (base, asked) = order_service().await;
    let dir = flow_dir(&base, "/orders/1000");
    let a = live(&dir, redis(), BUDGET);
    let empty = tempfile::tempdir().unwrap();
    let b = live(&empty, redis(), BUDGET);
    // Webhooks alternate: the call starts on a (which runs the look-up),
    // the first redirect lands on b, which has not even loaded the flow.
    let mut call = Call::across(vec![a.router(), b.router()], "lookup", "CAhold6");
    assert_hold(&call.start().await);
    let (answer, _) = through_holds(&mut call).await;
    assert_eq!(
        answer.said(),
        ["Your order is shipped. Press 1 to check again."]
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_exotel_caller_hears_the_hold_and_then_the_answer() {
    let (base, asked) = order_service().await;
    let dir = flow_dir(&base, "/orders/1200");
    let test = live(&dir, memory(), BUDGET);
    let mut call = ExotelCall::new(test.router(), "lookup", "EXhold1");
    assert_eq!(call.start().await, StatusCode::OK);
    let said = call.said();
    assert_eq!(said[0], "Looking up your order.");
    let holds = said.iter().filter(|s| *s == "Please hold.").count();
    assert!(holds >= 2, "held a few times: {said:?}");
    assert_eq!(
        said.last().unwrap(),
        "Your order is shipped. Press 1 to check again.",
        "{said:?}"
    );
    assert_eq!(call.current.as_deref(), Some("gather"));
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_caller_who_hangs_up_on_hold_stays_gone() {
    let (base, asked) = order_service().await;
    let dir = flow_dir(&base, "/orders/800");
    let test = live(&dir, memory(), BUDGET);
    let mut call = Call::new(test.router(), "lookup", "CAhold7");
    assert_hold(&call.start().await);
    let status = call
        .post("/twilio/lookup/status", &[("CallStatus", "completed")])
        .await;
    assert_eq!(status.status, StatusCode::NO_CONTENT);
    // Long after the look-up answered, the call is still where it hung up.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    let stored = test.app.store.load("CAhold7", None).await.unwrap().unwrap();
    assert_eq!(stored.state.waiting, ivr_runtime::engine::Waiting::Effect);
    let detail = test.app.store.call("CAhold7").await.unwrap().unwrap();
    assert!(detail.summary.status.is_final());
}
