//! Benchmark: does a campaign hold its pace and its concurrency cap?
//!
//! Dials NUMBERS numbers (default 5,000) at RATE calls/s (default 50) with
//! a cap of CAP calls in progress (default 200) into the fake provider
//! (tests/provider.rs), each call ringing RING_MS (default 2,000 ms) before
//! it ends `completed` and the fake posts its status callback. The runtime
//! runs in this process on the STORE it is given (`memory`, or
//! `redis://…`), with its real HTTP server and dialer.
//!
//! Prints the pace achieved over the whole run and over every 10 s window
//! (as ratios to the rate asked: the ±5% target), the most calls in
//! progress at once (to the cap), and the run's wall time.
//!
//! ```sh
//! cargo run --release -p ivr-tests --example campaign_rate
//! NUMBERS=2000 RATE=100 CAP=50 STORE=redis://127.0.0.1:6390 cargo run --release -p ivr-tests --example campaign_rate
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use ivr_runtime::server::dialer;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::provider::{FakeProvider, runtime_app};
use serde_json::{Value, json};

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let numbers: usize = env("NUMBERS", 5_000);
    let rate: f64 = env("RATE", 50.0);
    let cap: usize = env("CAP", 200);
    let ring = Duration::from_millis(env("RING_MS", 2_000));
    let store_spec: String = env("STORE", "memory".to_string());

    let fake = FakeProvider::start(Arc::new(|_, _| "completed"), ring).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let store = Store::open(&store_spec, StoreConfig::default()).expect("store");
    let app = runtime_app(store, &fake, addr, Default::default());
    let router = ivr_runtime::server::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    dialer::spawn(app);

    let client = reqwest::Client::new();
    let list: Vec<String> = (0..numbers).map(|i| format!("+91981{i:07}")).collect();
    let started = Instant::now();
    let created: Value = client
        .post(format!("http://{addr}/api/campaigns"))
        .json(&json!({
            "flow": "vendor_confirmation", "provider": "twilio", "numbers": list,
            "rate_per_sec": rate, "max_concurrent": cap,
        }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let Some(id) = created["id"].as_str().map(str::to_string) else {
        panic!("the campaign was refused: {created:#}");
    };
    eprintln!(
        "campaign {id}: {numbers} numbers at {rate}/s, cap {cap}, ring {ring:?}, store {store_spec}"
    );
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let progress: Value = client
            .get(format!("http://{addr}/api/campaigns/{id}"))
            .send()
            .await
            .expect("progress")
            .json()
            .await
            .expect("json");
        if progress["state"] == "done" {
            break;
        }
    }
    let wall = started.elapsed();

    let mut at: Vec<Instant> = fake.calls().iter().map(|c| c.at).collect();
    at.sort();
    let span = at[at.len() - 1].duration_since(at[0]).as_secs_f64();
    // n dials span n-1 intervals.
    let achieved = (at.len() - 1) as f64 / span;
    let mut windows = Vec::new();
    let mut start = 0;
    let first = at[0];
    let window = Duration::from_secs(10);
    while first + window * (windows.len() as u32 + 1) <= at[at.len() - 1] {
        let end = first + window * (windows.len() as u32 + 1);
        let count = at[start..].iter().take_while(|t| **t < end).count();
        start += count;
        windows.push(count as f64 / window.as_secs_f64());
    }
    let lo = windows.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = windows.iter().copied().fold(0.0, f64::max);
    let dials = fake.dials();
    println!(
        "numbers dialled      {} (each once: {})",
        dials.len(),
        dials.values().all(|n| *n == 1)
    );
    println!(
        "pace, whole run      {achieved:.2}/s = {:.4}× the rate asked",
        achieved / rate
    );
    println!(
        "pace, 10 s windows   {lo:.1}–{hi:.1}/s = {:.3}–{:.3}× ({} windows)",
        lo / rate,
        hi / rate,
        windows.len()
    );
    let each: Vec<String> = windows.iter().map(|w| format!("{w:.1}")).collect();
    println!("  each window (/s)   {}", each.join(" "));
    println!("most in progress     {} (cap {cap})", fake.max_active());
    println!("lost callbacks       {}", fake.lost_callbacks());
    println!("wall time            {:.1} s", wall.as_secs_f64());
}
