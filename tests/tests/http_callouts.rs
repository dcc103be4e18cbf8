//! HTTP call-outs (`http` nodes) against a local server that answers well,
//! badly, slowly, or not with JSON — through the runtime's live effect runner.

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use ivr_compiler::graph::Method;
use ivr_runtime::engine::{Effect, EffectResult, Part};
use ivr_runtime::providers::Provider;
use ivr_runtime::server::EffectRunner;
use ivr_runtime::server::effects::Live;

async fn serve() -> String {
    let app = Router::new()
        .route(
            "/orders/{id}",
            get(|| async {
                (
                    [("content-type", "application/json")],
                    r#"{"status":"shipped","eta":{"days":2}}"#,
                )
            }),
        )
        .route(
            "/broken",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":"boom"}"#) }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "{}"
            }),
        )
        .route("/html", get(|| async { "<html>not json</html>" }))
        .route("/empty", post(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/secret",
            get(|headers: HeaderMap| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                if auth == "Bearer s3cret" {
                    (StatusCode::OK, r#"{"ok":true}"#)
                } else {
                    (StatusCode::UNAUTHORIZED, "{}")
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn get_effect(url: String, timeout_ms: u64) -> Effect {
    Effect::Http {
        method: Method::Get,
        url,
        headers: Vec::new(),
        body: None,
        timeout_ms,
    }
}

#[tokio::test]
async fn a_json_answer_is_ok_with_its_body() {
    let base = serve().await;
    let result = Live::new()
        .run(
            &get_effect(format!("{base}/orders/42"), 2000),
            Provider::Twilio,
        )
        .await;
    assert_eq!(
        result,
        EffectResult::Http {
            status: 200,
            body: Some(serde_json::json!({"status": "shipped", "eta": {"days": 2}}))
        }
    );
}

#[tokio::test]
async fn an_error_status_is_reported_with_its_status() {
    let base = serve().await;
    let EffectResult::Http { status, .. } = Live::new()
        .run(
            &get_effect(format!("{base}/broken"), 2000),
            Provider::Twilio,
        )
        .await
    else {
        panic!()
    };
    assert_eq!(status, 500);
}

#[tokio::test]
async fn a_slow_service_times_out_on_time() {
    let base = serve().await;
    let started = Instant::now();
    let result = Live::new()
        .run(&get_effect(format!("{base}/slow"), 300), Provider::Twilio)
        .await;
    assert_eq!(
        result,
        EffectResult::Http {
            status: 0,
            body: None
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the call-out's own timeout bounds it"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_error() {
    let base = serve().await;
    let result = Live::new()
        .run(&get_effect(format!("{base}/html"), 2000), Provider::Twilio)
        .await;
    assert_eq!(
        result,
        EffectResult::Http {
            status: 0,
            body: None
        }
    );
}

#[tokio::test]
async fn an_empty_answer_is_ok_without_a_body() {
    let base = serve().await;
    let effect = Effect::Http {
        method: Method::Post,
        url: format!("{base}/empty"),
        headers: vec![],
        body: Some("{\"a\":1}".into()),
        timeout_ms: 2000,
    };
    assert_eq!(
        Live::new().run(&effect, Provider::Twilio).await,
        EffectResult::Http {
            status: 204,
            body: None
        }
    );
}

#[tokio::test]
async fn secrets_come_from_the_environment_and_a_missing_one_fails_the_call_out() {
    let base = serve().await;
    let header = |var: &str| {
        vec![(
            "Authorization".to_string(),
            vec![Part::Text("Bearer ".into()), Part::Env(var.into())],
        )]
    };
    // SAFETY of the test: a variable name no other test uses.
    unsafe { std::env::set_var("IVR_TEST_CALLOUT_TOKEN", "s3cret") };
    let with = Effect::Http {
        method: Method::Get,
        url: format!("{base}/secret"),
        headers: header("IVR_TEST_CALLOUT_TOKEN"),
        body: None,
        timeout_ms: 2000,
    };
    assert_eq!(
        Live::new().run(&with, Provider::Twilio).await,
        EffectResult::Http {
            status: 200,
            body: Some(serde_json::json!({"ok": true}))
        }
    );
    let without = Effect::Http {
        method: Method::Get,
        url: format!("{base}/secret"),
        headers: header("IVR_TEST_UNSET_VARIABLE"),
        body: None,
        timeout_ms: 2000,
    };
    assert_eq!(
        Live::new().run(&without, Provider::Twilio).await,
        EffectResult::Http {
            status: 0,
            body: None
        }
    );
}

#[tokio::test]
async fn a_refused_connection_is_an_error_not_a_hang() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/gone", listener.local_addr().unwrap());
    drop(listener);
    assert_eq!(
        Live::new()
            .run(&get_effect(url, 2000), Provider::Twilio)
            .await,
        EffectResult::Http {
            status: 0,
            body: None
        }
    );
}

/// The bug: a `SpeechResult` of `x/../../admin?delete=all#` in
/// `url ".../lookup/{said}"` reached the dependency as
/// `GET /admin?delete=all`. The engine encodes the hole as one path segment,
/// and the service sees exactly what was said.
#[tokio::test]
async fn caller_text_reaches_the_service_as_one_path_segment() {
    use axum::extract::{Path, RawQuery};
    use ivr_runtime::engine::{Caller, Direction};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (by_id, by_admin) = (seen.clone(), seen.clone());
    let app = Router::new()
        .route(
            "/lookup/{id}",
            get(move |Path(id): Path<String>| async move {
                by_id.lock().unwrap().push(format!("lookup {id}"));
                r#"{"found":true}"#
            }),
        )
        .route(
            "/admin",
            get(move |RawQuery(q): RawQuery| async move {
                by_admin.lock().unwrap().push(format!("admin {q:?}"));
                "{}"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let source = format!(
        r#"flow lookup {{
  language "en-US"
  targets twilio
  var said: string = ""
  start find
  http find {{
    url "{base}/lookup/{{said}}"
    ok -> found
    error -> found
  }}
  hangup found {{
    text "Goodbye."
  }}
}}"#
    );
    let compiled = ivr_compiler::compile(&source, ivr_compiler::Syntax::Ivr);
    let graph = compiled
        .graph
        .unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
    let said = "x/../../admin?delete=all#";
    let vars = [("said".to_string(), serde_json::json!(said))].into();
    let caller = Caller {
        from: "+14155550100".into(),
        to: "+14155550199".into(),
        direction: Direction::Inbound,
        answered_by: None,
    };
    let turn = ivr_runtime::engine::start_with_vars(&graph, "CA1".into(), caller, vars, 0);
    let [effect] = turn.effects.as_slice() else {
        panic!("one call-out: {:?}", turn.effects)
    };
    let result = Live::new().run(effect, Provider::Twilio).await;
    assert!(
        matches!(result, EffectResult::Http { status: 200, .. }),
        "{result:?}"
    );
    assert_eq!(*seen.lock().unwrap(), [format!("lookup {said}")]);
}
