//! Hot reload with the real file watcher, while a call is in progress: a good
//! save goes live for new calls, a broken save never replaces a good version,
//! a deleted file stops new calls — and the call in progress finishes on the
//! version it began on throughout.

use std::path::Path;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ivr_runtime::server::reload;
use ivr_tests::app::TestApp;
use ivr_tests::twilio::Call;
use tower::ServiceExt;

fn flow(greeting: &str, goodbye: &str) -> String {
    format!(
        "flow line {{\n  language \"en-US\"\n  targets twilio\n  start main\n\n  menu main {{\n    prompt \"{greeting}\"\n    \"1\" -> bye\n    exhausted -> bye\n  }}\n\n  hangup bye {{\n    text \"{goodbye}\"\n  }}\n}}\n"
    )
}

async fn flows(test: &TestApp) -> serde_json::Value {
    get_json(test, "/api/flows").await
}

async fn get_json(test: &TestApp, path: &str) -> serde_json::Value {
    let response = test
        .router()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Wait (bounded) until the registry shows what `done` looks for.
async fn until(
    test: &TestApp,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = flows(test).await;
        if done(&now) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {now}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn version(flows: &serde_json::Value) -> Option<String> {
    flows["flows"]
        .as_array()?
        .iter()
        .find(|f| f["name"] == "line")?["version"]
        .as_str()
        .map(str::to_string)
}

fn write(dir: &Path, text: &str) {
    // Editors save by writing a temporary file and renaming it over the old one.
    let tmp = dir.join(".line.ivr.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dir.join("line.ivr")).unwrap();
}

#[tokio::test]
async fn saves_go_live_broken_saves_do_not_and_live_calls_keep_their_version() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &flow("Version one.", "Goodbye from one."));
    let test = TestApp::memory(dir.path());
    let _watcher = reload::watch(dir.path().to_path_buf(), test.app.registry.clone()).unwrap();
    let v1 = version(&flows(&test).await).expect("v1 loaded");

    let mut live = Call::new(test.router(), "line", "CAlive");
    assert!(live.start().await.said_text().contains("Version one."));

    // A good save: new calls get v2.
    write(dir.path(), &flow("Version two.", "Goodbye from two."));
    let now = until(&test, "v2", |f| version(f).is_some_and(|v| v != v1)).await;
    let v2 = version(&now).unwrap();
    let mut fresh = Call::new(test.router(), "line", "CAfresh");
    assert!(fresh.start().await.said_text().contains("Version two."));

    // A broken save: the error is shown, v2 keeps serving.
    write(
        dir.path(),
        "flow line {\n  menu main {\n    \"1\" ->\n  }\n}\n",
    );
    let now = until(&test, "the error", |f| {
        f["flows"][0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("E001"))
    })
    .await;
    assert_eq!(
        version(&now).as_deref(),
        Some(v2.as_str()),
        "a broken file never replaces a good version"
    );
    let health = get_json(&test, "/health").await;
    assert_eq!(health["status"], "ok", "v2 still serves: {health}");
    assert_eq!(health["stale"], serde_json::json!(["line"]), "{health}");
    let mut third = Call::new(test.router(), "line", "CAthird");
    assert!(third.start().await.said_text().contains("Version two."));

    // Deleted: new calls are refused.
    std::fs::remove_file(dir.path().join("line.ivr")).unwrap();
    until(&test, "removal", |f| {
        f["flows"].as_array().is_some_and(|a| a.is_empty())
    })
    .await;
    let mut refused = Call::new(test.router(), "line", "CArefused");
    assert_eq!(refused.start().await.status, StatusCode::NOT_FOUND);

    // Through all of it the first call stayed on v1.
    let end = live.press("1").await;
    assert_eq!(end.status, StatusCode::OK);
    assert_eq!(end.said(), vec!["Goodbye from one."], "{}", end.body);
    assert!(end.hangs_up());
}
