//! A small Exotel emulator: it runs the generic app the way Exotel would —
//! Passthru, then the Switch Case on `{"select": …}`, then the chosen
//! applet's dynamic URL (HEAD first for Greeting and SMS), then back to the
//! Passthru with the applet's outcome — checking every answer's format.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

/// What one applet did, for transcripts and snapshots.
#[derive(Clone, Debug)]
pub struct Heard {
    pub applet: String,
    pub body: String,
}

pub struct ExotelCall {
    pub router: Router,
    pub flow: String,
    pub sid: String,
    pub from: String,
    /// Path prefix: `/exotel` or `/exotel/{secret}`.
    pub prefix: String,
    /// Extra Passthru parameters for the start of the call (CustomField…).
    pub start_params: Vec<(String, String)>,
    /// Every applet answer, in order.
    pub heard: Vec<Heard>,
    /// The applet the Switch Case runs now.
    pub current: Option<String>,
    clock: u32,
}

/// An HTTP answer.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl ExotelCall {
    pub fn new(router: Router, flow: &str, sid: &str) -> ExotelCall {
        ExotelCall {
            router,
            flow: flow.into(),
            sid: sid.into(),
            from: "09812345678".into(),
            prefix: "/exotel".into(),
            start_params: Vec::new(),
            heard: Vec::new(),
            current: None,
            clock: 0,
        }
    }

    fn query(&mut self, extra: &[(&str, &str)]) -> String {
        self.clock += 1;
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("CallSid", &self.sid)
            .append_pair("CallFrom", &self.from)
            .append_pair("CallTo", "08045671200")
            .append_pair("Direction", "incoming")
            .append_pair(
                "CurrentTime",
                &format!("2026-01-05 15:30:{:02}", self.clock % 60),
            );
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        q.finish()
    }

    pub async fn request(&self, method: Method, path: &str, query: &str) -> Answer {
        let uri = format!("{}/{}/{path}?{query}", self.prefix, self.flow);
        let response = self
            .router
            .clone()
            .oneshot(
                Request::builder()
                    .method(method)
                    .uri(uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        Answer {
            status,
            content_type,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    /// One Passthru with `extra` parameters, then the applets it leads to,
    /// until one waits for the caller or the world (or the call ends).
    pub async fn passthru(&mut self, extra: &[(&str, &str)]) -> StatusCode {
        let mut extra: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if self.current.is_none() {
            extra.extend(self.start_params.clone());
        }
        // Generous: a caller on hold loops Passthru → Greeting a few times.
        for _ in 0..40 {
            let pairs: Vec<(&str, &str)> = extra
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let query = self.query(&pairs);
            let answer = self.request(Method::GET, "passthru", &query).await;
            if answer.status != StatusCode::OK {
                return answer.status;
            }
            assert!(
                answer.content_type.starts_with("text/plain"),
                "Switch Case input is text/plain: {}",
                answer.content_type
            );
            let select: serde_json::Value =
                serde_json::from_str(&answer.body).expect("{\"select\": …}");
            let applet = select["select"].as_str().expect("a case name").to_string();
            self.current = Some(applet.clone());
            extra.clear();
            match applet.as_str() {
                "greeting" | "sms" => {
                    let query = self.query(&[]);
                    let head = self.request(Method::HEAD, &applet, &query).await;
                    let get = self.request(Method::GET, &applet, &query).await;
                    assert_eq!(head.status, StatusCode::OK);
                    assert_eq!(
                        head.content_type, get.content_type,
                        "HEAD answers the same headers"
                    );
                    assert!(head.body.is_empty(), "HEAD has no body");
                    assert!(
                        get.content_type.starts_with("text/plain"),
                        "{applet} answers text/plain"
                    );
                    self.heard.push(Heard {
                        applet,
                        body: get.body,
                    });
                    // Both run and return to the Passthru on their own.
                }
                "gather" | "connect" | "voicebot" => {
                    let query = self.query(&[]);
                    let get = self.request(Method::GET, &applet, &query).await;
                    assert!(
                        get.content_type.starts_with("application/json"),
                        "{applet} answers JSON"
                    );
                    let json: serde_json::Value =
                        serde_json::from_str(&get.body).expect("valid JSON");
                    match applet.as_str() {
                        "gather" => assert!(
                            json["max_input_digits"].is_u64() && json["gather_prompt"].is_object(),
                            "{json}"
                        ),
                        "connect" => assert!(json["destination"]["numbers"].is_array(), "{json}"),
                        _ => assert!(json["url"].is_string(), "{json}"),
                    }
                    self.heard.push(Heard {
                        applet,
                        body: get.body,
                    });
                    return StatusCode::OK;
                }
                "voicemail" => {
                    self.heard.push(Heard {
                        applet,
                        body: String::new(),
                    });
                    return StatusCode::OK;
                }
                "hangup" => {
                    self.heard.push(Heard {
                        applet,
                        body: String::new(),
                    });
                    return StatusCode::OK;
                }
                other => panic!("unknown case {other}"),
            }
        }
        panic!("the app looped 40 times without waiting");
    }

    pub async fn start(&mut self) -> StatusCode {
        self.passthru(&[]).await
    }

    /// Exotel wraps the keys in double quotes.
    pub async fn press(&mut self, digits: &str) -> StatusCode {
        self.passthru(&[("digits", &format!("\"{digits}\""))]).await
    }

    pub async fn silence(&mut self) -> StatusCode {
        self.passthru(&[("digits", "\"\"")]).await
    }

    pub async fn dial_ends(&mut self, status: &str) -> StatusCode {
        self.passthru(&[("DialCallStatus", status)]).await
    }

    pub async fn recorded(&mut self, url: Option<&str>) -> StatusCode {
        match url {
            Some(u) => self.passthru(&[("RecordingUrl", u)]).await,
            None => self.passthru(&[]).await,
        }
    }

    pub fn ended(&self) -> bool {
        self.current.as_deref() == Some("hangup")
    }

    /// Everything said or asked, in order.
    pub fn said(&self) -> Vec<String> {
        self.heard
            .iter()
            .filter_map(|h| match h.applet.as_str() {
                "greeting" => Some(h.body.clone()),
                "gather" => serde_json::from_str::<serde_json::Value>(&h.body).ok()?["gather_prompt"]["text"].as_str().map(str::to_string),
                _ => None,
            })
            .collect()
    }
}
