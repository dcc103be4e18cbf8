//! A fake telephony provider for campaign tests and the campaign benchmark:
//! Twilio's `Calls.json` (create, fetch, list) and Exotel's
//! `Calls/connect.json` and `Calls/{Sid}.json`, checked as documented
//! (method, path, Basic auth, required fields). Unlike a bare REST fake it
//! *plays the calls*: each placed call rings for a while, ends with an
//! outcome the test scripts per number and attempt, and the fake posts the
//! status callback to the URL it was given, as the provider would. A
//! callback that cannot be delivered (our runtime is down) is lost, as with
//! the real providers; the call's final status stays readable by `GET`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

pub const TWILIO_SID: &str = "AC42";
pub const TWILIO_TOKEN: &str = "twilio-token";
pub const EXOTEL_SID: &str = "acme";
pub const EXOTEL_KEY: &str = "exo-key";
pub const EXOTEL_TOKEN: &str = "exo-token";

/// How attempt `n` (1-based) to `number` ends: `completed`, `busy`,
/// `no-answer`, `failed`.
pub type Script = Arc<dyn Fn(&str, usize) -> &'static str + Send + Sync>;

/// One call the fake placed.
#[derive(Clone, Debug)]
pub struct Placed {
    pub sid: String,
    pub to: String,
    pub status: String,
    pub at: Instant,
    /// The URL the provider requests once the call is answered (Twilio's
    /// `Url`, the voice webhook; Exotel's app URL).
    pub url: String,
    /// The status callback URL (with our campaign tag, if any).
    pub callback: String,
    pub created_ms: i64,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Placed>,
    /// Index of each call in `calls`, by sid; calls so far, by number.
    by_sid: HashMap<String, usize>,
    by_number: HashMap<String, usize>,
    active: usize,
    max_active: usize,
    lost_callbacks: usize,
    next: u64,
}

#[derive(Clone)]
pub struct FakeProvider {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    script: Script,
    ring: Duration,
    client: reqwest::Client,
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn json_answer(status: StatusCode, v: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn rfc2822(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    jiff::fmt::rfc2822::to_string(&ts.to_zoned(jiff::tz::TimeZone::UTC)).unwrap_or_default()
}

impl FakeProvider {
    /// Start the fake on a free local port. Every call rings for `ring`.
    pub async fn start(script: Script, ring: Duration) -> FakeProvider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeProvider {
            base,
            inner: Arc::default(),
            script,
            ring,
            client: {
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap()
            },
        };
        let router = Router::new().fallback(handle).with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        fake
    }

    /// Provider settings as the runtime reads them from the environment.
    pub fn env(&self) -> impl Fn(&str) -> Option<String> + use<> {
        let base = self.base.clone();
        move |name: &str| {
            let v = match name {
                "TWILIO_API_BASE" | "EXOTEL_API_BASE" => base.as_str(),
                "TWILIO_ACCOUNT_SID" => TWILIO_SID,
                "TWILIO_AUTH_TOKEN" => TWILIO_TOKEN,
                "TWILIO_FROM" => "+15005550006",
                "EXOTEL_SID" => EXOTEL_SID,
                "EXOTEL_API_KEY" => EXOTEL_KEY,
                "EXOTEL_API_TOKEN" => EXOTEL_TOKEN,
                "EXOTEL_CALLER_ID" => "08039591234",
                "EXOTEL_APP_ID" => "4321",
                _ => return None,
            };
            Some(v.to_string())
        }
    }

    pub fn calls(&self) -> Vec<Placed> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// How many times each number was dialled.
    pub fn dials(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for call in self.calls() {
            *out.entry(call.to).or_insert(0) += 1;
        }
        out
    }

    /// The most calls in progress at once.
    pub fn max_active(&self) -> usize {
        self.inner.lock().unwrap().max_active
    }

    /// Status callbacks that could not be delivered.
    pub fn lost_callbacks(&self) -> usize {
        self.inner.lock().unwrap().lost_callbacks
    }

    fn place(&self, to: &str, url: &str, callback: &str, exotel: bool) -> Placed {
        let mut inner = self.inner.lock().unwrap();
        inner.next += 1;
        let sid = if exotel {
            format!("exo{:029x}", inner.next)
        } else {
            format!("CA{:032x}", inner.next)
        };
        let placed = Placed {
            sid,
            to: to.to_string(),
            status: "queued".into(),
            at: Instant::now(),
            url: url.to_string(),
            callback: callback.to_string(),
            created_ms: jiff::Timestamp::now().as_millisecond(),
        };
        let attempt = {
            let n = inner.by_number.entry(to.to_string()).or_insert(0);
            *n += 1;
            *n
        };
        let index = inner.calls.len();
        inner.by_sid.insert(placed.sid.clone(), index);
        inner.calls.push(placed.clone());
        inner.active += 1;
        inner.max_active = inner.max_active.max(inner.active);
        drop(inner);
        let outcome = (self.script)(to, attempt);
        let fake = self.clone();
        let sid = placed.sid.clone();
        let number = to.to_string();
        let callback = callback.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(fake.ring).await;
            {
                let mut inner = fake.inner.lock().unwrap();
                inner.calls[index].status = outcome.to_string();
                inner.active -= 1;
            }
            let form: Vec<(&str, &str)> = if exotel {
                vec![("CallSid", &sid), ("Status", outcome), ("To", &number)]
            } else {
                vec![
                    ("CallSid", &sid),
                    ("AccountSid", TWILIO_SID),
                    ("CallStatus", outcome),
                    ("To", &number),
                    ("From", "+15005550006"),
                    ("Direction", "outbound-api"),
                    ("ApiVersion", "2010-04-01"),
                ]
            };
            let delivered = fake
                .client
                .post(&callback)
                .form(&form)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if !delivered {
                fake.inner.lock().unwrap().lost_callbacks += 1;
            }
        });
        placed
    }

    fn find(&self, sid: &str) -> Option<Placed> {
        let inner = self.inner.lock().unwrap();
        inner.by_sid.get(sid).map(|i| inner.calls[*i].clone())
    }
}

async fn handle(
    State(fake): State<FakeProvider>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let path = uri.path();
    let twilio = format!("/2010-04-01/Accounts/{TWILIO_SID}/");
    let exotel = format!("/v1/Accounts/{EXOTEL_SID}/");
    if let Some(resource) = path.strip_prefix(&twilio) {
        if auth != basic(TWILIO_SID, TWILIO_TOKEN) {
            return json_answer(
                StatusCode::UNAUTHORIZED,
                json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}),
            );
        }
        return twilio_calls(&fake, &method, resource, &form, &query);
    }
    if let Some(resource) = path.strip_prefix(&exotel) {
        if auth != basic(EXOTEL_KEY, EXOTEL_TOKEN) {
            return json_answer(
                StatusCode::UNAUTHORIZED,
                json!({"RestException": {"Status": 401, "Message": "Not authenticated"}}),
            );
        }
        return exotel_calls(&fake, &method, resource, &form);
    }
    StatusCode::NOT_FOUND.into_response()
}

fn twilio_call_json(call: &Placed) -> Value {
    json!({
        "sid": call.sid,
        "account_sid": TWILIO_SID,
        "to": call.to,
        "from": "+15005550006",
        "status": call.status,
        "direction": "outbound-api",
        "date_created": rfc2822(call.created_ms),
        "api_version": "2010-04-01",
    })
}

fn twilio_calls(
    fake: &FakeProvider,
    method: &Method,
    resource: &str,
    form: &HashMap<String, String>,
    query: &HashMap<String, String>,
) -> Response {
    match (method.as_str(), resource) {
        ("POST", "Calls.json") => {
            let (Some(to), Some(_from), Some(url), Some(callback)) = (
                form.get("To"),
                form.get("From"),
                form.get("Url"),
                form.get("StatusCallback"),
            ) else {
                return json_answer(
                    StatusCode::BAD_REQUEST,
                    json!({"code": 21205, "message": "Url parameter is required.", "more_info": "https://www.twilio.com/docs/errors/21205", "status": 400}),
                );
            };
            let call = fake.place(to, url, callback, false);
            json_answer(StatusCode::CREATED, twilio_call_json(&call))
        }
        ("GET", "Calls.json") => {
            let mut calls: Vec<Placed> = fake
                .calls()
                .into_iter()
                .filter(|c| query.get("To").is_none_or(|to| *to == c.to))
                .collect();
            calls.reverse();
            let page: Vec<Value> = calls.iter().take(20).map(twilio_call_json).collect();
            json_answer(
                StatusCode::OK,
                json!({"calls": page, "page": 0, "page_size": 20, "start": 0, "next_page_uri": null}),
            )
        }
        ("GET", one) if one.starts_with("Calls/") && one.ends_with(".json") => {
            let sid = &one["Calls/".len()..one.len() - ".json".len()];
            match fake.find(sid) {
                Some(call) => json_answer(StatusCode::OK, twilio_call_json(&call)),
                None => json_answer(
                    StatusCode::NOT_FOUND,
                    json!({"code": 20404, "message": "The requested resource was not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}),
                ),
            }
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

fn exotel_calls(
    fake: &FakeProvider,
    method: &Method,
    resource: &str,
    form: &HashMap<String, String>,
) -> Response {
    match (method.as_str(), resource) {
        ("POST", "Calls/connect.json") => {
            let (Some(to), Some(_caller), Some(url), Some(callback)) = (
                form.get("From"),
                form.get("CallerId"),
                form.get("Url"),
                form.get("StatusCallback"),
            ) else {
                return json_answer(
                    StatusCode::BAD_REQUEST,
                    json!({"RestException": {"Status": 400, "Message": "Missing parameter"}}),
                );
            };
            let call = fake.place(to, url, callback, true);
            json_answer(
                StatusCode::OK,
                json!({"Call": {"Sid": call.sid, "Status": "in-progress", "Direction": "outbound-api", "To": to}}),
            )
        }
        ("GET", one) if one.starts_with("Calls/") && one.ends_with(".json") => {
            let sid = &one["Calls/".len()..one.len() - ".json".len()];
            match fake.find(sid) {
                Some(call) => json_answer(
                    StatusCode::OK,
                    json!({"Call": {"Sid": call.sid, "Status": call.status, "To": call.to, "Direction": "outbound-api"}}),
                ),
                None => json_answer(
                    StatusCode::NOT_FOUND,
                    json!({"RestException": {"Status": 404, "Message": "Not Found"}}),
                ),
            }
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

/// A runtime app serving the repository's flows/ at `addr`, placing calls
/// through `fake` (its dialer and HTTP server are the caller's to start).
pub fn runtime_app(
    store: ivr_runtime::store::Store,
    fake: &FakeProvider,
    addr: std::net::SocketAddr,
    dialer: ivr_runtime::server::dialer::DialerConfig,
) -> ivr_runtime::server::App {
    use ivr_runtime::server::{App, Config, Outside, ProvidersConfig, effects::Live};
    let config = Config {
        flows_dir: crate::root().join("flows"),
        public_url: Some(format!("http://{addr}")),
        dialer,
        ..Config::default()
    };
    let outside = Arc::new(Outside::new(ProvidersConfig::from_lookup(fake.env())));
    let mut app = App::with(
        config.clone(),
        store,
        Arc::new(Live::with_outside(outside.clone())),
    );
    app.outside = outside;
    let report = app.registry.sync_dir(&config.flows_dir);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    app
}
