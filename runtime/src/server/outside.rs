//! The outside world: SMS and placed calls through the providers' REST APIs.
//! Each provider's [`RestApi`](crate::providers::rest::RestApi) builds the
//! requests and reads the answers; this only sends them.

use std::time::Duration;

use crate::providers::rest::{CallRecord, Exchange, Placement, RestError, RestMethod};
use crate::providers::{Provider, ProvidersConfig};

/// A call the provider accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    /// The provider's call id: the id its webhooks and status callbacks
    /// will carry.
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

    /// Send an SMS; the provider's message id. `dlt_template`: the
    /// message's template id in India's DLT registry, where the provider
    /// takes one, with the entity id from the configuration.
    pub async fn sms(
        &self,
        provider: Provider,
        to: &str,
        text: &str,
        dlt_template: Option<&str>,
    ) -> Result<String, RestError> {
        let exchange = self.config.api(provider).sms(to, text, dlt_template)?;
        self.send(exchange).await
    }

    /// Place a call that runs a flow when answered.
    pub async fn call(&self, p: &Placement<'_>) -> Result<Placed, RestError> {
        let (exchange, from) = self.config.api(p.provider).call(p)?;
        let call_id = self.send(exchange).await?;
        Ok(Placed { call_id, from })
    }

    /// What the provider knows of call `sid`.
    pub async fn call_record(
        &self,
        provider: Provider,
        sid: &str,
    ) -> Result<CallRecord, RestError> {
        let exchange = self.config.api(provider).fetch_call(sid)?;
        self.send(exchange).await
    }

    /// The provider's newest calls to `to`, in progress ones included; None
    /// when the provider cannot list those.
    pub async fn calls_to(
        &self,
        provider: Provider,
        to: &str,
    ) -> Result<Option<Vec<CallRecord>>, RestError> {
        match self.config.api(provider).calls_to(to)? {
            Some(exchange) => self.send(exchange).await.map(Some),
            None => Ok(None),
        }
    }

    async fn send<T>(&self, exchange: Exchange<T>) -> Result<T, RestError> {
        let Exchange { request, parse } = exchange;
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
