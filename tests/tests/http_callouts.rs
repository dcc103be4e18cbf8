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
use ivr_runtime::server::{Outside, ProvidersConfig};

/// A runner with no provider credentials: call-outs need none.
fn live() -> Live {
    Live::new(std::sync::Arc::new(
        Outside::new(ProvidersConfig::default()),
    ))
}

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
    let result = live()
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
    let EffectResult::Http { status, .. } = live()
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
    let result = live()
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
    let result = live()
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
        live().run(&effect, Provider::Twilio).await,
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
        live().run(&with, Provider::Twilio).await,
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
        live().run(&without, Provider::Twilio).await,
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
        live().run(&get_effect(url, 2000), Provider::Twilio).await,
        EffectResult::Http {
            status: 0,
            body: None
        }
    );
}
