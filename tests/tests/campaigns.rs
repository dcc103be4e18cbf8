//! Campaigns and scheduled calls, end to end: the runtime's API and dialer
//! against a fake provider that plays each call out (rings, ends busy or
//! answered, posts the status callback). Memory store for the behaviour;
//! Redis for a runtime killed and restarted mid-campaign.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use ivr_runtime::engine::{Effect, EffectResult};
use ivr_runtime::server::App;
use ivr_runtime::server::dialer::{self, DialerConfig};
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::ScriptedEffects;
use ivr_tests::provider::{FakeProvider, Script, runtime_app};
use ivr_tests::twilio::Call;
use serde_json::{Value, json};

const VENDOR: &str = "vendor_confirmation";

fn dialer_config() -> DialerConfig {
    DialerConfig {
        tick: Duration::from_millis(10),
        scan: Duration::from_millis(100),
        lease: Duration::from_millis(600),
        reconcile_after: Duration::from_secs(1),
        unplaced_after: Duration::from_secs(2),
    }
}

/// A runtime serving flows/ on a real port, with its dialer running, in the
/// current Tokio runtime.
struct Runtime {
    addr: SocketAddr,
    app: App,
    client: reqwest::Client,
}

fn build_app(store: Store, fake: &FakeProvider, addr: SocketAddr, clock: Arc<AtomicI64>) -> App {
    let mut app = runtime_app(store, fake, addr, dialer_config());
    app.clock = Arc::new(move || match clock.load(Ordering::SeqCst) {
        0 => jiff::Timestamp::now().as_millisecond(),
        fixed => fixed,
    });
    app
}

/// Real time unless a test sets the clock (0 = real time).
fn real_time() -> Arc<AtomicI64> {
    Arc::new(AtomicI64::new(0))
}

async fn start(store: Store, fake: &FakeProvider, clock: Arc<AtomicI64>) -> Runtime {
    start_with(store, fake, clock, |_| {}).await
}

/// [`start`], with a chance to change the app first (its effects, say).
async fn start_with(
    store: Store,
    fake: &FakeProvider,
    clock: Arc<AtomicI64>,
    adjust: impl FnOnce(&mut App),
) -> Runtime {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut app = build_app(store, fake, addr, clock);
    adjust(&mut app);
    let router = ivr_runtime::server::router(app.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    dialer::spawn(app.clone());
    Runtime {
        addr,
        app,
        client: reqwest::Client::new(),
    }
}

async fn api(
    client: &reqwest::Client,
    addr: SocketAddr,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, format!("http://{addr}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("runtime answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

impl Runtime {
    /// POST with an `Idempotency-Key`.
    async fn post_keyed(&self, path: &str, key: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("http://{}{path}", self.addr))
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .expect("runtime answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
    /// Create a campaign; its progress (the request must succeed).
    async fn create(&self, body: Value) -> Value {
        let (status, created) = self.post("/api/campaigns", body).await;
        assert_eq!(status, 201, "{created:#}");
        created
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        api(
            &self.client,
            self.addr,
            reqwest::Method::POST,
            path,
            Some(body),
        )
        .await
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        api(&self.client, self.addr, reqwest::Method::GET, path, None).await
    }
    async fn delete(&self, path: &str) -> (u16, Value) {
        api(&self.client, self.addr, reqwest::Method::DELETE, path, None).await
    }
}

/// Poll a campaign until `done` says so (or fail after `limit`).
async fn wait_for(
    client: &reqwest::Client,
    addr: SocketAddr,
    id: &str,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let (status, progress) = api(
            client,
            addr,
            reqwest::Method::GET,
            &format!("/api/campaigns/{id}"),
            None,
        )
        .await;
        if status == 200 && done(&progress) {
            return progress;
        }
        assert!(
            started.elapsed() < limit,
            "campaign {id} did not get there in {limit:?}: {progress:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn finished(p: &Value) -> bool {
    p["state"] == "done" || p["state"] == "cancelled"
}

fn script(f: fn(&str, usize) -> &'static str) -> Script {
    Arc::new(f)
}

fn number(i: usize) -> String {
    format!("+9198123{i:05}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_busy_is_called_again_and_the_campaign_shows_progress() {
    // …01 is busy twice then answers; …02 answers; …03 never answers.
    let fake = FakeProvider::start(
        script(|to, attempt| match (&to[to.len() - 2..], attempt) {
            ("01", 1 | 2) => "busy",
            ("03", _) => "no-answer",
            _ => "completed",
        }),
        Duration::from_millis(100),
    )
    .await;
    let rt = start(Store::memory(StoreConfig::default()), &fake, real_time()).await;
    let created = rt
        .create(json!({
            "flow": VENDOR,
            "provider": "twilio",
            "numbers": [number(1), {"to": number(2), "vars": {"vendor_name": "Ravi"}}, number(3)],
            "vars": {"order_id": "A-17"},
            "rate_per_sec": 20,
            "max_concurrent": 5,
            "retry": {"on": ["busy"], "attempts": 3, "backoff": "100ms"},
        }))
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cmp_"));
    assert_eq!(created["numbers"], 3);

    let progress = wait_for(&rt.client, rt.addr, &id, Duration::from_secs(30), finished).await;
    assert_eq!(progress["state"], "done");
    assert_eq!(progress["counts"]["done"], 3);
    assert_eq!(progress["counts"]["completed"], 2);
    assert_eq!(progress["counts"]["no-answer"], 1);
    let busy = &progress["numbers"][0];
    assert_eq!(busy["to"], number(1));
    assert_eq!(busy["attempts"], 3, "two busy attempts, then answered");
    assert_eq!(busy["outcome"], "completed");
    assert_eq!(busy["calls"].as_array().unwrap().len(), 3);
    assert_eq!(
        progress["numbers"][2]["attempts"], 1,
        "no-answer is not retried"
    );
    assert_eq!(progress["numbers"][2]["outcome"], "no-answer");

    let dials = fake.dials();
    assert_eq!(dials[&number(1)], 3);
    assert_eq!(dials[&number(2)], 1);
    assert_eq!(dials[&number(3)], 1);
    // Status callbacks carry the attempt they report on.
    let calls = fake.calls();
    let first = calls.iter().find(|c| c.to == number(1)).unwrap();
    assert!(
        first.callback.ends_with(&format!(
            "/twilio/{VENDOR}/status?ivr_campaign={id}&ivr_entry=0&ivr_attempt=1"
        )),
        "{}",
        first.callback
    );
    // The answered call is in the call history, outbound, finished.
    let sid = progress["numbers"][1]["calls"][0].as_str().unwrap();
    let (status, call) = rt.get(&format!("/api/calls/{sid}")).await;
    assert_eq!(status, 200, "{call:#}");
    assert_eq!(call["flow"], VENDOR);
    assert_eq!(call["status"], "completed");
    assert_eq!(call["caller"]["direction"], "outbound");
    // The customer is `call.from` on placed calls too (docs/LANGUAGE.md).
    assert_eq!(call["caller"]["from"], number(2));
    assert_eq!(call["caller"]["to"], "+15005550006");
    // Numbers come a page at a time; counts are of them all.
    let (_, page) = rt
        .get(&format!("/api/campaigns/{id}?offset=1&limit=1"))
        .await;
    assert_eq!(page["numbers_total"], 3);
    assert_eq!(page["offset"], 1);
    assert_eq!(page["numbers"].as_array().unwrap().len(), 1);
    assert_eq!(page["numbers"][0]["to"], number(2));
    assert_eq!(page["counts"]["done"], 3);
    // And the list of campaigns shows it with its counts.
    let (_, list) = rt.get("/api/campaigns").await;
    assert_eq!(list["campaigns"][0]["id"], id.as_str());
    assert_eq!(list["campaigns"][0]["counts"]["completed"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_confirmation_placed_by_api_is_confirmed_with_1_and_shows_in_the_history() {
    let fake = FakeProvider::start(script(|_, _| "completed"), Duration::from_millis(300)).await;
    let effects = Arc::new(ScriptedEffects::default());
    // The order system accepts the confirmation.
    effects.push(EffectResult::Http {
        status: 200,
        body: Some(json!({"ok": true})),
    });
    let runner = effects.clone();
    let rt = start_with(
        Store::memory(StoreConfig::default()),
        &fake,
        real_time(),
        move |app| app.effects = runner,
    )
    .await;
    let (status, placed) = rt
        .post(
            "/api/calls",
            json!({"to": number(9), "flow": "order_confirmation", "provider": "twilio",
                   "vars": {"order_id": "A-17", "customer_name": "Asha"}}),
        )
        .await;
    assert_eq!(status, 201, "{placed:#}");
    let sid = placed["id"].as_str().unwrap().to_string();
    let dialled = fake.calls();
    assert_eq!(dialled.len(), 1);
    assert_eq!(dialled[0].sid, sid);

    // Twilio answers: it requests the Url it was given; the customer presses 1.
    let router = ivr_runtime::server::router(rt.app.clone());
    let mut call = Call::new(router, "order_confirmation", &sid);
    let doc = call
        .post(&dialled[0].url, &[("Direction", "outbound-api")])
        .await;
    assert!(doc.said_text().contains("Hello Asha"), "{}", doc.body);
    assert!(doc.said_text().contains("order A-17"), "{}", doc.body);
    let doc = call.press("1").await;
    assert!(
        doc.said_text().contains("Your order A-17 is confirmed"),
        "{}",
        doc.body
    );
    assert!(doc.hangs_up());
    let confirm = effects.ran.lock().unwrap()[0].clone();
    assert!(
        matches!(&confirm, Effect::Http { url, .. } if url.ends_with("/orders/A-17/confirm?channel=ivr")),
        "{confirm:?}"
    );

    // The provider's final status callback arrives; the history tells it all.
    let started = Instant::now();
    let record = loop {
        let (_, record) = rt.get(&format!("/api/calls/{sid}")).await;
        if record["status"] == "completed" {
            break record;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{record:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(record["caller"]["direction"], "outbound");
    let path: Vec<(&str, &str)> = record["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["node"].as_str().unwrap(), v["exit"].as_str().unwrap()))
        .collect();
    assert!(path.contains(&("confirm", "1")), "{path:?}");
    assert!(path.contains(&("record_confirmation", "ok")), "{path:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialling_keeps_to_the_rate() {
    let fake = FakeProvider::start(script(|_, _| "completed"), Duration::from_millis(20)).await;
    let rt = start(Store::memory(StoreConfig::default()), &fake, real_time()).await;
    let numbers: Vec<String> = (0..30).map(number).collect();
    let created = rt
        .create(
            json!({"flow": VENDOR, "provider": "twilio", "numbers": numbers, "rate_per_sec": 10, "max_concurrent": 30}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    wait_for(&rt.client, rt.addr, id, Duration::from_secs(30), finished).await;
    let mut at: Vec<Instant> = fake.calls().iter().map(|c| c.at).collect();
    at.sort();
    assert_eq!(at.len(), 30);
    // No second holds more than the rate plus the burst (a quarter second's
    // worth: 3) — however slow the machine, a faster pace would be a bug.
    // Likewise 30 dials span at least (30 - 3) / 10 = 2.7 s, less the trip.
    for (i, t) in at.iter().enumerate() {
        let within = at[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        // (+1: the fake timestamps arrivals, a request's trip may vary.)
        assert!(within <= 14, "{within} dials within a second of dial {i}");
    }
    assert!(
        at[29].duration_since(at[0]) >= Duration::from_millis(2_600),
        "30 dials at 10/s take about 3 s, not {:?}",
        at[29].duration_since(at[0])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_in_progress_never_exceed_the_cap() {
    let fake = FakeProvider::start(script(|_, _| "completed"), Duration::from_millis(300)).await;
    let rt = start(Store::memory(StoreConfig::default()), &fake, real_time()).await;
    let numbers: Vec<String> = (0..20).map(number).collect();
    let created = rt
        .create(
            json!({"flow": VENDOR, "provider": "twilio", "numbers": numbers, "rate_per_sec": 100, "max_concurrent": 3}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let progress = wait_for(&rt.client, rt.addr, id, Duration::from_secs(30), finished).await;
    assert_eq!(progress["counts"]["completed"], 20);
    assert_eq!(fake.max_active(), 3, "the cap binds, and holds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_nothing_is_dialled_and_cancel_stops_the_campaign() {
    let fake = FakeProvider::start(script(|_, _| "completed"), Duration::from_millis(20)).await;
    // Sunday 2026-01-04, 18:00 in Kolkata.
    let clock = Arc::new(AtomicI64::new(
        ivr_tests::app::MONDAY - 22 * 3_600_000 + 1_800_000,
    ));
    let rt = start(Store::memory(StoreConfig::default()), &fake, clock).await;
    let created = rt
        .create(
            json!({
                "flow": VENDOR, "provider": "twilio", "numbers": [number(1), number(2)],
                "window": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"},
            }),
        )
        .await;
    assert_eq!(created["state"], "waiting");
    assert_eq!(
        created["window"]["timezone"], "Asia/Kolkata",
        "the flow's zone"
    );
    let id = created["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(fake.calls().is_empty(), "dialled outside the window");
    let (status, cancelled) = rt.delete(&format!("/api/campaigns/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["counts"]["cancelled"], 2);
    let progress = wait_for(&rt.client, rt.addr, id, Duration::from_secs(10), finished).await;
    assert_eq!(progress["state"], "cancelled");
    assert!(fake.calls().is_empty());
    let (status, _) = rt.delete("/api/campaigns/cmp_nope").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_call_waits_for_its_time() {
    let fake = FakeProvider::start(script(|_, _| "completed"), Duration::from_millis(20)).await;
    let now = ivr_tests::app::MONDAY;
    let clock = Arc::new(AtomicI64::new(now));
    let rt = start(Store::memory(StoreConfig::default()), &fake, clock.clone()).await;
    let at = jiff::Timestamp::from_millisecond(now + 3_600_000).unwrap();
    let request = json!({"to": number(7), "flow": VENDOR, "provider": "twilio", "vars": {"order_id": "B-2"}, "at": at.to_string()});
    let (status, scheduled) = rt
        .post_keyed("/api/calls", "order-B-2", request.clone())
        .await;
    assert_eq!(status, 202, "{scheduled:#}");
    // The backend retries a request it got no answer to: the same call.
    let (status, again) = rt.post_keyed("/api/calls", "order-B-2", request).await;
    assert_eq!(status, 202, "{again:#}");
    assert_eq!(again["campaign"], scheduled["campaign"]);
    assert_eq!(scheduled["status"], "scheduled");
    assert_eq!(scheduled["at"], at.to_string());
    let id = scheduled["campaign"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(fake.calls().is_empty(), "called before its time");
    let (_, progress) = rt.get(&format!("/api/campaigns/{id}")).await;
    assert_eq!(progress["state"], "scheduled");
    clock.store(now + 3_600_000, Ordering::SeqCst);
    let progress = wait_for(&rt.client, rt.addr, id, Duration::from_secs(10), finished).await;
    assert_eq!(progress["counts"]["completed"], 1);
    assert_eq!(fake.dials()[&number(7)], 1, "one call, though asked twice");
    let (_, list) = rt.get("/api/campaigns").await;
    assert_eq!(list["campaigns"].as_array().unwrap().len(), 1);
    let (status, bad) = rt
        .post(
            "/api/calls",
            json!({"to": number(7), "flow": VENDOR, "provider": "twilio", "at": "tomorrow"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(bad["error"].as_str().unwrap().contains("RFC 3339"), "{bad}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_campaigns_are_refused_with_every_reason() {
    let fake = FakeProvider::start(script(|_, _| "completed"), Duration::from_millis(20)).await;
    let rt = start(Store::memory(StoreConfig::default()), &fake, real_time()).await;
    let (status, body) = rt
        .post(
            "/api/campaigns",
            json!({
                "flow": VENDOR, "provider": "twilio", "numbers": ["+91981234", "12345", number(1)],
                "rate_per_sec": 1e-300, "retry": {"on": ["busy", "angry"], "attempts": 0},
                "window": {"start": "9am", "end": "18:00"},
            }),
        )
        .await;
    assert_eq!(status, 400, "{body:#}");
    let problems: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(problems.len(), 6, "{problems:#?}");
    for needle in [
        "+91981234",
        "12345",
        "rate_per_sec",
        "angry",
        "retry.attempts",
        "9am",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "{needle}: {problems:#?}"
        );
    }
    let (status, _) = rt
        .post(
            "/api/campaigns",
            json!({"flow": "nope", "provider": "twilio", "numbers": [number(1)]}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = rt
        .post(
            "/api/campaigns",
            json!({"flow": VENDOR, "provider": "twilio", "numbers": []}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = rt
        .post(
            "/api/campaigns",
            json!({"flow": VENDOR, "provider": "fax", "numbers": [number(1)]}),
        )
        .await;
    assert_eq!(status, 400);
    // Without credentials for a provider: refused at once, not per number.
    let bare = start_with(
        Store::memory(StoreConfig::default()),
        &fake,
        real_time(),
        |app| {
            app.outside = Arc::new(ivr_runtime::server::Outside::new(Default::default()));
        },
    )
    .await;
    let (status, body) = bare
        .post(
            "/api/campaigns",
            json!({"flow": VENDOR, "provider": "exotel", "numbers": [number(1)]}),
        )
        .await;
    assert_eq!(status, 503, "{body:#}");
    assert!(
        body["error"].as_str().unwrap().contains("EXOTEL_API_KEY"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(fake.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exotel_campaign_retries_through_exotel_status_callbacks() {
    let fake = FakeProvider::start(
        script(|_, attempt| {
            if attempt == 1 {
                "no-answer"
            } else {
                "completed"
            }
        }),
        Duration::from_millis(50),
    )
    .await;
    let rt = start(Store::memory(StoreConfig::default()), &fake, real_time()).await;
    let created = rt
        .create(json!({
            "flow": VENDOR, "provider": "exotel", "numbers": [number(4)],
            "retry": {"on": ["no-answer"], "attempts": 2, "backoff": 0.1},
        }))
        .await;
    let id = created["id"].as_str().unwrap();
    let progress = wait_for(&rt.client, rt.addr, id, Duration::from_secs(20), finished).await;
    assert_eq!(progress["numbers"][0]["attempts"], 2);
    assert_eq!(progress["numbers"][0]["outcome"], "completed");
    assert_eq!(fake.dials()[&number(4)], 2);
    assert!(
        fake.calls()[0]
            .callback
            .contains("/exotel/vendor_confirmation/status?ivr_campaign=")
    );
}

/// A runtime in its own Tokio runtime on its own thread, so that killing it
/// drops every task it started (dials in flight included), as a crash does.
struct Process {
    kill: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Process {
    fn start(redis: String, fake: FakeProvider, addr: SocketAddr) -> Process {
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let (ready, is_ready) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let store = Store::open(&redis, StoreConfig::default()).unwrap();
                let app = build_app(store, &fake, addr, real_time());
                // The port of the process before us: retry while the OS lets it go.
                let listener = loop {
                    match tokio::net::TcpListener::bind(addr).await {
                        Ok(l) => break l,
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                };
                let router = ivr_runtime::server::router(app.clone());
                tokio::spawn(async move {
                    let _ = axum::serve(listener, router).await;
                });
                dialer::spawn(app);
            });
            let _ = ready.send(());
            let _ = killed.recv();
            // Abrupt: tasks are dropped where they stand, nothing is flushed.
            rt.shutdown_background();
        });
        is_ready.recv().unwrap();
        Process {
            kill: Some(kill),
            thread: Some(thread),
        }
    }

    fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_killed_mid_campaign_resumes_it_on_redis_without_calling_anyone_twice() {
    let redis = ivr_runtime::store::testing::RedisServer::start();
    let fake = FakeProvider::start(script(|_, _| "completed"), Duration::from_millis(300)).await;
    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let client = reqwest::Client::new();
    let mut first = Process::start(redis.url(), fake.clone(), addr);
    let numbers: Vec<String> = (0..40).map(number).collect();
    let (status, created) = api(
        &client,
        addr,
        reqwest::Method::POST,
        "/api/campaigns",
        Some(json!({"flow": VENDOR, "provider": "twilio", "numbers": numbers, "rate_per_sec": 20, "max_concurrent": 8})),
    )
    .await;
    assert_eq!(status, 201, "{created:#}");
    let id = created["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    while fake.calls().len() < 12 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the campaign never got going"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill();
    let dialled_before = fake.calls().len();
    // Calls ring on while no runtime listens: their callbacks are lost.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _second = Process::start(redis.url(), fake.clone(), addr);
    let progress = wait_for(&client, addr, &id, Duration::from_secs(60), finished).await;

    let dials = fake.dials();
    assert_eq!(dials.len(), 40, "every number was called");
    let twice: Vec<_> = dials.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "called twice: {twice:?}");
    assert_eq!(progress["state"], "done");
    assert_eq!(progress["counts"]["completed"], 40, "{progress:#}");
    assert!(dialled_before < 40, "the kill came mid-campaign");
    assert!(
        fake.lost_callbacks() > 0,
        "some callbacks fell in the gap (else the test proved less than it claims)"
    );
}
