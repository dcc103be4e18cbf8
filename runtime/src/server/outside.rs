//! The outside world: SMS and placed calls through the providers' REST APIs.
//! The providers' `api` modules build the requests and read the answers;
//! this only sends them.

use std::collections::BTreeMap;
use std::time::Duration;

use super::providers_config::ProvidersConfig;
use crate::providers::rest::{CallRecord, RestError, RestMethod, RestRequest};
use crate::providers::{Provider, exotel, twilio};

/// A call to place: `to` answers and runs `flow` with `vars`.
#[derive(Clone, Debug)]
pub struct Placement<'a> {
    pub provider: Provider,
    pub to: &'a str,
    /// Overrides the configured number (`TWILIO_FROM` / `EXOTEL_CALLER_ID`).
    pub from: Option<&'a str>,
    pub flow: &'a str,
    pub vars: &'a BTreeMap<String, serde_json::Value>,
    /// Our public base URL, for the webhook and status callback URLs.
    pub base_url: &'a str,
    /// The Exotel secret path segment, when one is configured.
    pub exotel_secret: Option<&'a str>,
    /// A query string for the status callback URL, so its callbacks say
    /// which campaign attempt the call was (`ivr_campaign=…&ivr_entry=…`).
    pub status_tag: Option<&'a str>,
    /// Ask the provider who answered (the flow reads `call.answered_by`);
    /// Twilio only — Exotel's calls read `unknown`.
    pub detect_machine: bool,
}

/// A call the provider accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    /// The provider's call id (Twilio `CA…`, Exotel `Call.Sid`): the id its
    /// webhooks and status callbacks will carry.
    pub call_id: String,
    /// The number the call shows (ours).
    pub from: String,
}

/// Sends provider REST requests with one HTTP client.
pub struct Outside {
    client: reqwest::Client,
    pub config: ProvidersConfig,
}

impl Outside {
    pub fn new(config: ProvidersConfig) -> Outside {
        // rustls needs a crypto provider chosen once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("ivr/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Outside { client, config }
    }

    /// Send an SMS; the provider's message id.
    pub async fn sms(&self, provider: Provider, to: &str, text: &str) -> Result<String, RestError> {
        match provider {
            Provider::Twilio => {
                let (account, from) = self.config.twilio()?;
                self.send(&account.sms(&from, to, text), twilio::api::parse)
                    .await
            }
            Provider::Exotel => {
                let (account, from) = self.config.exotel()?;
                self.send(&account.sms(&from, to, text), exotel::api::parse)
                    .await
            }
        }
    }

    /// Place a call that runs a flow when answered.
    pub async fn call(&self, p: &Placement<'_>) -> Result<Placed, RestError> {
        let vars = serde_json::to_string(p.vars).unwrap_or_else(|_| "{}".into());
        match p.provider {
            Provider::Twilio => {
                let (account, default_from) = self.config.twilio()?;
                let from = p.from.map_or(default_from, str::to_string);
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("ivr_vars", &vars)
                    .finish();
                let url = format!("{}/twilio/{}?{query}", p.base_url, p.flow);
                let status = tagged(format!("{}/twilio/{}/status", p.base_url, p.flow), p);
                let request = account.call(&from, p.to, &url, &status, p.detect_machine);
                let call_id = self.send(&request, twilio::api::parse).await?;
                Ok(Placed { call_id, from })
            }
            Provider::Exotel => {
                let (account, default_from) = self.config.exotel()?;
                let app_id = self.config.exotel_app_id()?;
                let from = p.from.map_or(default_from, str::to_string);
                let custom = serde_json::json!({ "flow": p.flow, "vars": p.vars }).to_string();
                let prefix = match p.exotel_secret {
                    Some(secret) => format!("{}/exotel/{secret}", p.base_url),
                    None => format!("{}/exotel", p.base_url),
                };
                let status = tagged(format!("{prefix}/{}/status", p.flow), p);
                let request = account.call(p.to, &from, app_id, &custom, &status);
                let call_id = self.send(&request, exotel::api::parse).await?;
                Ok(Placed { call_id, from })
            }
        }
    }

    /// What the provider knows of call `sid`.
    pub async fn call_record(
        &self,
        provider: Provider,
        sid: &str,
    ) -> Result<CallRecord, RestError> {
        match provider {
            Provider::Twilio => {
                let (account, _) = self.config.twilio()?;
                self.send(&account.fetch_call(sid), twilio::lookup::parse_call)
                    .await
            }
            Provider::Exotel => {
                let (account, _) = self.config.exotel()?;
                self.send(&account.fetch_call(sid), exotel::lookup::parse_call)
                    .await
            }
        }
    }

    /// The provider's newest calls to `to`, in progress ones included; None
    /// when the provider cannot list those (Exotel).
    pub async fn calls_to(
        &self,
        provider: Provider,
        to: &str,
    ) -> Result<Option<Vec<CallRecord>>, RestError> {
        match provider {
            Provider::Twilio => {
                let (account, _) = self.config.twilio()?;
                self.send(&account.calls_to(to), twilio::lookup::parse_calls)
                    .await
                    .map(Some)
            }
            Provider::Exotel => Ok(None),
        }
    }

    async fn send<T>(
        &self,
        request: &RestRequest,
        parse: fn(u16, &str) -> Result<T, RestError>,
    ) -> Result<T, RestError> {
        let builder = match request.method {
            RestMethod::Post => self.client.post(&request.url).form(&request.form),
            RestMethod::Get => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&request.form)
                    .finish();
                let url = if query.is_empty() {
                    request.url.clone()
                } else {
                    format!("{}?{query}", request.url)
                };
                self.client.get(url)
            }
        };
        let response = builder
            .basic_auth(&request.user, Some(&request.password))
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| RestError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| RestError::Unreachable(e.to_string()))?;
        let result = parse(status, &body);
        if let Err(e) = &result {
            tracing::warn!(url = ?request.url, error = %e, "provider REST request failed");
        }
        result
    }
}

/// The status callback URL with the placement's tag, if any.
fn tagged(url: String, p: &Placement<'_>) -> String {
    match p.status_tag {
        Some(tag) => format!("{url}?{tag}"),
        None => url,
    }
}
