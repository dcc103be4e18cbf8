//! The outside world: SMS and placed calls against local fakes of the
//! Twilio and Exotel REST APIs that check requests exactly as documented
//! (method, path, Basic auth, form fields) and answer with the documented
//! JSON, errors included.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use ivr_runtime::server::effects::Live;
use ivr_runtime::server::rate_limit::Rate;
use ivr_runtime::server::{App, CallLimiter, CallLimits, Config, Outside, ProvidersConfig};
use ivr_runtime::store::{Store, StoreConfig};
use ivr_tests::app::MONDAY;
use ivr_tests::twilio::Call;
use serde_json::{Value, json};
use tower::ServiceExt;

const FLOW: &str = r#"
flow notify {
  language "en-IN"
  targets twilio, exotel

  var order_id: string = "unknown"

  start text_me

  sms text_me {
    to "{call.from}"
    text "Order {order_id} is on its way."
    sent -> sent_ok
    failed -> sent_failed
  }

  hangup sent_ok {
    text "We sent you a text about order {order_id}."
  }

  hangup sent_failed {
    text "We could not send a text."
  }
}
"#;

/// One request the fake received.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    auth: String,
    form: Vec<(String, String)>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.form
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Twilio and Exotel on one fake host, answering as documented.
async fn provider_api(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let path = uri.path().to_string();
    let seen = Seen {
        method: method.clone(),
        path: path.clone(),
        auth: auth.clone(),
        form,
    };
    fake.seen.lock().unwrap().push(seen.clone());
    let to = seen.field("To").unwrap_or("").to_string();
    let json = |status: StatusCode, v: Value| {
        (
            status,
            [("content-type", "application/json")],
            v.to_string(),
        )
            .into_response()
    };
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    match path.as_str() {
        "/2010-04-01/Accounts/AC42/Messages.json" | "/2010-04-01/Accounts/AC42/Calls.json" => {
            if auth != basic("AC42", "twilio-token") {
                return json(
                    StatusCode::UNAUTHORIZED,
                    json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}),
                );
            }
            if to.contains("0000") {
                return json(
                    StatusCode::BAD_REQUEST,
                    json!({"code": 21211, "message": format!("The 'To' number {to} is not a valid phone number."), "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}),
                );
            }
            if path.ends_with("Messages.json") {
                json(
                    StatusCode::CREATED,
                    json!({"sid": "SM0001", "status": "queued", "to": to}),
                )
            } else {
                json(
                    StatusCode::CREATED,
                    json!({"sid": "CA0001", "status": "queued", "to": to}),
                )
            }
        }
        "/v1/Accounts/acme/Sms/send.json" | "/v1/Accounts/acme/Calls/connect.json" => {
            if auth != basic("exo-key", "exo-token") {
                return json(
                    StatusCode::UNAUTHORIZED,
                    json!({"RestException": {"Status": 401, "Message": "Not authenticated"}}),
                );
            }
            let number = if path.ends_with("send.json") {
                to
            } else {
                seen.field("From").unwrap_or("").to_string()
            };
            if number.contains("0000") {
                return json(
                    StatusCode::BAD_REQUEST,
                    json!({"RestException": {"Status": 400, "Message": format!("{number} is not a valid phone number")}}),
                );
            }
            if path.ends_with("send.json") {
                json(
                    StatusCode::OK,
                    json!({"SMSMessage": {"Sid": "exo-sms-1", "Status": "queued"}}),
                )
            } else {
                json(
                    StatusCode::OK,
                    json!({"Call": {"Sid": "exo-call-1", "Status": "in-progress", "Direction": "outbound-api"}}),
                )
            }
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

struct World {
    app: App,
    fake: Fake,
    _dir: tempfile::TempDir,
}

async fn world(complete: bool, limits: CallLimits) -> World {
    let fake = Fake::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .fallback(provider_api)
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let env = move |name: &str| -> Option<String> {
        let v = match name {
            "TWILIO_API_BASE" | "EXOTEL_API_BASE" => base.as_str(),
            "TWILIO_ACCOUNT_SID" => "AC42",
            "TWILIO_AUTH_TOKEN" => "twilio-token",
            "TWILIO_FROM" if complete => "+15005550006",
            "EXOTEL_SID" => "acme",
            "EXOTEL_API_KEY" => "exo-key",
            "EXOTEL_API_TOKEN" => "exo-token",
            "EXOTEL_CALLER_ID" if complete => "08039591234",
            "EXOTEL_APP_ID" => "4321",
            "TWILIO_API_KEY_SID" => "SK42",
            "TWILIO_API_KEY_SECRET" if complete => "key-secret",
            "TWILIO_TWIML_APP_SID" => "AP42",
            _ => return None,
        };
        Some(v.to_string())
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notify.ivr"), FLOW).unwrap();
    let config = Config {
        flows_dir: dir.path().to_path_buf(),
        public_url: Some("http://ivr.test".into()),
        ..Config::default()
    };
    let outside = Arc::new(Outside::new(ProvidersConfig::from_lookup(env)));
    let mut app = App::with(
        config.clone(),
        Store::memory(StoreConfig::default()),
        Arc::new(Live::with_outside(outside.clone())),
    );
    app.outside = outside;
    app.call_limiter = Arc::new(CallLimiter::new(limits));
    app.clock = Arc::new(|| MONDAY);
    let report = app.registry.sync_dir(&config.flows_dir);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    World {
        app,
        fake,
        _dir: dir,
    }
}

impl World {
    fn router(&self) -> Router {
        ivr_runtime::server::router(self.app.clone())
    }
    fn seen(&self) -> Vec<Seen> {
        self.fake.seen.lock().unwrap().clone()
    }
    async fn api(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json");
        let body = body
            .map(|b| Body::from(b.to_string()))
            .unwrap_or_else(Body::empty);
        let response = self
            .router()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn sms_api_sends_through_each_provider_as_documented() {
    let w = world(true, CallLimits::default()).await;
    let (status, body) = w
        .api(
            Method::POST,
            "/api/sms",
            Some(json!({"to": "+14155550100", "text": "Hi there", "provider": "twilio"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], "SM0001");
    let (status, body) = w
        .api(
            Method::POST,
            "/api/sms",
            Some(json!({"to": "+919812345678", "text": "Namaste", "provider": "exotel"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], "exo-sms-1");
    let seen = w.seen();
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, "/2010-04-01/Accounts/AC42/Messages.json");
    assert_eq!(seen[0].auth, basic("AC42", "twilio-token"));
    assert_eq!(
        seen[0].form,
        vec![
            ("To".into(), "+14155550100".into()),
            ("From".into(), "+15005550006".into()),
            ("Body".into(), "Hi there".into())
        ]
    );
    assert_eq!(seen[1].path, "/v1/Accounts/acme/Sms/send.json");
    assert_eq!(seen[1].auth, basic("exo-key", "exo-token"));
    assert_eq!(
        seen[1].form,
        vec![
            ("From".into(), "08039591234".into()),
            ("To".into(), "+919812345678".into()),
            ("Body".into(), "Namaste".into())
        ]
    );
}

#[tokio::test]
async fn sms_effect_goes_through_the_calls_provider() {
    let w = world(true, CallLimits::default()).await;
    // Twilio: the flow texts the caller and takes `sent`.
    let mut call = Call::new(w.router(), "notify", "CA-in-1");
    let doc = call.start_with_vars(&json!({"order_id": "A-17"})).await;
    assert!(
        doc.said_text()
            .contains("We sent you a text about order A-17"),
        "{}",
        doc.body
    );
    // Exotel: same flow, through Exotel's SMS API.
    let mut exo = ivr_tests::exotel::ExotelCall::new(w.router(), "notify", "exo-in-1");
    exo.from = "+919812345678".into();
    exo.start().await;
    assert!(
        exo.said().iter().any(|s| s.contains("We sent you a text")),
        "{:?}",
        exo.said()
    );
    let seen = w.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].path, "/2010-04-01/Accounts/AC42/Messages.json");
    assert_eq!(seen[0].field("To"), Some("+919812345678"));
    assert_eq!(seen[0].field("Body"), Some("Order A-17 is on its way."));
    assert_eq!(seen[1].path, "/v1/Accounts/acme/Sms/send.json");
    assert_eq!(seen[1].field("To"), Some("+919812345678"));
}

#[tokio::test]
async fn sms_failure_takes_the_failed_exit_and_api_shows_provider_message() {
    let w = world(true, CallLimits::default()).await;
    let mut call = Call::new(w.router(), "notify", "CA-in-2");
    call.from = "+14155550000".into();
    let doc = call.start().await;
    assert!(
        doc.said_text().contains("We could not send a text"),
        "{}",
        doc.body
    );
    let (status, body) = w
        .api(
            Method::POST,
            "/api/sms",
            Some(json!({"to": "+14155550000", "text": "x", "provider": "twilio"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["provider_code"], "21211");
    assert_eq!(
        body["provider_message"],
        "The 'To' number +14155550000 is not a valid phone number."
    );
}

#[tokio::test]
async fn placed_twilio_call_runs_the_flow_with_its_vars_and_is_tracked() {
    let w = world(true, CallLimits::default()).await;
    let (status, body) = w.api(Method::POST, "/api/calls", Some(json!({"to": "+919812345678", "flow": "notify", "provider": "twilio", "vars": {"order_id": "B-9"}}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], "CA0001");
    let placed = w.seen()[0].clone();
    assert_eq!(placed.path, "/2010-04-01/Accounts/AC42/Calls.json");
    assert_eq!(placed.auth, basic("AC42", "twilio-token"));
    assert_eq!(placed.field("To"), Some("+919812345678"));
    assert_eq!(placed.field("From"), Some("+15005550006"));
    assert_eq!(
        placed.field("StatusCallback"),
        Some("http://ivr.test/twilio/notify/status")
    );
    assert_eq!(
        placed.all("StatusCallbackEvent"),
        vec!["initiated", "ringing", "answered", "completed"]
    );
    assert_eq!(placed.field("StatusCallbackMethod"), Some("POST"));
    let url = placed.field("Url").unwrap().to_string();
    assert!(
        url.starts_with("http://ivr.test/twilio/notify?ivr_vars="),
        "{url}"
    );

    // Before it is answered, the history shows it ringing.
    let (status, record) = w.api(Method::GET, "/api/calls/CA0001", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(record["status"], "ringing");
    assert_eq!(record["caller"]["direction"], "outbound");

    // Twilio answers: it requests the Url it was given.
    let mut call = Call::new(w.router(), "notify", "CA0001");
    let doc = call.post(&url, &[("Direction", "outbound-api")]).await;
    assert!(doc.said_text().contains("order B-9"), "{}", doc.body);
    let (_, record) = w.api(Method::GET, "/api/calls/CA0001", None).await;
    assert_eq!(record["flow"], "notify");
    assert_ne!(record["status"], "ringing");
    let status_doc = call
        .post(
            "http://ivr.test/twilio/notify/status",
            &[("CallStatus", "completed")],
        )
        .await;
    assert_eq!(status_doc.status, StatusCode::NO_CONTENT);
    let (_, record) = w.api(Method::GET, "/api/calls/CA0001", None).await;
    assert_eq!(record["status"], "completed");
}

#[tokio::test]
async fn placed_exotel_call_connects_to_the_app_and_status_callbacks_update_it() {
    let w = world(true, CallLimits::default()).await;
    let (status, body) = w.api(Method::POST, "/api/calls", Some(json!({"to": "+919812345678", "flow": "notify", "provider": "exotel", "vars": {"order_id": "C-3"}}))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], "exo-call-1");
    let placed = w.seen()[0].clone();
    assert_eq!(placed.path, "/v1/Accounts/acme/Calls/connect.json");
    assert_eq!(placed.auth, basic("exo-key", "exo-token"));
    assert_eq!(placed.field("From"), Some("+919812345678"));
    assert_eq!(placed.field("CallerId"), Some("08039591234"));
    assert_eq!(
        placed.field("Url"),
        Some("http://my.exotel.com/acme/exoml/start_voice/4321")
    );
    assert_eq!(
        placed.field("StatusCallback"),
        Some("http://ivr.test/exotel/notify/status")
    );
    let custom: Value = serde_json::from_str(placed.field("CustomField").unwrap()).unwrap();
    assert_eq!(
        custom,
        json!({"flow": "notify", "vars": {"order_id": "C-3"}})
    );

    let (_, record) = w.api(Method::GET, "/api/calls/exo-call-1", None).await;
    assert_eq!(record["status"], "ringing");
    // Nobody answers: Exotel's StatusCallback says so.
    let request = Request::post("/exotel/notify/status")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "CallSid=exo-call-1&Status=no-answer&DateUpdated=2026-01-05+10%3A01%3A00",
        ))
        .unwrap();
    let response = w.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (_, record) = w.api(Method::GET, "/api/calls/exo-call-1", None).await;
    assert_eq!(record["status"], "no_answer");
}

#[tokio::test]
async fn invalid_numbers_are_refused_before_any_provider_is_asked() {
    let w = world(true, CallLimits::default()).await;
    for to in ["09812345678", "+12", "not a number"] {
        let (status, body) = w
            .api(
                Method::POST,
                "/api/calls",
                Some(json!({"to": to, "flow": "notify", "provider": "twilio"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{to}: {body}");
        assert!(body["error"].as_str().unwrap().contains("E.164"), "{body}");
    }
    let (status, _) = w
        .api(
            Method::POST,
            "/api/calls",
            Some(json!({"to": "+14155550100", "flow": "nope", "provider": "twilio"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(w.seen().is_empty());
}

#[tokio::test]
async fn provider_errors_are_surfaced_with_their_message() {
    let w = world(true, CallLimits::default()).await;
    let (status, body) = w
        .api(
            Method::POST,
            "/api/calls",
            Some(json!({"to": "+14155550000", "flow": "notify", "provider": "twilio"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["provider_status"], 400);
    assert_eq!(body["provider_code"], "21211");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("is not a valid phone number"),
        "{body}"
    );
    let (status, body) = w
        .api(
            Method::POST,
            "/api/calls",
            Some(json!({"to": "+919812340000", "flow": "notify", "provider": "exotel"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        body["provider_message"],
        "+919812340000 is not a valid phone number"
    );
    // A refused call leaves no record.
    let (status, _) = w.api(Method::GET, "/api/calls/CA0001", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn missing_credentials_are_a_clear_error() {
    let w = world(false, CallLimits::default()).await;
    let (status, body) = w
        .api(
            Method::POST,
            "/api/calls",
            Some(json!({"to": "+14155550100", "flow": "notify", "provider": "twilio"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "not configured: set TWILIO_FROM");
    let (status, body) = w
        .api(
            Method::POST,
            "/api/sms",
            Some(json!({"to": "+14155550100", "text": "x", "provider": "exotel"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "not configured: set EXOTEL_CALLER_ID");
    // In a call, the SMS node takes `failed`.
    let mut call = Call::new(w.router(), "notify", "CA-in-3");
    let doc = call.start().await;
    assert!(
        doc.said_text().contains("We could not send a text"),
        "{}",
        doc.body
    );
    assert!(w.seen().is_empty());
}

#[tokio::test]
async fn placing_calls_is_rate_limited() {
    let limits = CallLimits {
        global: Rate {
            burst: 3,
            every: std::time::Duration::from_secs(3600),
        },
        per_destination: Rate {
            burst: 2,
            every: std::time::Duration::from_secs(3600),
        },
    };
    let w = world(true, limits).await;
    let place = |to: &'static str| {
        w.api(
            Method::POST,
            "/api/calls",
            Some(json!({"to": to, "flow": "notify", "provider": "twilio"})),
        )
    };
    assert_eq!(place("+14155550100").await.0, StatusCode::CREATED);
    assert_eq!(place("+14155550100").await.0, StatusCode::CREATED);
    let (status, body) = place("+14155550100").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body["error"].as_str().unwrap().contains("this number"));
    assert_eq!(place("+14155550101").await.0, StatusCode::CREATED);
    let (status, body) = place("+14155550102").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("too many calls placed")
    );
    assert_eq!(w.seen().len(), 3);
}

/// The claims of a JWT, read without trusting it.
fn claims(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

#[tokio::test]
async fn the_browser_phone_token_carries_a_voice_grant_for_the_twiml_app() {
    let w = world(true, CallLimits::default()).await;
    let (status, body) = w
        .api(
            Method::POST,
            "/api/twilio/token",
            Some(json!({"identity": "alice", "ttl": 600})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["identity"], "alice");
    let token = body["token"].as_str().unwrap();
    let claims = claims(token);
    assert_eq!(claims["iss"], "SK42");
    assert_eq!(claims["sub"], "AC42");
    assert_eq!(claims["exp"], body["expires_at"]);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        600
    );
    assert_eq!(claims["grants"]["identity"], "alice");
    assert_eq!(
        claims["grants"]["voice"]["outgoing"]["application_sid"],
        "AP42"
    );

    for bad in [
        json!({"identity": "a b"}),
        json!({"identity": "x", "ttl": 0}),
        json!({}),
    ] {
        let (status, body) = w
            .api(Method::POST, "/api/twilio/token", Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string(), "{bad} -> {body}");
    }
}

#[tokio::test]
async fn without_an_api_key_no_token_is_issued_and_the_missing_setting_is_named() {
    let w = world(false, CallLimits::default()).await;
    let (status, body) = w
        .api(
            Method::POST,
            "/api/twilio/token",
            Some(json!({"identity": "alice"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "not configured: set TWILIO_API_KEY_SECRET");
}
