//! What an `http` node costs a turn beyond the call-out itself.
//!
//! A local axum server answers `GET /orders/42` with a small JSON body after
//! sleeping D ms. Measured, interleaved, in one process:
//!
//! - **direct** — that request made with reqwest (the call-out alone);
//! - **turn** — a full Twilio turn through `server::router` (in-process,
//!   `tower::ServiceExt::oneshot`, memory store, live effects): the caller
//!   presses 1, the engine runs an `http` node against that server, the menu
//!   is rendered and committed;
//! - **menu** — the same turn without the `http` node (press 9: the menu
//!   again), for reference.
//!
//! The overhead is turn − direct; the claim is that it stays under 1 ms.
//!
//! ```text
//! cargo run --release -p ivr-runtime --example callout_turn -- [D_MS] [ROUNDS]
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use ivr_runtime::server::{self, App, Config, effects::Live};
use ivr_runtime::store::{Store, StoreConfig};
use tower::ServiceExt;

const SID: &str = "CAbench0000000000000000000000000000";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let delay_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let delay = Duration::from_millis(delay_ms);

    let service = Router::new().route(
        "/orders/42",
        get(move || async move {
            tokio::time::sleep(delay).await;
            (
                [("content-type", "application/json")],
                r#"{"status":"shipped","eta":{"days":2}}"#,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bench.ivr"), flow(&base)).unwrap();
    let config = Config {
        flows_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let app = App::with(
        config.clone(),
        Store::memory(StoreConfig::default()),
        Arc::new(Live::new()),
    );
    let report = app.registry.sync_dir(&config.flows_dir);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let router = server::router(app);
    let client = reqwest::Client::new();
    let url = format!("{base}/orders/42");

    let mut turn = start(&router).await;
    // Warm up connections, caches and the allocator.
    for _ in 0..20 {
        client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        turn = press(&router, turn, "1").await.1;
    }
    let (mut direct, mut with_http, mut menu) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let body = client
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        direct.push(t.elapsed());
        assert!(!body.is_empty());
        let (took, next) = press(&router, turn, "1").await;
        with_http.push(took);
        let (took, next) = press(&router, next, "9").await;
        menu.push(took);
        turn = next;
    }
    println!("call-out sleeping {delay_ms} ms, {rounds} rounds (interleaved)");
    println!("{:<28} {:>10} {:>10} {:>10}", "", "median", "p90", "mean");
    for (name, xs) in [
        ("direct call-out", &mut direct),
        ("turn with the http node", &mut with_http),
        ("turn without it (menu)", &mut menu),
    ] {
        let (m, p, a) = stats(xs);
        println!("{name:<28} {m:>10.3} {p:>10.3} {a:>10.3}  ms");
    }
    let (dm, dp, da) = stats(&mut direct);
    let (tm, tp, ta) = stats(&mut with_http);
    println!(
        "{:<28} {:>10.3} {:>10.3} {:>10.3}  ms",
        "overhead (turn − direct)",
        tm - dm,
        tp - dp,
        ta - da
    );
}

fn flow(base: &str) -> String {
    format!(
        r#"flow bench {{
  language "en-US"
  targets twilio
  var order: json
  start main

  menu main {{
    prompt "Press 1 to look up your order."
    "1" -> fetch
    "9" -> main
    exhausted -> bye
  }}

  http fetch {{
    url "{base}/orders/42"
    timeout 5s
    into order
    ok -> main
    error -> main
  }}

  hangup bye {{
    text "Goodbye."
  }}
}}
"#
    )
}

/// Start the call; returns the turn it waits at.
async fn start(router: &Router) -> u64 {
    let (body, _) = post(router, "/twilio/bench", &[]).await;
    turn_of(&body)
}

/// Press `digits` at `turn`; returns how long the webhook took and the next turn.
async fn press(router: &Router, turn: u64, digits: &str) -> (Duration, u64) {
    let path = format!("/twilio/bench/{turn}/gather");
    let (body, took) = post(router, &path, &[("Digits", digits)]).await;
    (took, turn_of(&body))
}

async fn post(router: &Router, path: &str, extra: &[(&str, &str)]) -> (String, Duration) {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("AccountSid", "AC00000000000000000000000000000000")
        .append_pair("CallSid", SID)
        .append_pair("From", "+919812345678")
        .append_pair("To", "+918045671200")
        .append_pair("Direction", "inbound")
        .append_pair("CallStatus", "in-progress");
    for (k, v) in extra {
        form.append_pair(k, v);
    }
    let request = Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "ivr.test")
        .body(Body::from(form.finish()))
        .unwrap();
    let t = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let took = t.elapsed();
    (String::from_utf8(bytes.to_vec()).unwrap(), took)
}

/// The turn in the rendered action URL (`…/bench/{turn}/gather`).
fn turn_of(twiml: &str) -> u64 {
    let at = twiml.find("/twilio/bench/").expect("an action URL") + "/twilio/bench/".len();
    let rest = &twiml[at..];
    rest[..rest.find('/').unwrap()]
        .parse()
        .unwrap_or_else(|_| panic!("no turn in {twiml}"))
}

/// Median, 90th percentile and mean, in milliseconds.
fn stats(xs: &mut [Duration]) -> (f64, f64, f64) {
    xs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = xs.iter().map(|d| ms(*d)).sum::<f64>() / xs.len() as f64;
    (ms(xs[xs.len() / 2]), ms(xs[xs.len() * 9 / 10]), mean)
}
