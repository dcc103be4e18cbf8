//! Provider REST credentials, from the environment. Every value is optional:
//! a server that only answers webhooks needs none of them. A request that
//! needs a missing one fails with [`RestError::NotConfigured`] naming the
//! variable; start-up only warns.

use crate::providers::rest::RestError;
use crate::providers::{Provider, exotel, twilio};

/// `TWILIO_*` and `EXOTEL_*` settings for sending SMS and placing calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProvidersConfig {
    /// `TWILIO_API_BASE`, default `https://api.twilio.com`.
    pub twilio_api_base: String,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<String>,
    /// `TWILIO_FROM`: our Twilio number, the sender of SMS and calls.
    pub twilio_from: Option<String>,
    /// `TWILIO_API_KEY_SID`, `TWILIO_API_KEY_SECRET` and
    /// `TWILIO_TWIML_APP_SID`: what browser-phone access tokens are signed
    /// with and the TwiML App their calls run.
    pub twilio_api_key_sid: Option<String>,
    pub twilio_api_key_secret: Option<String>,
    pub twilio_twiml_app_sid: Option<String>,
    /// `EXOTEL_API_BASE`, default `https://api.exotel.com`.
    pub exotel_api_base: String,
    pub exotel_sid: Option<String>,
    pub exotel_api_key: Option<String>,
    pub exotel_api_token: Option<String>,
    /// `EXOTEL_CALLER_ID`: our ExoPhone, shown on calls and used to send SMS.
    pub exotel_caller_id: Option<String>,
    /// `EXOTEL_APP_ID`: the generic app placed calls run.
    pub exotel_app_id: Option<String>,
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
            twilio_api_base: get("TWILIO_API_BASE")
                .unwrap_or_else(|| "https://api.twilio.com".into()),
            twilio_account_sid: get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token: get("TWILIO_AUTH_TOKEN"),
            twilio_from: get("TWILIO_FROM"),
            twilio_api_key_sid: get("TWILIO_API_KEY_SID"),
            twilio_api_key_secret: get("TWILIO_API_KEY_SECRET"),
            twilio_twiml_app_sid: get("TWILIO_TWIML_APP_SID"),
            exotel_api_base: get("EXOTEL_API_BASE")
                .unwrap_or_else(|| "https://api.exotel.com".into()),
            exotel_sid: get("EXOTEL_SID"),
            exotel_api_key: get("EXOTEL_API_KEY"),
            exotel_api_token: get("EXOTEL_API_TOKEN"),
            exotel_caller_id: get("EXOTEL_CALLER_ID"),
            exotel_app_id: get("EXOTEL_APP_ID"),
        }
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

    /// The variables a provider still needs, for SMS and calls alike.
    pub fn missing(&self, provider: Provider) -> Vec<&'static str> {
        let fields: Vec<(&'static str, &Option<String>)> = match provider {
            Provider::Twilio => vec![
                ("TWILIO_ACCOUNT_SID", &self.twilio_account_sid),
                ("TWILIO_AUTH_TOKEN", &self.twilio_auth_token),
                ("TWILIO_FROM", &self.twilio_from),
            ],
            Provider::Exotel => vec![
                ("EXOTEL_SID", &self.exotel_sid),
                ("EXOTEL_API_KEY", &self.exotel_api_key),
                ("EXOTEL_API_TOKEN", &self.exotel_api_token),
                ("EXOTEL_CALLER_ID", &self.exotel_caller_id),
                ("EXOTEL_APP_ID", &self.exotel_app_id),
            ],
        };
        fields
            .into_iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k)
            .collect()
    }

    /// The Twilio account and our number, or which variables are missing.
    pub fn twilio(&self) -> Result<(twilio::api::Account, String), RestError> {
        match (
            &self.twilio_account_sid,
            &self.twilio_auth_token,
            &self.twilio_from,
        ) {
            (Some(sid), Some(token), Some(from)) => Ok((
                twilio::api::Account {
                    base: self.twilio_api_base.clone(),
                    sid: sid.clone(),
                    token: token.clone(),
                },
                from.clone(),
            )),
            _ => Err(not_configured(self.missing(Provider::Twilio))),
        }
    }

    /// What signs browser-phone access tokens, or which variables are missing.
    pub fn twilio_voice_keys(&self) -> Result<twilio::token::Keys, RestError> {
        let fields = [
            ("TWILIO_ACCOUNT_SID", &self.twilio_account_sid),
            ("TWILIO_API_KEY_SID", &self.twilio_api_key_sid),
            ("TWILIO_API_KEY_SECRET", &self.twilio_api_key_secret),
            ("TWILIO_TWIML_APP_SID", &self.twilio_twiml_app_sid),
        ];
        match fields.map(|(_, value)| value.clone()) {
            [
                Some(account_sid),
                Some(api_key_sid),
                Some(api_key_secret),
                Some(application_sid),
            ] => Ok(twilio::token::Keys {
                account_sid,
                api_key_sid,
                api_key_secret,
                application_sid,
            }),
            _ => Err(not_configured(
                fields
                    .iter()
                    .filter(|(_, value)| value.is_none())
                    .map(|(name, _)| *name)
                    .collect(),
            )),
        }
    }

    /// The Exotel account and our ExoPhone (SMS needs no app id).
    pub fn exotel(&self) -> Result<(exotel::api::Account, String), RestError> {
        let missing: Vec<&str> = self
            .missing(Provider::Exotel)
            .into_iter()
            .filter(|m| *m != "EXOTEL_APP_ID")
            .collect();
        match (
            &self.exotel_sid,
            &self.exotel_api_key,
            &self.exotel_api_token,
            &self.exotel_caller_id,
        ) {
            (Some(sid), Some(key), Some(token), Some(caller_id)) => Ok((
                exotel::api::Account {
                    base: self.exotel_api_base.clone(),
                    sid: sid.clone(),
                    api_key: key.clone(),
                    api_token: token.clone(),
                },
                caller_id.clone(),
            )),
            _ => Err(not_configured(missing)),
        }
    }

    /// The generic app placed Exotel calls run.
    pub fn exotel_app_id(&self) -> Result<&str, RestError> {
        self.exotel_app_id
            .as_deref()
            .ok_or_else(|| not_configured(vec!["EXOTEL_APP_ID"]))
    }
}

fn not_configured(missing: Vec<&str>) -> RestError {
    RestError::NotConfigured(format!("set {}", missing.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_credentials_are_named_not_panicked_on() {
        let config = ProvidersConfig::from_lookup(|name| {
            (name == "TWILIO_ACCOUNT_SID").then(|| "AC1".to_string())
        });
        assert_eq!(config.twilio_api_base, "https://api.twilio.com");
        assert_eq!(
            config.twilio().unwrap_err().to_string(),
            "not configured: set TWILIO_AUTH_TOKEN, TWILIO_FROM"
        );
        assert_eq!(
            config.exotel_app_id().unwrap_err().to_string(),
            "not configured: set EXOTEL_APP_ID"
        );
    }
}
