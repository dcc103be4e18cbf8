//! Webhooks from strangers, retries, bad input and hostile text: valid answers
//! or 4xx, never a 5xx, never a stranger driving a call.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ivr_runtime::server::{Config, WebhookSecrets};
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::TestApp;
use ivr_tests::root;
use ivr_tests::twilio::{Call, post_form};
use tower::ServiceExt;

fn app_with(config: Config) -> TestApp {
    TestApp::with_config(
        Config {
            flows_dir: root().join("flows"),
            ..config
        },
        Store::memory(StoreConfig::default()),
    )
}

async fn get(test: &TestApp, path: &str, bearer: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::get(path);
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = test
        .router()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn signatures_are_required_when_a_token_is_set() {
    let test = app_with(Config {
        webhooks: WebhookSecrets {
            twilio_auth_token: Some("12345".into()),
            ..Default::default()
        },
        public_url: Some("https://ivr.example.com".into()),
        ..Config::default()
    });
    let mut unsigned = Call::new(test.router(), "main_line", "CAunsigned");
    unsigned.base = "https://ivr.example.com".into();
    assert_eq!(unsigned.start().await.status, StatusCode::FORBIDDEN);

    let mut forged = Call::new(test.router(), "main_line", "CAforged");
    forged.base = "https://ivr.example.com".into();
    forged.token = Some("not-the-token".into());
    assert_eq!(forged.start().await.status, StatusCode::FORBIDDEN);

    let mut signed = Call::new(test.router(), "main_line", "CAsigned");
    signed.base = "https://ivr.example.com".into();
    signed.token = Some("12345".into());
    let doc = signed.start().await;
    assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
    let next = signed.press("1").await;
    assert_eq!(
        next.status,
        StatusCode::OK,
        "action URLs are signed too: {}",
        next.body
    );
    assert!(next.verb("Dial").is_some());
}

#[tokio::test]
async fn an_unknown_call_gets_an_apology_and_an_unknown_flow_a_404() {
    let test = app_with(Config::default());
    let router = test.router();
    let params = vec![
        ("CallSid".to_string(), "CAnobody".to_string()),
        ("Digits".to_string(), "1".to_string()),
    ];
    let doc = post_form(
        &router,
        "http://ivr.test",
        "/twilio/main_line/7/gather",
        &params,
        None,
    )
    .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.hangs_up() && !doc.said().is_empty(), "{}", doc.body);

    let mut call = Call::new(test.router(), "no_such_flow", "CAx");
    assert_eq!(call.start().await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn malformed_webhooks_get_a_4xx_never_a_5xx() {
    let test = app_with(Config::default());
    let router = test.router();
    let cases: Vec<(&str, &str)> = vec![
        ("/twilio/main_line", ""),
        ("/twilio/main_line", "CallSid=CA1"),
        ("/twilio/main_line", "%%%&&&==="),
        ("/twilio/main_line/1/gather", "Digits=1"),
        ("/twilio/main_line/notanumber/gather", "CallSid=CA1"),
        ("/twilio/main_line/1/teleport", "CallSid=CA1"),
        (
            "/twilio/main_line/status",
            "CallSid=CA1&CallStatus=exploded",
        ),
    ];
    for (path, body) in cases {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let status = router.clone().oneshot(request).await.unwrap().status();
        assert!(
            status.is_client_error() || status == StatusCode::OK,
            "{path} {body:?} → {status}"
        );
    }
    let big = "a".repeat(70 * 1024);
    let request = Request::post("/twilio/main_line")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(big))
        .unwrap();
    assert_eq!(
        router.oneshot(request).await.unwrap().status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn a_caller_cannot_inject_twiml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("echo.ivr"),
        "flow echo {\n  language \"en-US\"\n  targets twilio\n  var heard: string\n  start ask\n\n  gather ask {\n    prompt \"Say something.\"\n    input speech\n    into heard\n    done -> repeat\n    exhausted -> bye\n  }\n\n  hangup repeat {\n    text \"You said {heard}\"\n  }\n\n  hangup bye {\n    text \"Bye.\"\n  }\n}\n",
    )
    .unwrap();
    let test = TestApp::memory(dir.path());
    let mut call = Call::new(test.router(), "echo", "CAinject");
    call.start().await;
    let evil = "</Say><Dial>+15551234567</Dial><Say>";
    let doc = call.speak(evil).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.verb("Dial").is_none(),
        "the caller's words must not become a verb: {}",
        doc.body
    );
    assert_eq!(doc.said(), vec![format!("You said {evil}")]);
}

#[tokio::test]
async fn api_errors_are_the_documented_json_even_from_axum() {
    let test = app_with(Config {
        admin_token: Some("letmein".into()),
        ..Config::default()
    });
    // A missing token, a query string that is not a number, a wrong method.
    let bad_method = test
        .router()
        .oneshot(
            Request::delete("/api/flows")
                .header("authorization", "Bearer letmein")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bad_method = (bad_method.status(), {
        let bytes = axum::body::to_bytes(bad_method.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    });
    for ((status, body), expected) in [
        (
            get(&test, "/api/flows", None).await,
            StatusCode::UNAUTHORIZED,
        ),
        (
            get(&test, "/api/calls?limit=lots", Some("letmein")).await,
            StatusCode::BAD_REQUEST,
        ),
        (bad_method, StatusCode::METHOD_NOT_ALLOWED),
    ] {
        assert_eq!(status, expected, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{expected}: not JSON ({e}): {body}"));
        let why = json["error"].as_str().unwrap_or("");
        assert!(!why.is_empty(), "{expected}: {json}");
    }
    let (_, body) = get(&test, "/api/calls?limit=lots", Some("letmein")).await;
    assert!(body.contains("limit"), "says which parameter: {body}");
}

/// Send one `/api` request and read the answer as the documented JSON error.
async fn api_error(test: &TestApp, request: Request<Body>) -> (StatusCode, String) {
    let response = test.router().oneshot(request).await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|t| t.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&bytes).into_owned();
    assert!(
        kind.starts_with("application/json"),
        "{status}: {kind}: {body}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {body}"));
    let why = json["error"].as_str().unwrap_or_default().to_string();
    assert!(!why.is_empty(), "{status}: {json}");
    (status, why)
}

#[tokio::test]
async fn every_api_error_is_json_unknown_paths_bodies_and_refusals_too() {
    let test = app_with(Config::default());
    let post = |path: &str, kind: &str, body: Vec<u8>| {
        Request::post(path)
            .header("content-type", kind)
            .body(Body::from(body))
            .unwrap()
    };
    let empty = |path: &str| Request::get(path).body(Body::empty()).unwrap();
    let cases = [
        (
            empty("/api/nothing/here"),
            StatusCode::NOT_FOUND,
            "/api/nothing/here",
        ),
        (
            empty("/api/calls/x/y"),
            StatusCode::NOT_FOUND,
            "no such path",
        ),
        (
            post("/api/flows", "application/json", b"{}".to_vec()),
            StatusCode::METHOD_NOT_ALLOWED,
            "",
        ),
        (
            post("/api/calls", "application/json", b"{not json".to_vec()),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            post("/api/sms", "text/plain", b"hello".to_vec()),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            post("/api/calls", "application/json", vec![b' '; 70 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
        (
            empty("/api/campaigns/c1?offset=minus"),
            StatusCode::BAD_REQUEST,
            "offset",
        ),
    ];
    for (request, expected, says) in cases {
        let path = request.uri().to_string();
        let (status, why) = api_error(&test, request).await;
        assert_eq!(status, expected, "{path}: {why}");
        assert!(why.contains(says), "{path}: {why}");
    }
    // Off loopback without a token: refused, in the same shape, before any
    // path is looked up.
    let open = app_with(Config {
        listen: std::net::SocketAddr::from(([0, 0, 0, 0], 8080)),
        ..Config::default()
    });
    for path in ["/api/flows", "/api/nothing"] {
        let (status, why) = api_error(&open, empty(path)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {why}");
        assert!(why.contains("IVR_ADMIN_TOKEN"), "{why}");
    }
    let locked = app_with(Config {
        admin_token: Some("letmein".into()),
        ..Config::default()
    });
    let (status, why) = api_error(&locked, empty("/api/nothing")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}");
}

#[tokio::test]
async fn the_admin_api_needs_the_token_when_one_is_set() {
    let test = app_with(Config {
        admin_token: Some("letmein".into()),
        ..Config::default()
    });
    assert_eq!(
        get(&test, "/api/flows", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&test, "/api/flows", Some("wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = get(&test, "/api/flows", Some("letmein")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("main_line"), "{body}");
    // The scheme is case-insensitive (RFC 9110): `bearer` is `Bearer`.
    let lower = test
        .router()
        .oneshot(
            Request::get("/api/flows")
                .header("authorization", "bearer letmein")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(lower.status(), StatusCode::OK);
    assert_eq!(
        get(&test, "/health", None).await.0,
        StatusCode::OK,
        "health stays open for probes"
    );
}

#[tokio::test]
async fn calls_are_listed_with_their_trace_and_metrics_count_turns() {
    let test = app_with(Config::default());
    let mut call = Call::new(test.router(), "main_line", "CAhistory");
    call.start().await;
    call.press("1").await;
    call.dial_ends("busy").await;
    let (_, list) = get(&test, "/api/calls?limit=5", None).await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["calls"][0]["call_id"], "CAhistory");
    let (_, one) = get(&test, "/api/calls/CAhistory", None).await;
    let one: serde_json::Value = serde_json::from_str(&one).unwrap();
    let nodes: Vec<&str> = one["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["node"].as_str().unwrap())
        .collect();
    assert!(
        nodes.starts_with(&["welcome", "main", "main", "sales", "sales", "team_busy"]),
        "{nodes:?}"
    );
    assert_eq!(
        get(&test, "/api/calls/CAnobody", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, metrics) = get(&test, "/metrics", None).await;
    assert!(metrics.contains("ivr_turns_total"), "{metrics}");
    assert!(metrics.contains("ivr_webhook_seconds_bucket"), "{metrics}");
    assert!(
        metrics.contains("ivr_live_calls 1"),
        "one call in progress: {metrics}"
    );
}

#[tokio::test]
async fn status_callbacks_end_the_call_in_the_history() {
    let test = app_with(Config::default());
    let mut call = Call::new(test.router(), "main_line", "CAstatus");
    call.start().await;
    let doc = call
        .post(
            "/twilio/main_line/status",
            &[("CallStatus", "completed"), ("CallDuration", "42")],
        )
        .await;
    assert_eq!(doc.status, StatusCode::NO_CONTENT);
    let (_, one) = get(&test, "/api/calls/CAstatus", None).await;
    let one: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one["status"], "completed", "{one}");
}

#[tokio::test]
async fn health_is_degraded_while_a_flow_file_cannot_be_served() {
    let dir = tempfile::tempdir().unwrap();
    let good = "flow good {\n  language \"en-US\"\n  targets twilio\n  start bye\n\n  hangup bye {\n    text \"Bye.\"\n  }\n}\n";
    std::fs::write(dir.path().join("good.ivr"), good).unwrap();
    std::fs::write(dir.path().join("broken.ivr"), "flow broken {\n").unwrap();
    let app = ivr_runtime::server::App::with(
        Config {
            flows_dir: dir.path().to_path_buf(),
            ..Config::default()
        },
        Store::memory(StoreConfig::default()),
        std::sync::Arc::new(ivr_tests::app::ScriptedEffects::default()),
    );
    app.registry.sync_dir(dir.path());
    let test = TestApp {
        app,
        effects: Default::default(),
    };
    let (status, body) = get(&test, "/health", None).await;
    assert_eq!(status, StatusCode::OK);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["unserved"], serde_json::json!(["broken"]));
    assert_eq!(health["flows"], 1);

    std::fs::remove_file(dir.path().join("broken.ivr")).unwrap();
    test.app.registry.sync_dir(dir.path());
    let (_, body) = get(&test, "/health", None).await;
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok", "{health}");
}

/// A call's action URLs name its own flow: a webhook naming another flow
/// (forged, or misrouted) is answered with an apology and does not run the
/// call on that flow's graph nor move it on.
#[tokio::test]
async fn a_webhook_naming_another_flow_than_the_calls_is_refused() {
    let test = TestApp::memory(&root().join("flows"));
    let mut call = Call::new(test.router(), "main_line", "CAotherflow");
    let first = call.start().await;
    let action = first.action().expect("the greeting gathers").to_string();
    assert!(action.contains("/twilio/main_line/"), "{action}");
    let forged = action.replace("/twilio/main_line/", "/twilio/support_line/");
    let doc = call.post(&forged, &[("Digits", "1")]).await;
    assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
    assert!(doc.hangs_up(), "an apology: {}", doc.body);
    // The call is where it was: its own URL still takes the key.
    let doc = call.post(&action, &[("Digits", "1")]).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(!doc.hangs_up(), "{}", doc.body);
}

/// Without IVR_ADMIN_TOKEN, `/api` is served only on a loopback address.
#[tokio::test]
async fn api_without_a_token_is_refused_off_loopback() {
    let open = app_with(Config::default());
    assert_eq!(get(&open, "/api/flows", None).await.0, StatusCode::OK);
    let public = app_with(Config {
        listen: "0.0.0.0:8080".parse().unwrap(),
        ..Config::default()
    });
    assert_eq!(
        get(&public, "/api/flows", None).await.0,
        StatusCode::FORBIDDEN
    );
    let with_token = app_with(Config {
        listen: "0.0.0.0:8080".parse().unwrap(),
        admin_token: Some("s3cret".into()),
        ..Config::default()
    });
    assert_eq!(
        get(&with_token, "/api/flows", Some("s3cret")).await.0,
        StatusCode::OK
    );
}

/// A client that stalls while sending its headers, or its body, is cut off
/// after the read time-out rather than holding the connection.
#[tokio::test]
async fn slow_clients_are_cut_off() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let test = app_with(Config {
        read_timeout: Duration::from_millis(300),
        ..Config::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(ivr_runtime::server::listen::serve(
        listener,
        test.app.clone(),
        std::future::pending(),
    ));
    for sent in [
        "POST /twilio/main_line HTTP/1.1\r\nHost: a\r\n",
        "POST /exotel/main_line/status HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nCallSid=",
    ] {
        let started = Instant::now();
        let answer = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            stream.write_all(sent.as_bytes()).unwrap();
            // Read until the server answers and closes (or 30 s pass).
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            String::from_utf8_lossy(&answer).to_string()
        })
        .await
        .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(25),
            "cut off in {:?}",
            started.elapsed()
        );
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "a 4xx or a closed connection: {answer:?}"
        );
    }
}

/// The bug: the `flow` label came from the URL before the flow was known, so
/// requests to `/twilio/f<i>` made one series each; the turn a call stopped
/// at was counted with `outcome=""`; no metric had a `# HELP` line.
#[tokio::test]
async fn metrics_label_only_served_flows_and_say_what_they_count() {
    let test = app_with(Config::default());
    let router = test.router();
    for i in 0..3 {
        let params = vec![
            ("CallSid".to_string(), format!("CAlabel{i}")),
            ("From".to_string(), "+14155550100".to_string()),
            ("To".to_string(), "+14155550199".to_string()),
        ];
        let url = format!("http://localhost/twilio/no_such_flow_{i}");
        let doc = post_form(&router, "http://localhost", &url, &params, None).await;
        assert_eq!(doc.status, StatusCode::NOT_FOUND);
    }
    let mut call = Call::new(test.router(), "main_line", "CAlabels");
    call.start().await;
    let (_, metrics) = get(&test, "/metrics", None).await;
    assert!(!metrics.contains("no_such_flow_"), "{metrics}");
    assert!(
        metrics.contains(r#"ivr_webhooks_total{flow="(unknown)",outcome="no_flow"}"#),
        "{metrics}"
    );
    assert!(!metrics.contains(r#"outcome="""#), "{metrics}");
    assert!(
        metrics.contains(r#"flow="main_line",node="main",outcome="stop""#),
        "{metrics}"
    );
    for name in [
        "ivr_webhooks_total",
        "ivr_turns_total",
        "ivr_webhook_seconds",
        "ivr_live_calls",
        "ivr_build_info",
    ] {
        assert!(
            metrics.contains(&format!("# HELP {name} ")),
            "{name}: {metrics}"
        );
    }
    assert!(
        metrics.contains(&format!(
            "ivr_build_info{{version=\"{}\",",
            env!("CARGO_PKG_VERSION")
        )),
        "{metrics}"
    );
}

/// A number's Fallback URL: Twilio requests it with `ErrorCode`/`ErrorUrl`
/// when the voice URL failed. It answers the apology and the fallback
/// number, and like every Twilio route it is signed.
#[tokio::test]
async fn the_fallback_url_apologises_and_dials_the_fallback_number() {
    let test = app_with(Config {
        fallback_number: Some("+918045670000".into()),
        webhooks: WebhookSecrets {
            twilio_auth_token: Some("12345".into()),
            ..Default::default()
        },
        public_url: Some("https://ivr.example.com".into()),
        ..Config::default()
    });
    let router = test.router();
    let params = vec![
        (
            "CallSid".to_string(),
            "CAfallback\nERROR forged".to_string(),
        ),
        ("ErrorCode".to_string(), "11200".to_string()),
        (
            "ErrorUrl".to_string(),
            "https://ivr.example.com/twilio/main_line".to_string(),
        ),
    ];
    let url = "https://ivr.example.com/twilio/main_line/error";
    let unsigned = post_form(&router, "https://ivr.example.com", url, &params, None).await;
    assert_eq!(unsigned.status, StatusCode::FORBIDDEN);
    let doc = post_form(
        &router,
        "https://ivr.example.com",
        url,
        &params,
        Some("12345"),
    )
    .await;
    assert_eq!(doc.status, StatusCode::OK, "{}", doc.body);
    assert!(
        doc.said_text().contains("technical difficulties"),
        "{}",
        doc.body
    );
    let dial = doc.verb("Dial").expect("the fallback number is dialled");
    let dialled: Vec<&str> = dial.children.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(dialled, ["+918045670000"]);
}
