//! Every provider's settings: REST credentials from the environment, and
//! what our webhook URLs are checked with. Every value is optional: a server
//! that only answers webhooks needs none of the REST ones. A request that
//! needs a missing one fails with [`RestError::NotConfigured`] naming the
//! variable; start-up only warns.
//!
//! [`RestError::NotConfigured`]: super::rest::RestError::NotConfigured

use super::rest::RestApi;
use super::{Provider, exotel, twilio};

/// The providers' REST settings, for sending SMS and placing calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProvidersConfig {
    pub twilio: twilio::Settings,
    pub exotel: exotel::Settings,
}

impl ProvidersConfig {
    /// Read the environment (empty values count as unset).
    pub fn from_env() -> ProvidersConfig {
        ProvidersConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Read settings through `lookup` (tests pass a map, not the process environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ProvidersConfig {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        ProvidersConfig {
            twilio: twilio::Settings::from_lookup(get),
            exotel: exotel::Settings::from_lookup(get),
        }
    }

    /// The REST API of `provider`.
    pub fn api(&self, provider: Provider) -> &dyn RestApi {
        match provider {
            Provider::Twilio => &self.twilio,
            Provider::Exotel => &self.exotel,
        }
    }

    /// The settings `provider` still needs, for SMS and calls alike.
    pub fn missing(&self, provider: Provider) -> Vec<&'static str> {
        self.api(provider).missing()
    }

    /// Log one warning per provider whose settings are incomplete.
    pub fn warn_missing(&self) {
        for provider in [Provider::Twilio, Provider::Exotel] {
            let missing = self.missing(provider);
            if !missing.is_empty() {
                tracing::warn!(%provider, missing = %missing.join(", "), "SMS and outbound calls through this provider will fail until these are set");
            }
        }
    }
}

/// What the providers' webhooks are checked with (`ivr serve` flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookSecrets {
    /// When set, every Twilio request must carry a valid X-Twilio-Signature.
    pub twilio_auth_token: Option<String>,
    /// When set, Exotel URLs carry it as a path segment.
    pub exotel_secret: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_credentials_are_named_not_panicked_on() {
        let config = ProvidersConfig::from_lookup(|name| {
            (name == "TWILIO_ACCOUNT_SID").then(|| "AC1".to_string())
        });
        assert_eq!(config.twilio.api_base, "https://api.twilio.com");
        assert_eq!(
            config.twilio.account().unwrap_err().to_string(),
            "not configured: set TWILIO_AUTH_TOKEN, TWILIO_FROM"
        );
        assert_eq!(
            config.exotel.app_id().unwrap_err().to_string(),
            "not configured: set EXOTEL_APP_ID"
        );
    }
}
