//! A small Twilio emulator: it places a call on the router, reads the TwiML it
//! gets back the way Twilio would (checking the document is legal), and
//! follows the `action` URLs as the caller presses keys, stays silent, or as
//! dials and queues end. Requests are signed when a token is given.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use quick_xml::Reader;
use quick_xml::events::Event as Xml;
use tower::ServiceExt;

/// One TwiML element.
#[derive(Clone, Debug, PartialEq)]
pub struct Verb {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Verb>,
}

impl Verb {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A TwiML response as Twilio sees it.
#[derive(Clone, Debug)]
pub struct Doc {
    pub status: StatusCode,
    pub body: String,
    pub verbs: Vec<Verb>,
}

impl Doc {
    /// Everything said, in order, including inside Gather.
    pub fn said(&self) -> Vec<String> {
        fn walk(v: &[Verb], out: &mut Vec<String>) {
            for verb in v {
                if verb.name == "Say" {
                    out.push(verb.text.clone());
                }
                walk(&verb.children, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.verbs, &mut out);
        out
    }

    pub fn said_text(&self) -> String {
        self.said().join(" ")
    }

    /// The first verb with this name, at the top level.
    pub fn verb(&self, name: &str) -> Option<&Verb> {
        self.verbs.iter().find(|v| v.name == name)
    }

    /// Where a `<Redirect>` (a hold) sends Twilio next.
    pub fn redirect(&self) -> Option<&str> {
        self.verb("Redirect").map(|v| v.text.as_str())
    }

    pub fn hangs_up(&self) -> bool {
        self.verbs.last().is_some_and(|v| v.name == "Hangup")
    }

    /// The action URL of the verb that waits (Gather, Dial, Enqueue, Record, Connect).
    pub fn action(&self) -> Option<&str> {
        self.verbs
            .iter()
            .find(|v| {
                matches!(
                    v.name.as_str(),
                    "Gather" | "Dial" | "Enqueue" | "Record" | "Connect"
                )
            })
            .and_then(|v| v.attr("action"))
    }
}

/// Parse and validate TwiML: XML declaration first, one Response root, legal nesting.
pub fn parse(body: &str) -> Vec<Verb> {
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "TwiML must start with the XML declaration: {body}"
    );
    assert!(body.len() <= 64 * 1024, "TwiML over 64 kB");
    let mut reader = Reader::from_str(body);
    let mut stack: Vec<Verb> = vec![Verb {
        name: "#document".into(),
        attrs: vec![],
        text: String::new(),
        children: vec![],
    }];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Xml::Start(e) => stack.push(element(&e)),
            Xml::Empty(e) => {
                let v = element(&e);
                stack.last_mut().unwrap().children.push(v);
            }
            Xml::Text(t) => {
                let text = t.decode().expect("utf-8 text").into_owned();
                let text = quick_xml::escape::unescape(&text)
                    .expect("valid escapes")
                    .into_owned();
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Xml::GeneralRef(r) => {
                let name = r.decode().expect("utf-8").into_owned();
                let c = match name.as_str() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity &{other};"),
                };
                stack.last_mut().unwrap().text.push_str(c);
            }
            Xml::End(_) => {
                let v = stack.pop().unwrap();
                let parent = stack.last_mut().unwrap();
                if v.name == "say-as" {
                    // SSML inside `<Say>`: heard in place, as Twilio reads it.
                    assert_eq!(parent.name, "Say", "<say-as> outside <Say>");
                    parent.text.push_str(&spoken(&v));
                } else {
                    parent.children.push(v);
                }
            }
            Xml::Eof => break,
            _ => {}
        }
    }
    let document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1, "one root element");
    let response = document.children.into_iter().next().unwrap();
    assert_eq!(response.name, "Response");
    for verb in &response.children {
        check_nesting(verb);
    }
    response.children
}

/// What a voice says for `<say-as>`: digits and characters one by one;
/// other kinds as written.
fn spoken(say_as: &Verb) -> String {
    let how = say_as
        .attrs
        .iter()
        .find(|(k, _)| k == "interpret-as")
        .map(|(_, v)| v.as_str());
    match how {
        Some("digits" | "characters") => {
            let chars: Vec<String> = say_as
                .text
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(String::from)
                .collect();
            chars.join(" ")
        }
        _ => say_as.text.clone(),
    }
}

fn element(e: &quick_xml::events::BytesStart) -> Verb {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.expect("valid attribute");
            (
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .expect("valid value")
                    .into_owned(),
            )
        })
        .collect();
    Verb {
        name,
        attrs,
        text: String::new(),
        children: vec![],
    }
}

const VERBS: &[&str] = &[
    "Say", "Play", "Pause", "Gather", "Dial", "Enqueue", "Record", "Connect", "Hangup", "Redirect",
    "Leave", "Reject",
];

fn check_nesting(verb: &Verb) {
    assert!(
        VERBS.contains(&verb.name.as_str()),
        "unknown verb <{}>",
        verb.name
    );
    let allowed: &[&str] = match verb.name.as_str() {
        "Gather" => &["Say", "Play", "Pause"],
        "Dial" => &["Number", "Sip", "Client", "Queue", "Conference"],
        "Connect" => &["Stream", "ConversationRelay"],
        _ => &[],
    };
    for child in &verb.children {
        assert!(
            allowed.contains(&child.name.as_str()),
            "<{}> may not hold <{}>",
            verb.name,
            child.name
        );
        if matches!(child.name.as_str(), "Stream" | "ConversationRelay") {
            assert!(
                child.children.iter().all(|p| p.name == "Parameter"),
                "<{}> holds only <Parameter>",
                child.name
            );
        }
    }
}

/// One emulated call.
pub struct Call {
    /// The runtime instances the call's webhooks go to, in turn (one, or
    /// several replicas sharing a store).
    pub routers: Vec<Router>,
    sent: usize,
    pub base: String,
    pub flow: String,
    pub sid: String,
    pub from: String,
    pub to: String,
    pub token: Option<String>,
    /// The last document received.
    pub last: Option<Doc>,
    /// Every document received, in order.
    pub docs: Vec<Doc>,
}

impl Call {
    pub fn new(router: Router, flow: &str, sid: &str) -> Call {
        Call::across(vec![router], flow, sid)
    }

    /// A call whose webhooks alternate between replicas.
    pub fn across(routers: Vec<Router>, flow: &str, sid: &str) -> Call {
        Call {
            routers,
            sent: 0,
            base: "http://ivr.test".into(),
            flow: flow.into(),
            sid: sid.into(),
            from: "+919812345678".into(),
            to: "+918045671200".into(),
            token: None,
            last: None,
            docs: Vec::new(),
        }
    }

    fn common(&self) -> Vec<(String, String)> {
        vec![
            (
                "AccountSid".into(),
                "AC00000000000000000000000000000000".into(),
            ),
            ("CallSid".into(), self.sid.clone()),
            ("From".into(), self.from.clone()),
            ("To".into(), self.to.clone()),
            ("Direction".into(), "inbound".into()),
            ("CallStatus".into(), "in-progress".into()),
        ]
    }

    /// POST a form to an absolute URL (or a path), signed if there is a token.
    pub async fn post(&mut self, url: &str, extra: &[(&str, &str)]) -> Doc {
        // A parameter given for this request replaces the common one of that name.
        let mut params: Vec<(String, String)> = self
            .common()
            .into_iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .collect();
        params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let router = self.routers[self.sent % self.routers.len()].clone();
        self.sent += 1;
        let doc = post_form(&router, &self.base, url, &params, self.token.as_deref()).await;
        if doc.status == StatusCode::OK {
            self.docs.push(doc.clone());
            self.last = Some(doc.clone());
        }
        doc
    }

    /// The call arrives at the number's voice URL.
    pub async fn start(&mut self) -> Doc {
        let url = format!("{}/twilio/{}", self.base, self.flow);
        self.post(&url, &[]).await
    }

    /// A call we placed: its URL carries the flow's variables.
    pub async fn start_with_vars(&mut self, vars: &serde_json::Value) -> Doc {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("ivr_vars", &vars.to_string())
            .finish();
        let url = format!("{}/twilio/{}?{query}", self.base, self.flow);
        self.post(&url, &[]).await
    }

    /// A recording that caught nothing: Twilio skips the action, our
    /// `<Redirect>` requests it without a RecordingUrl.
    pub async fn recorded_nothing(&mut self) -> Doc {
        let url = self.action();
        self.post(&url, &[]).await
    }

    fn action(&self) -> String {
        self.last
            .as_ref()
            .and_then(|d| d.action())
            .expect("the last TwiML waits with an action URL")
            .to_string()
    }

    pub async fn press(&mut self, digits: &str) -> Doc {
        let url = self.action();
        self.post(&url, &[("Digits", digits)]).await
    }

    /// Gather timed out: `actionOnEmptyResult` sends an empty Digits.
    pub async fn silence(&mut self) -> Doc {
        let url = self.action();
        self.post(&url, &[("Digits", "")]).await
    }

    pub async fn speak(&mut self, text: &str) -> Doc {
        let url = self.action();
        self.post(&url, &[("SpeechResult", text), ("Confidence", "0.92")])
            .await
    }

    pub async fn dial_ends(&mut self, status: &str) -> Doc {
        let url = self.action();
        self.post(
            &url,
            &[("DialCallStatus", status), ("DialCallSid", "CA-dialled")],
        )
        .await
    }

    pub async fn queue_ends(&mut self, result: &str) -> Doc {
        let url = self.action();
        self.post(&url, &[("QueueResult", result), ("QueueTime", "42")])
            .await
    }

    pub async fn recorded(&mut self, url: &str, seconds: &str) -> Doc {
        let action = self.action();
        self.post(
            &action,
            &[("RecordingUrl", url), ("RecordingDuration", seconds)],
        )
        .await
    }

    /// Where the transcript of the newest `<Record>` that asked for one
    /// goes (`transcribeCallback`).
    pub fn transcript_url(&self) -> String {
        self.docs
            .iter()
            .rev()
            .filter_map(|d| d.verb("Record"))
            .find_map(|v| v.attr("transcribeCallback"))
            .expect("a <Record> asked for a transcript")
            .to_string()
    }

    /// Twilio posts the newest recording's transcript (`failed` when it
    /// could not make one out): a request apart from the call's turns.
    pub async fn transcribed(&mut self, text: Option<&str>) -> Doc {
        let url = self.transcript_url();
        let status = if text.is_some() {
            "completed"
        } else {
            "failed"
        };
        self.post(
            &url,
            &[
                ("TranscriptionSid", "TR0123"),
                ("TranscriptionStatus", status),
                ("TranscriptionText", text.unwrap_or("")),
                ("RecordingSid", "RE0123"),
            ],
        )
        .await
    }

    pub async fn agent_ends(&mut self, extra: &[(&str, &str)]) -> Doc {
        let url = self.action();
        self.post(&url, extra).await
    }

    /// Follow the last document's `<Redirect>`, as Twilio does once the
    /// verbs before it have played.
    pub async fn follow_redirect(&mut self) -> Doc {
        let url = self
            .last
            .as_ref()
            .and_then(|d| d.redirect())
            .expect("the last TwiML redirects")
            .to_string();
        self.post(&url, &[]).await
    }

    /// Repeat the last request exactly (a retried webhook).
    pub async fn retry(&mut self, url: &str, extra: &[(&str, &str)]) -> Doc {
        self.post(url, extra).await
    }
}

/// POST a form the way Twilio does.
pub async fn post_form(
    router: &Router,
    base: &str,
    url: &str,
    params: &[(String, String)],
    token: Option<&str>,
) -> Doc {
    // Twilio requests (and signs) exactly the URL it was given.
    let (full, path) = match url::Url::parse(url) {
        Ok(u) => {
            let path = match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            };
            (url.to_string(), path)
        }
        Err(_) => (format!("{base}{url}"), url.to_string()),
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    let mut request = Request::post(&path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "ivr.test");
    if let Some(token) = token {
        request = request.header(
            "X-Twilio-Signature",
            ivr_runtime::providers::twilio::signature::sign(token, &full, params),
        );
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .expect("router answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = String::from_utf8(bytes.to_vec()).expect("utf-8 body");
    let verbs = if status == StatusCode::OK {
        assert!(
            content_type
                .as_deref()
                .is_some_and(|c| c.starts_with("text/xml")),
            "TwiML content type, got {content_type:?}"
        );
        parse(&body)
    } else {
        Vec::new()
    };
    Doc {
        status,
        body,
        verbs,
    }
}
