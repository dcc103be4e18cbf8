//! Exotel's requests as Exotel may send them: HEAD before GET, HEAD
//! without a CallSid, a Passthru by POST, a store that is down.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use ivr_runtime::server::Config;
use ivr_runtime::store::testing::RedisServer;
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::TestApp;
use ivr_tests::exotel::ExotelCall;
use ivr_tests::root;
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    length: Option<String>,
    body: String,
}

async fn send(test: &TestApp, request: Request<Body>) -> Answer {
    let response = test.router().oneshot(request).await.unwrap();
    let status = response.status();
    let length = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        length,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn request(test: &TestApp, method: Method, uri: &str) -> Answer {
    send(
        test,
        Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn head_answers_the_length_get_sends() {
    let test = TestApp::memory(&root().join("flows"));
    let mut call = ExotelCall::new(test.router(), "main_line", "EXhead");
    call.start().await;
    // The call now runs its Gather; its greeting URL was answered already.
    let uri = "/exotel/main_line/gather?CallSid=EXhead";
    let get = request(&test, Method::GET, uri).await;
    let head = request(&test, Method::HEAD, uri).await;
    assert_eq!(get.status, StatusCode::OK);
    assert!(!get.body.is_empty());
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(
        head.length,
        Some(get.body.len().to_string()),
        "HEAD carries GET's Content-Length"
    );
    assert_eq!(head.length, get.length);
}

#[tokio::test]
async fn head_without_a_call_sid_is_answered() {
    let test = TestApp::memory(&root().join("flows"));
    let head = request(&test, Method::HEAD, "/exotel/main_line/greeting").await;
    assert_eq!(head.status, StatusCode::OK);
    // A GET without one is still refused: Exotel always sends it there.
    let get = request(&test, Method::GET, "/exotel/main_line/greeting").await;
    assert_eq!(get.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_passthru_by_post_is_taken() {
    let test = TestApp::memory(&root().join("flows"));
    let answer = send(
        &test,
        Request::post("/exotel/main_line/passthru")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                "CallSid=EXpost&CallFrom=09812345678&CallTo=08045671200&Direction=incoming",
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let select: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    // main_line greets inside its first menu.
    assert_eq!(select["select"], "gather", "{}", answer.body);
}

/// `--fallback-number` holds for Exotel calls too: with the store down the
/// Passthru selects Connect, and Connect's URL dials the fallback number.
#[tokio::test]
async fn a_dead_store_connects_the_fallback_number() {
    let mut server = RedisServer::start();
    let config = Config {
        flows_dir: root().join("flows"),
        fallback_number: Some("+918045670000".into()),
        ..Config::default()
    };
    let store = Store::open(&server.url(), StoreConfig::default()).unwrap();
    let test = TestApp::with_config(config, store);
    let mut call = ExotelCall::new(test.router(), "main_line", "EXfallback");
    call.start().await;
    server.kill();
    let passthru = request(
        &test,
        Method::GET,
        "/exotel/main_line/passthru?CallSid=EXfallback&digits=%221%22",
    )
    .await;
    assert_eq!(passthru.status, StatusCode::OK);
    assert_eq!(passthru.body, r#"{"select":"connect"}"#);
    let connect = request(
        &test,
        Method::GET,
        "/exotel/main_line/connect?CallSid=EXfallback",
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&connect.body).unwrap();
    assert_eq!(
        json["destination"]["numbers"],
        serde_json::json!(["+918045670000"]),
        "{json}"
    );
}
