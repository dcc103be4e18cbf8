//! The console's browser phone over a real WebSocket, as its page talks to
//! it: a call to a shipped flow goes through the engine and the store, and
//! is then a call like any other in `/api/calls`, its trace and analytics.
//! The socket is behind the console's gate and refuses other sites.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use ivr_runtime::server::Config;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::TestApp;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

const TOKEN: &str = "phone-secret";
const PATIENCE: Duration = Duration::from_secs(30);

struct Server {
    base: String,
    host: String,
    _dir: tempfile::TempDir,
}

/// `ivr serve` on a free loopback port with the shipped main_line flow and
/// an admin token.
async fn serve() -> Server {
    serve_with(Some(TOKEN)).await
}

async fn serve_with(token: Option<&str>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let flow = concat!(env!("CARGO_MANIFEST_DIR"), "/../flows/main_line.ivr");
    std::fs::copy(flow, dir.path().join("main_line.ivr")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let test = TestApp::with_config(
        Config {
            flows_dir: dir.path().to_path_buf(),
            admin_token: token.map(String::from),
            listen: addr,
            ..Config::default()
        },
        Store::memory(StoreConfig::default()),
    );
    let router = test.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Server {
        base: format!("http://{addr}"),
        host: addr.to_string(),
        _dir: dir,
    }
}

impl Server {
    /// The console's session cookie, by logging in as the page does.
    async fn cookie(&self) -> String {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let answer = client
            .post(format!("{}/console/login", self.base))
            .form(&[("token", TOKEN)])
            .send()
            .await
            .unwrap();
        let cookie = answer.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    async fn api(&self, path: &str) -> Value {
        let answer = reqwest::Client::new()
            .get(format!("{}/api{path}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }

    /// The call's summary in `GET /api/calls` once `done` holds, within 30 s.
    async fn listed(&self, call_id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let calls = self.api("/calls").await;
            let call = calls
                .as_array()
                .or_else(|| calls["calls"].as_array())
                .expect("a list of calls")
                .iter()
                .find(|c| c["call_id"] == call_id)
                .cloned();
            if let Some(call) = call.filter(|c| done(c)) {
                return call;
            }
            assert!(
                Instant::now() < deadline,
                "call {call_id} not as expected within {PATIENCE:?}: {calls}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn dial(
        &self,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Phone, tungstenite::Error> {
        let url = format!("ws://{}/console/flows/main_line/phone/socket", self.host);
        let mut request = url.into_client_request().unwrap();
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("cookie", HeaderValue::from_str(cookie).unwrap());
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", HeaderValue::from_str(origin).unwrap());
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Phone { socket, turn: 0 })
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Phone {
    socket: Socket,
    /// The turn the call is at, from the last turn received.
    turn: u64,
}

impl Phone {
    async fn send(&mut self, message: Value) -> Value {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
        let reply = self.receive().await;
        if reply["type"] == "turn" {
            self.turn = reply["turn"].as_u64().unwrap();
        }
        reply
    }

    async fn receive(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a reply within 30 s")
                .expect("the socket stays open")
                .unwrap();
            if let Message::Text(text) = frame {
                return serde_json::from_str(text.as_str()).unwrap();
            }
        }
    }

    /// Send `message` (of the call's current turn).
    async fn act(&mut self, mut message: Value) -> Value {
        message["turn"] = json!(self.turn);
        self.send(message).await
    }
}

/// What a turn says, in order.
fn said(turn: &Value) -> Vec<String> {
    turn["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["do"] == "say")
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_browser_call_runs_a_shipped_flow_and_is_recorded_like_any_other() {
    let server = serve().await;
    let cookie = server.cookie().await;
    let mut phone = server
        .dial(Some(&cookie), Some(&server.base))
        .await
        .expect("the phone connects with the console's cookie");

    let first = phone
        .send(json!({ "type": "start", "from": "+15550100" }))
        .await;
    assert_eq!(first["type"], "turn", "{first}");
    let call_id = first["call_id"].as_str().unwrap().to_string();
    assert!(call_id.starts_with("BR"), "{call_id}");
    assert_eq!(
        said(&first),
        [
            "Thank you for calling Acme Corporation.",
            "For sales, press 1. For support, press 2. For billing, press 3. To hear these options again, press 9."
        ]
    );
    assert_eq!(first["steps"][0]["language"], "en-IN");
    assert_eq!(first["steps"][0]["voice"], "Polly.Raveena");
    assert_eq!(first["wait"]["for"], "input", "{first}");
    assert_eq!(first["wait"]["max_digits"], 1);

    // Live while it lasts, with the caller the page gave.
    let live = server
        .listed(&call_id, |c| c["status"] == "in_progress")
        .await;
    assert_eq!(live["caller"]["from"], "+15550100");
    assert_eq!(live["flow"], "main_line");

    let sales = phone.act(json!({ "type": "keys", "digits": "1" })).await;
    assert_eq!(said(&sales), ["Connecting you to our sales team."]);
    let dial = sales["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["do"] == "dial")
        .expect("the transfer is shown");
    assert_eq!(dial["targets"], json!(["+918045671201"]));
    assert_eq!(sales["wait"]["for"], "outcome");
    assert_eq!(sales["wait"]["of"], "transfer");

    // Not an outcome a transfer has: refused, and the call is where it was.
    let wrong = phone
        .act(json!({ "type": "outcome", "outcome": "bridged" }))
        .await;
    assert_eq!(wrong["type"], "refused", "{wrong}");
    let busy = phone
        .act(json!({ "type": "outcome", "outcome": "busy" }))
        .await;
    assert_eq!(
        said(&busy)[..2],
        [
            "Everyone on that team is busy right now.",
            "For sales, press 1. For support, press 2. For billing, press 3. To hear these options again, press 9."
        ]
    );

    // Nonsense and a turn that has passed are refused without moving the call.
    let nonsense = phone.send(json!({ "type": "dance" })).await;
    assert_eq!(nonsense["type"], "refused");
    let stale = phone
        .send(json!({ "type": "keys", "turn": 1, "digits": "2" }))
        .await;
    assert_eq!(stale["type"], "refused", "{stale}");

    let silence = phone.act(json!({ "type": "silence" })).await;
    assert_eq!(said(&silence)[0], "Sorry, I did not hear anything.");
    let support = phone.act(json!({ "type": "keys", "digits": "2" })).await;
    assert_eq!(said(&support), ["Connecting you to support."]);
    let bye = phone.act(json!({ "type": "hangup" })).await;
    assert_eq!(bye["wait"]["for"], "nothing", "{bye}");

    let done = server
        .listed(&call_id, |c| c["status"] == "completed")
        .await;
    assert!(done["ended_at"].is_i64(), "{done}");
    let detail = server.api(&format!("/calls/{call_id}")).await;
    let path: Vec<(&str, &str)> = detail["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["node"].as_str().unwrap(), v["exit"].as_str().unwrap()))
        .collect();
    for step in [
        ("welcome", "next"),
        ("main", "1"),
        ("sales", "busy"),
        ("team_busy", "next"),
        ("main", "2"),
        ("support", ""),
    ] {
        assert!(path.contains(&step), "{step:?} not in the path {path:?}");
    }

    let figures = server.api("/flows/main_line/analytics").await;
    let figures = &figures["analytics"];
    assert_eq!(figures["calls"], 1, "{figures}");
    let node = |name: &str| {
        figures["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["node"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(node("sales")["exits"]["busy"]["taken"], 1, "{figures}");
    // The caller hung up while the transfer to support was ringing.
    assert_eq!(node("support")["hung_up"], 1, "{figures}");
}

#[tokio::test]
async fn closing_the_page_hangs_up_the_call() {
    let server = serve().await;
    let cookie = server.cookie().await;
    let mut phone = server.dial(Some(&cookie), None).await.unwrap();
    let first = phone.send(json!({ "type": "start" })).await;
    let call_id = first["call_id"].as_str().unwrap().to_string();
    let live = server
        .listed(&call_id, |c| c["status"] == "in_progress")
        .await;
    assert_eq!(live["caller"]["from"], "client:console");
    phone.socket.close(None).await.unwrap();
    server
        .listed(&call_id, |c| c["status"] == "completed")
        .await;
}

#[tokio::test]
async fn the_socket_is_the_consoles_and_only_its_own_pages_may_open_it() {
    let server = serve().await;
    let cookie = server.cookie().await;
    let refused = |result: Result<Phone, tungstenite::Error>| match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("not an HTTP refusal: {other}"),
        Ok(_) => panic!("the socket opened"),
    };
    // No session: sent to the login page, never upgraded.
    assert_eq!(refused(server.dial(None, Some(&server.base)).await), 303);
    // A page on another site, riding the operator's cookie.
    assert_eq!(
        refused(
            server
                .dial(Some(&cookie), Some("https://evil.example"))
                .await
        ),
        403
    );
    // A flow that is not there.
    let url = format!("ws://{}/console/flows/nothing/phone/socket", server.host);
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 404),
        other => panic!("{:?}", other.map(|_| ())),
    }
    // The phone's page is behind the same gate.
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/console/flows/main_line/phone", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
}

#[tokio::test]
async fn what_the_caller_says_is_text_on_the_consoles_pages() {
    let server = serve().await;
    let cookie = server.cookie().await;
    let mut phone = server.dial(Some(&cookie), None).await.unwrap();
    let first = phone
        .send(json!({ "type": "start", "from": "<i>Ann</i>" }))
        .await;
    let call_id = first["call_id"].as_str().unwrap().to_string();
    let page = reqwest::Client::new()
        .get(format!("{}/console/calls/{call_id}", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("&lt;i&gt;Ann&lt;"), "{page}");
    assert!(!page.contains("<i>Ann"), "{page}");
}

#[tokio::test]
async fn without_a_token_the_phone_is_open_on_loopback() {
    let server = serve_with(None).await;
    let mut phone = server.dial(None, Some(&server.base)).await.unwrap();
    let first = phone.send(json!({ "type": "start" })).await;
    assert_eq!(first["type"], "turn", "{first}");
}
