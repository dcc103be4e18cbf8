//! The console in a real browser: Debian's chromium, driven headless through
//! chromedriver. Log in, see the flows and a flow's nodes, watch a call appear
//! on the calls page without reloading it, open its path; then call the flow
//! from the browser phone, press a key, read the prompts, watch the call live
//! and see the analytics count it. A screenshot of each page is saved under
//! target/ (`CARGO_TARGET_TMPDIR/console-screenshots`).
//!
//! Runs when chromedriver is on PATH; `scripts/test` installs it and sets
//! IVR_BROWSER_TEST=1, and then a missing driver fails the test instead of
//! skipping it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use ivr_runtime::server::Config;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::{DESK, TestApp};
use serde_json::json;

const TOKEN: &str = "browser-secret";
const PATIENCE: Duration = Duration::from_secs(30);

fn chromedriver() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|path| path.is_file())
    });
    if found.is_none() && std::env::var_os("IVR_BROWSER_TEST").is_some() {
        panic!("IVR_BROWSER_TEST is set but chromedriver is not on PATH");
    }
    found
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(path: PathBuf) -> Driver {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let status = format!("http://127.0.0.1:{port}/status");
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(answer) = reqwest::get(&status).await
            && let Ok(body) = answer.json::<serde_json::Value>().await
            && body["value"]["ready"] == true
        {
            return driver;
        }
        assert!(Instant::now() < deadline, "chromedriver never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                          "--disable-gpu", "--window-size=1200,900"] }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a chromium session")
}

/// Wait until the page's text contains `text`.
async fn wait_for_text(client: &Client, text: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let body = client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if body.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no {text:?} on the page within {PATIENCE:?}:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn screenshot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_logs_in_and_watches_a_call_arrive_in_chromium() {
    let Some(path) = chromedriver() else {
        eprintln!("chromedriver is not on PATH: skipped (scripts/test installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("desk.ivr"), DESK).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let test = TestApp::with_config(
        Config {
            flows_dir: dir.path().to_path_buf(),
            admin_token: Some(TOKEN.into()),
            listen: addr,
            public_url: Some(format!("http://{addr}")),
            ..Config::default()
        },
        Store::memory(StoreConfig::default()),
    );
    let router = test.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let base = format!("http://{addr}");

    let driver = start_driver(path).await;
    let client = browser(&driver).await;

    client.goto(&format!("{base}/console")).await.unwrap();
    wait_for_text(&client, "Log in").await;
    screenshot(&client, "login").await;
    client
        .find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "serving").await;
    screenshot(&client, "flows").await;

    client
        .find(Locator::LinkText("desk"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Press 1 for sales.").await;
    screenshot(&client, "flow").await;

    client.goto(&format!("{base}/console/calls")).await.unwrap();
    wait_for_text(&client, "No calls").await;
    // A call arrives while the page is open: it appears without a reload.
    let web = reqwest::Client::new();
    let answer = web
        .post(format!("{base}/twilio/desk"))
        .form(&[
            ("AccountSid", "AC00000000000000000000000000000000"),
            ("CallSid", "CAbrowser1"),
            ("From", "+919812345678"),
            ("To", "+918045671200"),
            ("Direction", "inbound"),
            ("CallStatus", "ringing"),
        ])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    wait_for_text(&client, "CAbrowser1").await;
    wait_for_text(&client, "1 in progress").await;
    screenshot(&client, "calls").await;

    client
        .find(Locator::LinkText("CAbrowser1"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Turn by turn").await;
    wait_for_text(&client, "main").await;
    screenshot(&client, "call").await;

    a_browser_call(&client, &base).await;

    client.close().await.unwrap();
}

/// The browser phone: call the flow from its page, press a key, hear the
/// prompts as text; the call is live on the calls page meanwhile, its path
/// is drawn on its page and the analytics count it.
async fn a_browser_call(client: &Client, base: &str) {
    let analytics = format!("{base}/console/flows/desk/analytics");
    client.goto(&analytics).await.unwrap();
    // The Twilio call above, still in progress.
    wait_for_css_text(client, "dl dd", "1 (1 in progress)").await;

    client
        .goto(&format!("{base}/console/flows/desk"))
        .await
        .unwrap();
    click(client, Locator::LinkText("Call this flow")).await;
    wait_for_text(client, "Not in a call.").await;
    // Read, not heard; and no timer racing a loaded machine.
    click(client, Locator::Css("#phone-speak")).await;
    click(client, Locator::Css("#phone-timer")).await;
    click(client, Locator::Css("#phone-call")).await;
    wait_for_css_text(client, "#phone-log", "Press 1 for sales.").await;
    wait_for_text(client, "Your turn: press keys.").await;
    let call_id = wait_for_css_text(client, "#phone-call-link a", "BR").await;
    screenshot(client, "phone").await;

    // Live on the calls page, in another tab, while the call goes on.
    let phone = client.window().await.unwrap();
    let calls = client.new_window(true).await.unwrap().handle;
    client.switch_to_window(calls.clone()).await.unwrap();
    client.goto(&format!("{base}/console/calls")).await.unwrap();
    wait_for_text(client, &call_id).await;
    wait_for_text(client, "2 in progress").await;

    client.switch_to_window(phone).await.unwrap();
    click(client, Locator::Css(".keypad button[data-key='1']")).await;
    wait_for_css_text(client, "#phone-log", "You pressed 1").await;
    wait_for_css_text(client, "#phone-log", "Goodbye.").await;
    wait_for_text(client, "The call has ended.").await;
    screenshot(client, "phone-ended").await;

    client.switch_to_window(calls).await.unwrap();
    wait_for_text(client, "1 in progress").await;
    client
        .goto(&format!("{base}/console/calls/{call_id}"))
        .await
        .unwrap();
    wait_for_css_text(client, "ol.turns", "main").await;
    wait_for_css_text(client, "ol.turns", "bye").await;
    screenshot(client, "phone-call").await;

    client.goto(&analytics).await.unwrap();
    wait_for_css_text(client, "dl dd", "2 (1 in progress)").await;
}

async fn click(client: &Client, locator: Locator<'_>) {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(locator)
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Wait until the first element matching `css` has `text` in its text;
/// that text.
async fn wait_for_css_text(client: &Client, css: &str, text: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let found = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if found.contains(text) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "no {text:?} in {css} within {PATIENCE:?}: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
