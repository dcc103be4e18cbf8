//! The same conversations on the Redis store, across replicas, and through a
//! Redis failure. Each test starts its own private redis-server on a free port.

use std::time::{Duration, Instant};

use ivr_runtime::server::Config;
use ivr_runtime::store::testing::RedisServer;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::TestApp;
use ivr_tests::exotel::ExotelCall;
use ivr_tests::root;
use ivr_tests::scenario::{drive, scenario_files};
use ivr_tests::twilio::Call;
use tower::ServiceExt;

fn redis_store(server: &RedisServer) -> Store {
    Store::open(&server.url(), StoreConfig::default()).expect("redis store")
}

#[tokio::test]
async fn every_flow_runs_its_scenarios_on_redis() {
    let server = RedisServer::start();
    let flows = root().join("flows");
    let mut ran = 0;
    for (stem, file) in scenario_files(&flows) {
        for (i, scenario) in file.scenarios.iter().enumerate() {
            let mut test = TestApp::new(&flows, redis_store(&server));
            if let Some(at) = &scenario.at {
                test.at(at.parse::<jiff::Timestamp>().unwrap().as_millisecond());
            }
            let mut call = Call::new(test.router(), &stem, &format!("CAredis{stem}{i}"));
            drive(&mut call, &test.effects, scenario).await;
            ran += 1;
        }
    }
    assert!(ran >= 20);
}

#[tokio::test]
async fn two_replicas_share_calls_and_the_second_never_loaded_the_flow() {
    let server = RedisServer::start();
    let flows = root().join("flows");
    let empty = tempfile::tempdir().unwrap();
    let a = TestApp::new(&flows, redis_store(&server));
    let b = TestApp::with_effects(
        Config {
            flows_dir: empty.path().to_path_buf(),
            ..Config::default()
        },
        redis_store(&server),
        a.effects.clone(),
    );
    assert!(
        b.app.registry.current("main_line").is_none(),
        "replica b has no flows of its own"
    );
    for (stem, file) in scenario_files(&flows) {
        for (i, scenario) in file.scenarios.iter().enumerate() {
            if scenario.at.is_some() {
                continue;
            }
            let mut call = Call::across(
                vec![a.router(), b.router()],
                &stem,
                &format!("CAduo{stem}{i}"),
            );
            drive(&mut call, &a.effects, scenario).await;
        }
    }
    assert!(
        b.app
            .registry
            .version(&a.app.registry.current("main_line").unwrap().version)
            .is_some(),
        "b adopted the graph from Redis"
    );
}

#[tokio::test]
async fn a_retried_webhook_gets_the_same_answer_and_advances_the_call_once() {
    let server = RedisServer::start();
    let test = TestApp::new(&root().join("flows"), redis_store(&server));
    let mut call = Call::new(test.router(), "main_line", "CAretry");
    call.start().await;
    let action = call.last.as_ref().unwrap().action().unwrap().to_string();
    let first = call.post(&action, &[("Digits", "1")]).await;
    let again = call.post(&action, &[("Digits", "1")]).await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.body, again.body,
        "a retry is answered with the same TwiML"
    );
    let history = api(&test, "/api/calls/CAretry").await;
    let entered_sales = history["trace"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["node"] == "sales")
        .count();
    assert_eq!(entered_sales, 1, "the call advanced once: {history}");
}

async fn api(test: &TestApp, path: &str) -> serde_json::Value {
    let response = test
        .router()
        .oneshot(
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn redis_killed_mid_call_gives_a_valid_answer_in_time_then_recovers() {
    let mut server = RedisServer::start();
    let config = Config {
        flows_dir: root().join("flows"),
        fallback_number: Some("+918045670000".into()),
        ..Config::default()
    };
    let test = TestApp::with_config(config, redis_store(&server));
    let mut call = Call::new(test.router(), "main_line", "CAkill");
    call.start().await;
    server.kill();
    let started = Instant::now();
    let doc = call.press("1").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered in {:?}",
        started.elapsed()
    );
    assert_eq!(doc.status, 200, "never a 5xx: {}", doc.body);
    assert!(
        doc.said_text().contains("technical difficulties"),
        "{}",
        doc.body
    );
    let dialled: Vec<&str> = doc
        .verb("Dial")
        .unwrap()
        .children
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(dialled, ["+918045670000"], "the fallback number");
    let health = api(&test, "/health").await;
    assert_eq!(health["status"], "degraded", "{health}");
    // The fallback Dial ends while Redis is still down: goodbye, not the
    // fallback again (a caller dialled round in a loop).
    let after = call.dial_ends("completed").await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert!(
        after.hangs_up() && after.verb("Dial").is_none(),
        "{}",
        after.body
    );

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut fresh = Call::new(
            test.router(),
            "main_line",
            &format!("CAafter{}", deadline.elapsed().as_nanos()),
        );
        let doc = fresh.start().await;
        if doc
            .said_text()
            .contains("Thank you for calling Acme Corporation.")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the runtime did not reconnect: {}",
            doc.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(api(&test, "/health").await["status"], "ok");
}

#[tokio::test]
async fn without_a_fallback_number_a_dead_store_means_apology_and_hangup() {
    let mut server = RedisServer::start();
    let test = TestApp::new(&root().join("flows"), redis_store(&server));
    let mut call = Call::new(test.router(), "main_line", "CAnofallback");
    call.start().await;
    server.kill();
    let started = Instant::now();
    let doc = call.press("1").await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(doc.status, 200, "{}", doc.body);
    assert!(doc.said_text().contains("technical difficulties"));
    assert!(doc.hangs_up() && doc.verb("Dial").is_none(), "{}", doc.body);
    // A new call while the store is down gets the same answer, not a 5xx.
    let mut fresh = Call::new(test.router(), "main_line", "CAnofallback2");
    let doc = fresh.start().await;
    assert_eq!(doc.status, 200, "{}", doc.body);
    assert!(doc.hangs_up(), "{}", doc.body);
}

/// Twilio retries a webhook that timed out while the first attempt is still
/// running, and the retry may land on another replica: both attempts race.
/// Whichever commits first wins; the other replays its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_duplicates_on_two_replicas_get_one_answer_and_one_step() {
    use ivr_tests::twilio::post_form;
    let server = RedisServer::start();
    let flows = root().join("flows");
    let a = TestApp::new(&flows, redis_store(&server));
    let b = TestApp::new(&flows, redis_store(&server));
    let (ra, rb) = (a.router(), b.router());
    for round in 0..10 {
        let sid = format!("CArace{round}");
        let start = vec![
            ("CallSid".to_string(), sid.clone()),
            ("From".to_string(), "+919812345678".to_string()),
            ("To".to_string(), "+918045671200".to_string()),
        ];
        let url = "/twilio/main_line";
        let (one, two) = tokio::join!(
            post_form(&ra, "http://ivr.test", url, &start, None),
            post_form(&rb, "http://ivr.test", url, &start, None),
        );
        assert_eq!((one.status.as_u16(), two.status.as_u16()), (200, 200));
        assert_eq!(one.body, two.body, "both first webhooks get one answer");
        let action = one.action().unwrap().to_string();
        let press = vec![
            ("CallSid".to_string(), sid.clone()),
            ("Digits".to_string(), "1".to_string()),
        ];
        let (one, two) = tokio::join!(
            post_form(&ra, "http://ivr.test", &action, &press, None),
            post_form(&rb, "http://ivr.test", &action, &press, None),
        );
        assert_eq!((one.status.as_u16(), two.status.as_u16()), (200, 200));
        assert_eq!(one.body, two.body, "round {round}");
        assert!(one.verb("Dial").is_some(), "{}", one.body);
        let history = api(&a, &format!("/api/calls/{sid}")).await;
        let welcomed = history["trace"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["node"] == "welcome")
            .count();
        let sales = history["trace"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["node"] == "sales")
            .count();
        assert_eq!((welcomed, sales), (1, 1), "{history}");
    }
}

/// A redis-server restarted without persistence has forgotten the graph
/// versions replicas stored; calls started after it must still continue on a
/// replica that never loaded the flow.
#[tokio::test]
async fn after_redis_loses_its_data_replicas_store_the_graph_again() {
    let mut server = RedisServer::start();
    let empty = tempfile::tempdir().unwrap();
    let a = TestApp::new(&root().join("flows"), redis_store(&server));
    let b = TestApp::new(empty.path(), redis_store(&server));
    let mut before = Call::across(vec![a.router(), b.router()], "main_line", "CAbefore");
    before.start().await;
    assert!(before.press("1").await.verb("Dial").is_some());

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    for attempt in 0.. {
        let mut call = Call::across(
            vec![a.router(), b.router()],
            "main_line",
            &format!("CAafterloss{attempt}"),
        );
        let first = call.start().await;
        if first.said_text().contains("Thank you for calling") {
            let next = call.press("1").await;
            assert!(
                next.verb("Dial").is_some(),
                "replica b continued the call: {}",
                next.body
            );
            return;
        }
        assert!(Instant::now() < deadline, "no reconnect: {}", first.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A Redis that hangs (paused, swapping, a long script) rather than dies:
/// the store's time-out turns it into the fallback answer, still within the
/// webhook budget, and the call goes on once it answers again.
#[tokio::test]
async fn a_hung_redis_gives_the_fallback_in_time_and_the_call_resumes() {
    let server = RedisServer::start();
    let test = TestApp::new(&root().join("flows"), redis_store(&server));
    let mut call = Call::new(test.router(), "main_line", "CAhung");
    call.start().await;
    let action = call.last.as_ref().unwrap().action().unwrap().to_string();
    server.pause();
    let started = Instant::now();
    let doc = call.post(&action, &[("Digits", "1")]).await;
    let took = started.elapsed();
    server.resume();
    assert!(took < Duration::from_secs(2), "answered in {took:?}");
    assert_eq!(doc.status, 200, "{}", doc.body);
    assert!(
        doc.said_text().contains("technical difficulties"),
        "{}",
        doc.body
    );
    assert!(doc.hangs_up(), "{}", doc.body);
    // Twilio retries the same webhook: now it goes through, once.
    let again = call.post(&action, &[("Digits", "1")]).await;
    assert!(again.verb("Dial").is_some(), "{}", again.body);
}

/// A dropped connection (the server up, the socket closed) is noticed by
/// the next command: the Exotel Passthru goes through the same pipeline as
/// Twilio's turns, so it retries once and the caller hears the flow, not
/// the store-down hangup.
#[tokio::test]
async fn an_exotel_call_survives_a_dropped_redis_connection() {
    let server = RedisServer::start();
    let test = TestApp::new(&root().join("flows"), redis_store(&server));
    let mut call = ExotelCall::new(test.router(), "main_line", "EXdrop");
    server.drop_clients();
    assert_eq!(call.start().await, axum::http::StatusCode::OK);
    assert!(
        call.said()
            .iter()
            .any(|s| s.contains("Thank you for calling")),
        "the greeting, not a hangup: {:?}",
        call.heard
    );
    server.drop_clients();
    assert_eq!(call.press("1").await, axum::http::StatusCode::OK);
    assert!(!call.ended(), "the call goes on: {:?}", call.heard);
}

/// A status callback that could not be recorded is not acknowledged: the
/// provider is told to send it again (503), and the one it sends again is
/// recorded. A dropped connection alone is retried at once.
#[tokio::test]
async fn a_status_callback_is_recorded_or_refused_for_a_retry() {
    let server = RedisServer::start();
    let test = TestApp::new(&root().join("flows"), redis_store(&server));
    let mut call = Call::new(test.router(), "main_line", "CAstatus");
    call.start().await;
    let status = |sid: &'static str| {
        let router = test.router();
        async move {
            router
                .oneshot(
                    axum::http::Request::post("/twilio/main_line/status")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(axum::body::Body::from(format!(
                            "CallSid={sid}&CallStatus=completed"
                        )))
                        .unwrap(),
                )
                .await
                .unwrap()
                .status()
        }
    };
    server.drop_clients();
    assert_eq!(status("CAstatus").await, 204);
    assert_eq!(
        api(&test, "/api/calls/CAstatus").await["status"],
        "completed"
    );

    let mut other = Call::new(test.router(), "main_line", "CAstatus2");
    other.start().await;
    server.pause();
    assert_eq!(status("CAstatus2").await, 503, "not acknowledged");
    server.resume();
    let deadline = Instant::now() + Duration::from_secs(30);
    // The callback sent again is kept.
    while status("CAstatus2").await != 204 {
        assert!(Instant::now() < deadline, "the store never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        api(&test, "/api/calls/CAstatus2").await["status"],
        "completed"
    );
}
