//! Memory per live call on the memory store: start N calls of main_line
//! through the real router (each one answered at the menu once, so it waits
//! at turn 2 like a caller mid-menu), none of them ending, and report how
//! much the process's resident memory grew per call.
//!
//! ```text
//! cargo run --release -p ivr-runtime --example live_calls -- [calls] [flows dir]
//! ```
//!
//! Two figures: the average over all N calls, and the marginal cost of the
//! second half (from N/2 to N live calls). The history of recent calls is
//! bounded (`StoreConfig::history_capacity`, 10,000 calls) and full long
//! before N/2, so the marginal figure is what one more live call costs; the
//! average also carries the history and the warm-up of the allocator.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ivr_runtime::server::{self, App, Config};
use tower::ServiceExt;

/// What Twilio posts with every voice webhook (as in bench/menu_turn.lua).
const CALL_PARAMS: &str = "AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01\
&CallStatus=in-progress&Called=%2B918045671200&CalledCountry=IN&Caller=%2B919812345678\
&CallerCountry=IN&Direction=inbound&From=%2B919812345678&FromCountry=IN\
&To=%2B918045671200&ToCountry=IN";

/// Resident set size of this process, in bytes (`VmRSS` in /proc/self/status).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

async fn post(router: &axum::Router, uri: &str, form: String) -> String {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::from(form))
        .expect("a valid request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .expect("a body");
    String::from_utf8(bytes.to_vec()).expect("utf-8 TwiML")
}

/// Start call `n` and answer its menu once; returns nothing, keeps nothing.
async fn one_call(router: &axum::Router, n: usize) {
    let sid = format!("CA{n:032x}");
    let first = post(
        router,
        "/twilio/main_line",
        format!("CallSid={sid}&{CALL_PARAMS}"),
    )
    .await;
    assert!(
        first.contains("/twilio/main_line/1/gather"),
        "not the menu: {first}"
    );
    let second = post(
        router,
        "/twilio/main_line/1/gather",
        format!("CallSid={sid}&{CALL_PARAMS}&Digits=9&FinishedOnKey="),
    )
    .await;
    assert!(
        second.contains("/twilio/main_line/2/gather"),
        "not the menu again: {second}"
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let calls: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let flows = PathBuf::from(args.next().unwrap_or_else(|| "flows".into()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let config = Config {
            flows_dir: flows.clone(),
            ..Config::default()
        };
        let app = App::new(config).expect("the memory store opens");
        let report = app.registry.sync_dir(&flows);
        server::reload::log(&report, &app.registry);
        let store = app.store.clone();
        let router = server::router(app);
        // Warm up: the first calls allocate the graph copy kept in the store,
        // the metrics' label sets, the router's caches.
        for n in 0..100 {
            one_call(&router, usize::MAX - n).await;
        }
        let before = rss_bytes();
        let half = calls / 2;
        for n in 0..half {
            one_call(&router, n).await;
        }
        let middle = rss_bytes();
        for n in half..calls {
            one_call(&router, n).await;
        }
        let after = rss_bytes();
        let live = match &store {
            ivr_runtime::store::Store::Memory(m) => m.live_calls(),
            ivr_runtime::store::Store::Redis(_) => 0,
        };
        let per_call = (after - before) as f64 / calls as f64;
        let marginal = (after - middle) as f64 / (calls - half) as f64;
        println!(
            "live calls: {live} (started {calls} + 100 warm-up)\n\
             RSS before: {:.1} MiB, at {half}: {:.1} MiB, at {calls}: {:.1} MiB\n\
             per live call (all {calls}): {per_call:.0} bytes\n\
             per live call (marginal, {half}..{calls}): {marginal:.0} bytes",
            mib(before),
            mib(middle),
            mib(after),
        );
        println!(
            "RESULT live_calls={live} per_call_bytes={per_call:.0} marginal_bytes={marginal:.0}"
        );
    });
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
