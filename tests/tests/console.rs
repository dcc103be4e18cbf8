//! The console's pages: who may see them, and what they show of flows and
//! calls — caller and author text escaped as HTML.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ivr_runtime::server::{Config, Outside, ProvidersConfig};
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::{DESK, TestApp};
use ivr_tests::twilio::Call;
use tower::ServiceExt;

const TOKEN: &str = "console-secret";

struct Console {
    test: TestApp,
    _dir: tempfile::TempDir,
}

fn console(token: Option<&str>, listen: &str) -> Console {
    console_with(token, listen, false)
}

fn console_with(token: Option<&str>, listen: &str, mask_numbers: bool) -> Console {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("desk.ivr"), DESK).unwrap();
    let mut test = TestApp::with_config(
        Config {
            flows_dir: dir.path().to_path_buf(),
            admin_token: token.map(String::from),
            listen: listen.parse::<SocketAddr>().unwrap(),
            mask_numbers,
            ..Config::default()
        },
        Store::memory(StoreConfig::default()),
    );
    // Campaigns need a provider account to be accepted; nothing here dials.
    test.app.outside = std::sync::Arc::new(Outside::new(ProvidersConfig::from_lookup(|name| {
        let value = match name {
            "TWILIO_ACCOUNT_SID" => "AC42",
            "TWILIO_AUTH_TOKEN" => "token",
            "TWILIO_FROM" => "+15005550006",
            _ => return None,
        };
        Some(value.to_string())
    })));
    Console { test, _dir: dir }
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    cookie: Option<String>,
    body: String,
}

impl Console {
    async fn send(&self, request: Request<Body>) -> Page {
        let response = self.test.router().oneshot(request).await.unwrap();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
        };
        let (location, cookie) = (header(header::LOCATION), header(header::SET_COOKIE));
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
            .await
            .unwrap();
        Page {
            status,
            location,
            cookie,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn login(&self, token: &str) -> Page {
        self.send(
            Request::post("/console/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={token}")))
                .unwrap(),
        )
        .await
    }

    /// Log in and return the session cookie (`name=value`).
    async fn session(&self) -> String {
        let page = self.login(TOKEN).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let cookie = page.cookie.expect("a session cookie");
        cookie.split(';').next().unwrap().to_string()
    }
}

#[tokio::test]
async fn the_console_takes_the_admin_token_once_and_then_a_safe_cookie() {
    let c = console(Some(TOKEN), "127.0.0.1:8080");
    let page = c.get("/console", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/console/login"));

    let wrong = c.login("guess").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.cookie.is_none());
    assert!(wrong.body.contains("not the admin token"));

    let right = c.login(TOKEN).await;
    let cookie = right.cookie.unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(
        !cookie.contains(TOKEN),
        "the cookie is not the token itself"
    );
    let session = cookie.split(';').next().unwrap();
    let page = c.get("/console", Some(session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("desk"));

    // A forged cookie, and a logout posted from another site, are refused.
    let page = c.get("/console", Some("ivr_console=00")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let forged = c
        .send(
            Request::post("/console/logout")
                .header(header::COOKIE, session)
                .header(header::ORIGIN, "https://evil.example")
                .header(header::HOST, "127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn without_a_token_the_console_is_open_only_on_loopback() {
    let local = console(None, "127.0.0.1:8080");
    assert_eq!(local.get("/console", None).await.status, StatusCode::OK);
    let exposed = console(None, "0.0.0.0:8080");
    let page = exposed.get("/console", None).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("IVR_ADMIN_TOKEN"));
}

#[tokio::test]
async fn a_flow_page_shows_its_nodes_and_a_broken_save_escaped() {
    let c = console(Some(TOKEN), "127.0.0.1:8080");
    let session = c.session().await;
    let page = c.get("/console/flows/desk", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("serving"));
    assert!(page.body.contains(r#"id="node-main""#));
    assert!(page.body.contains("Press 1 for sales."));

    // A save with an error: the old version keeps serving, the page says why.
    let path = c.test.app.registry.list()[0].path.clone();
    let broken = DESK.replace("\"1\" -> bye", "\"1\" -> <script>alert(1)</script>");
    std::fs::write(&path, broken).unwrap();
    c.test.app.registry.sync_dir(path.parent().unwrap());
    let page = c.get("/console/flows/desk", Some(&session)).await;
    assert!(page.body.contains("stale"), "{}", page.body);
    assert!(page.body.contains("did not check"));
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("&lt;script&gt;"));

    let missing = c.get("/console/flows/nope", Some(&session)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn calls_are_listed_filtered_and_traced() {
    let c = console(Some(TOKEN), "127.0.0.1:8080");
    let session = c.session().await;
    let mut call = Call::new(c.test.router(), "desk", "CA<b>1");
    call.start().await;
    let pressed = call.press("1").await;
    assert_eq!(pressed.status, StatusCode::OK);
    assert!(pressed.hangs_up(), "{pressed:?}");
    let mut other = Call::new(c.test.router(), "desk", "CA2");
    other.from = "+14155550100".into();
    other.start().await;

    let page = c.get("/console/calls", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("CA&lt;b&gt;1"), "{}", page.body);
    assert!(!page.body.contains("CA<b>1"));
    assert!(page.body.contains("CA2"));
    assert!(page.body.contains("1 in progress"));

    let page = c
        .get("/console/calls?number=4155550100", Some(&session))
        .await;
    assert!(page.body.contains("CA2"));
    assert!(!page.body.contains("CA&lt;b&gt;1"));
    let page = c
        .get("/console/calls?status=completed", Some(&session))
        .await;
    assert!(page.body.contains("CA&lt;b&gt;1"));
    assert!(!page.body.contains(">CA2<"));

    let page = c.get("/console/calls/CA%3Cb%3E1", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<code>main</code>"), "{}", page.body);
    assert!(page.body.contains("<code>main</code> —1→"), "{}", page.body);
    assert!(page.body.contains("<code>bye</code>"));
    // Turn by turn: what woke the call, what the caller pressed and heard,
    // and the provider answer folded away.
    assert!(page.body.contains("Turn 1"), "{}", page.body);
    assert!(
        page.body.contains("pressed or said <q>1</q>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<q>Press 1 for sales.</q>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<summary>Provider answer</summary><pre>&lt;?xml"),
        "{}",
        page.body
    );
    let missing = c.get("/console/calls/CA404", Some(&session)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The next server-sent event named `calls` on a live stream, as JSON.
async fn next_calls(
    stream: &mut (impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
    buffer: &mut String,
) -> Option<serde_json::Value> {
    use futures_util::StreamExt;
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.starts_with("event: calls") || event.contains("\nevent: calls") {
                let data = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                return Some(serde_json::from_str(data).unwrap());
            }
            continue;
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(30), stream.next())
            .await
            .expect("an event within 30 s")?
            .unwrap();
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn the_calls_list_is_pushed_live_and_its_stream_ends_at_shutdown() {
    let c = console(Some(TOKEN), "127.0.0.1:8080");
    let session = c.session().await;
    let mut first = Call::new(c.test.router(), "desk", "CA1");
    first.start().await;

    let response = c
        .test
        .router()
        .oneshot(
            Request::get("/console/calls/live?flow=desk")
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut stream = response.into_body().into_data_stream();
    let mut buffer = String::new();
    let calls = next_calls(&mut stream, &mut buffer).await.unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 1);
    assert_eq!(calls[0]["call_id"], "CA1");

    let mut second = Call::new(c.test.router(), "desk", "CA2");
    second.start().await;
    let calls = next_calls(&mut stream, &mut buffer).await.unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 2);

    c.test.app.shutdown.begin();
    assert_eq!(next_calls(&mut stream, &mut buffer).await, None);

    // Without a session there is no stream.
    let page = c.get("/console/calls/live", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn analytics_count_entries_and_exits_per_node_in_the_api_and_the_console() {
    let c = console(Some(TOKEN), "127.0.0.1:8080");
    let mut left = Call::new(c.test.router(), "desk", "CA1");
    left.start().await;
    left.press("1").await;
    let mut waiting = Call::new(c.test.router(), "desk", "CA2");
    waiting.start().await;
    let mut quiet = Call::new(c.test.router(), "desk", "CA3");
    quiet.start().await;
    quiet.silence().await;

    let response = c
        .send(
            Request::get("/api/flows/desk/analytics?hours=1")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let figures: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    let a = &figures["analytics"];
    assert_eq!(
        (a["calls"].as_u64(), a["live"].as_u64()),
        (Some(3), Some(2))
    );
    let main = &a["nodes"][0];
    assert_eq!(main["node"], "main");
    assert_eq!(main["entries"], 3, "asked again after a silence: one entry");
    // One key press and one silence answered the menu.
    assert_eq!(
        (main["answers"].as_u64(), main["no_input"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (
            main["no_input_rate"].as_f64(),
            main["no_match_rate"].as_f64()
        ),
        (Some(50.0), Some(0.0))
    );
    assert_eq!(main["exits"]["1"]["taken"], 1);
    assert_eq!(main["exits"]["1"]["percent"], 100.0);

    let session = c.session().await;
    let page = c.get("/console/flows/desk/analytics", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("1 (100.0%)"), "{}", page.body);
    // The heat overlay: the picture, its busiest node at full heat.
    assert!(page.body.contains("<figure id=\"heat\""), "{}", page.body);
    assert!(page.body.contains("id=\"node-main\""), "{}", page.body);
    assert!(
        page.body
            .contains("#heat g[id=\"node-main\"] > * { fill: rgba(214, 60, 30, 0.85); }"),
        "{}",
        page.body
    );
    let missing = c
        .send(
            Request::get("/api/flows/nope/analytics")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn masked_numbers_show_only_their_last_four_digits() {
    let c = console_with(None, "127.0.0.1:8080", true);
    let mut call = Call::new(c.test.router(), "desk", "CA1");
    call.start().await;
    for path in ["/console/calls", "/console/calls/CA1"] {
        let page = c.get(path, None).await;
        assert!(page.body.contains("+••••••••5678"), "{path}: {}", page.body);
        assert!(!page.body.contains("+919812345678"), "{path}");
    }
}

#[tokio::test]
async fn a_campaign_shows_its_numbers_and_is_cancelled_from_its_page() {
    let c = console_with(None, "127.0.0.1:8080", true);
    let created = c
        .send(
            Request::post("/api/campaigns")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::json!({
                        "flow": "desk", "provider": "twilio",
                        "numbers": ["+919812345678", "+919812340001"],
                        "at": "2030-01-01T00:00:00Z",
                    })
                    .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = serde_json::from_str::<serde_json::Value>(&created.body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let list = c.get("/console/campaigns", None).await;
    assert!(list.body.contains(&id), "{}", list.body);
    assert!(list.body.contains("scheduled"));
    let page = c.get(&format!("/console/campaigns/{id}"), None).await;
    assert!(page.body.contains("2 of 2 numbers"), "{}", page.body);
    assert!(page.body.contains("+••••••••0001"), "numbers are masked");
    assert!(page.body.contains("Cancel the campaign"));

    let cancelled = c
        .send(
            Request::post(format!("/console/campaigns/{id}/cancel"))
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let page = c.get(&format!("/console/campaigns/{id}"), None).await;
    assert!(page.body.contains("cancelled"), "{}", page.body);
    assert!(!page.body.contains("Cancel the campaign"));

    let forged = c
        .send(
            Request::post(format!("/console/campaigns/{id}/cancel"))
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let missing = c.get("/console/campaigns/nope", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
