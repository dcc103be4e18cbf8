//! A voice agent, as much of one as the runtime sees (docs/agents.md): it
//! is started with parameters (Twilio `<Stream><Parameter>`s, or the
//! Exotel Voicebot URL's query), finds the result URL and token among them,
//! and posts its result there before it ends the stream.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use crate::twilio::Doc;

/// The runtime's parameters to one agent.
#[derive(Clone, Debug)]
pub struct Agent {
    pub params: Vec<(String, String)>,
    pub result_url: String,
    pub token: String,
}

/// What the runtime answered a post.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

impl Agent {
    pub fn from_params(params: Vec<(String, String)>) -> Agent {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("the agent was not given `{name}`: {params:?}"))
        };
        let (result_url, token) = (get("ivr_result_url"), get("ivr_result_token"));
        Agent {
            params,
            result_url,
            token,
        }
    }

    /// The agent a TwiML `<Connect>` starts.
    pub fn from_twiml(doc: &Doc) -> Agent {
        let connect = doc
            .verb("Connect")
            .expect("the TwiML hands off to an agent");
        let stream = &connect.children[0];
        let params = stream
            .children
            .iter()
            .map(|p| {
                (
                    p.attr("name").unwrap_or_default().to_string(),
                    p.attr("value").unwrap_or_default().to_string(),
                )
            })
            .collect();
        Agent::from_params(params)
    }

    /// The agent an Exotel Voicebot applet answer (`{"url": …}`) starts.
    pub fn from_voicebot(body: &str) -> Agent {
        let json: serde_json::Value = serde_json::from_str(body).expect("voicebot JSON");
        let url = url::Url::parse(json["url"].as_str().expect("a url")).expect("a valid url");
        Agent::from_params(url.query_pairs().into_owned().collect())
    }

    /// Post `result` with the token, as a well-behaved agent does.
    pub async fn post(&self, router: &Router, result: &serde_json::Value) -> Answer {
        let bearer = format!("Bearer {}", self.token);
        self.post_raw(router, Some(&bearer), result.to_string().into_bytes())
            .await
    }

    /// Post anything, with any `Authorization` (or none).
    pub async fn post_raw(
        &self,
        router: &Router,
        authorization: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let url = url::Url::parse(&self.result_url).expect("an absolute result URL");
        post_json(router, url.path(), authorization, body).await
    }
}

/// POST a JSON body to `path` on `router`.
pub async fn post_json(
    router: &Router,
    path: &str,
    authorization: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some(auth) = authorization {
        request = request.header("authorization", auth);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .expect("router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Answer { status, body }
}
