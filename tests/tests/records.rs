//! Call records in PostgreSQL (`ivr serve --records`): each test starts its
//! own PostgreSQL (initdb in a temporary folder, a free port) and, where it
//! needs one, its own redis-server. Waits are for conditions, bounded by 30 s.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use ivr_runtime::records::Records;
use ivr_runtime::records::testing::PostgresServer;
use ivr_runtime::server::Config;
use ivr_runtime::store::testing::RedisServer;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::{DESK, TestApp};
use ivr_tests::twilio::Call;
use tower::ServiceExt;

const BOUND: Duration = Duration::from_secs(30);

fn flows() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("desk.ivr"), DESK).unwrap();
    dir
}

fn store_config() -> StoreConfig {
    StoreConfig {
        outbox_capacity: 10_000,
        ..StoreConfig::default()
    }
}

/// An app recording to `pg`, on `store` (the writer not started yet).
fn app(flows: &tempfile::TempDir, store: Store, pg: &PostgresServer) -> TestApp {
    let config = Config {
        flows_dir: flows.path().to_path_buf(),
        records: Some(pg.url()),
        ..Config::default()
    };
    let mut test = TestApp::with_config(config, store);
    test.app.records = Some(Records::open(&pg.url()).expect("records URL"));
    test
}

/// A whole call: it arrives, the caller presses 1, the flow says goodbye.
/// Returns the two answers' statuses and whether the last one hangs up.
async fn whole_call(test: &TestApp, sid: &str) -> (StatusCode, StatusCode, bool) {
    let mut call = Call::new(test.router(), "desk", sid);
    let first = call.start().await;
    if first.status != StatusCode::OK {
        return (first.status, first.status, false);
    }
    let last = call.press("1").await;
    (first.status, last.status, last.hangs_up())
}

/// Wait until `condition` holds, polling; fail with `what` after 30 s.
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + BOUND;
    while !condition() {
        assert!(Instant::now() < deadline, "not within {BOUND:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn recorded(pg: &PostgresServer) -> usize {
    // Until the writer's migration ran, there is no table: nothing recorded.
    let exists = pg.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'calls'");
    if exists != "1" {
        return 0;
    }
    pg.sql("SELECT count(*) FROM calls").parse().unwrap()
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
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_call_is_recorded_with_its_summary_and_trace_and_read_back_when_the_store_forgot_it()
 {
    let pg = PostgresServer::start();
    let dir = flows();
    let test = app(&dir, Store::memory(store_config()), &pg);
    let _writer = test.app.start_records();

    let (_, _, hung_up) = whole_call(&test, "CArec1").await;
    assert!(hung_up);
    until("the call is recorded", || recorded(&pg) == 1).await;
    // The record keeps each turn's provider answer, as the API shows it when asked.
    let stored = api(&test, "/api/calls/CArec1?answers=true").await;
    let row: serde_json::Value =
        serde_json::from_str(&pg.sql("SELECT detail FROM calls WHERE call_id = 'CArec1'")).unwrap();
    assert_eq!(row, stored, "the record is the call as the API shows it");
    assert!(
        row["trace"].as_array().is_some_and(|t| t.len() >= 2),
        "{row}"
    );

    // A status callback after the last turn replaces the record.
    let mut call = Call::new(test.router(), "desk", "CArec1");
    let status = call
        .post(
            "http://ivr.test/twilio/desk/status",
            &[("CallStatus", "busy")],
        )
        .await;
    assert!(status.status.is_success(), "{}", status.body);
    until("the record has the final status", || {
        pg.sql("SELECT status FROM calls WHERE call_id = 'CArec1'") == "busy"
    })
    .await;

    // A server whose store never saw the call reads it from PostgreSQL:
    // the call, the list and the flow's analytics.
    let other = app(&dir, Store::memory(store_config()), &pg);
    let call = api(&other, "/api/calls/CArec1?answers=true").await;
    assert_eq!(call["status"], "busy", "{call}");
    assert_eq!(call["trace"], row["trace"]);
    let plain = api(&other, "/api/calls/CArec1").await;
    assert!(
        plain["trace"]
            .as_array()
            .is_some_and(|t| !t.is_empty() && t.iter().all(|v| v.get("answer").is_none())),
        "without ?answers=true a recorded call's answers stay out: {plain}"
    );
    let list = api(&other, "/api/calls").await;
    assert_eq!(list["calls"][0]["call_id"], "CArec1", "{list}");
    let figures = api(&other, "/api/flows/desk/analytics?hours=1").await;
    assert_eq!(figures["analytics"]["calls"], 1, "{figures}");
    assert_eq!(recorded(&pg), 1, "recorded exactly once");
}

/// The drill: PostgreSQL killed mid-load and started again. Webhooks keep
/// being answered as before; every call is recorded exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_mid_load_loses_no_record_and_slows_no_webhook() {
    const CALLS: usize = 300;
    let mut pg = PostgresServer::start();
    let dir = flows();
    let test = Arc::new(app(&dir, Store::memory(store_config()), &pg));
    let _writer = test.app.start_records();
    until("the writer created the table", || {
        pg.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'calls'") == "1"
    })
    .await;

    // The load stops at a third until PostgreSQL is down, and at two thirds
    // until it is back, so each phase has its calls on any machine.
    let done = Arc::new(AtomicUsize::new(0));
    let phase = Arc::new(AtomicUsize::new(0));
    let load = {
        let (test, done, phase) = (test.clone(), done.clone(), phase.clone());
        tokio::spawn(async move {
            let mut answers = Vec::new();
            for i in 0..CALLS {
                let needed = [0, CALLS / 3, 2 * CALLS / 3]
                    .iter()
                    .filter(|&&at| i >= at)
                    .count()
                    - 1;
                let deadline = Instant::now() + BOUND;
                while phase.load(Ordering::SeqCst) < needed {
                    assert!(Instant::now() < deadline, "the drill did not move on");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                let started = Instant::now();
                let answer = whole_call(&test, &format!("CAdrill{i:04}")).await;
                answers.push((answer, started.elapsed()));
                done.fetch_add(1, Ordering::SeqCst);
            }
            answers
        })
    };
    until("a third of the calls", || {
        done.load(Ordering::SeqCst) >= CALLS / 3
    })
    .await;
    let killed_at = done.load(Ordering::SeqCst);
    tokio::task::block_in_place(|| pg.kill());
    let down = Instant::now();
    phase.store(1, Ordering::SeqCst);
    until("two thirds of the calls, PostgreSQL down", || {
        done.load(Ordering::SeqCst) >= 2 * CALLS / 3
    })
    .await;
    let restarted_at = done.load(Ordering::SeqCst);
    tokio::task::block_in_place(|| pg.restart());
    let down_for = down.elapsed();
    phase.store(2, Ordering::SeqCst);
    let answers = load.await.unwrap();
    let finished = Instant::now();

    for (i, ((first, last, hung_up), _)) in answers.iter().enumerate() {
        assert_eq!(
            (*first, *last, *hung_up),
            (StatusCode::OK, StatusCode::OK, true),
            "call {i} was not answered as usual"
        );
    }
    until("every call is recorded", || recorded(&pg) == CALLS).await;
    let drained_in = finished.elapsed();
    let distinct: usize = pg
        .sql("SELECT count(DISTINCT call_id) FROM calls WHERE call_id LIKE 'CAdrill%'")
        .parse()
        .unwrap();
    assert_eq!(distinct, CALLS, "each call recorded once");
    assert!(test.app.store.outbox(10).await.unwrap().is_empty());

    // Figures for the report (not asserted: the machine is shared).
    let phase = |range: std::ops::Range<usize>| {
        let mut ms: Vec<f64> = answers[range]
            .iter()
            .map(|(_, t)| t.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        (ms[ms.len() / 2], ms[ms.len() - 1])
    };
    eprintln!(
        "drill: {CALLS} calls, {} records; PostgreSQL down for calls {killed_at}..{restarted_at} \
         ({down_for:?}); whole-call median/max ms before {:?}, \
         while down {:?}, after {:?}; all recorded {drained_in:?} after the last call",
        recorded(&pg),
        phase(0..killed_at),
        phase(killed_at..restarted_at),
        phase(restarted_at..CALLS),
    );
}

/// Records still queued in the store when the server stops are written by
/// the next server on the same store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_writes_the_records_the_store_kept() {
    const CALLS: usize = 20;
    let mut pg = PostgresServer::start();
    let redis = RedisServer::start();
    let dir = flows();
    let redis_store = || Store::open(&redis.url(), store_config()).expect("redis store");
    tokio::task::block_in_place(|| pg.kill());
    {
        let first = app(&dir, redis_store(), &pg);
        let _writer = first.app.start_records();
        for i in 0..CALLS {
            let (a, b, hung_up) = whole_call(&first, &format!("CAqueued{i:02}")).await;
            assert_eq!((a, b, hung_up), (StatusCode::OK, StatusCode::OK, true));
        }
        let queued = first.app.store.outbox(100).await.unwrap();
        assert_eq!(queued.len(), CALLS, "PostgreSQL is down: all queued");
        // The server stops here: its writer and app are dropped.
    }
    tokio::task::block_in_place(|| pg.restart());
    let second = app(&dir, redis_store(), &pg);
    let _writer = second.app.start_records();
    until("the queued records are written", || recorded(&pg) == CALLS).await;
    let store = second.app.store.clone();
    let deadline = Instant::now() + BOUND;
    while !store.outbox(100).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the outbox was not emptied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ids = pg.sql("SELECT string_agg(call_id, ',' ORDER BY call_id) FROM calls");
    let expected: Vec<String> = (0..CALLS).map(|i| format!("CAqueued{i:02}")).collect();
    assert_eq!(ids, expected.join(","));
}
