//! Twilio's REST settings (`TWILIO_*`), and Twilio's REST API as the server
//! uses it: SMS, placed calls, lookups of calls.

use super::{api, lookup, token};
use crate::providers::rest::{CallRecord, Exchange, Placement, RestApi, RestError, not_configured};

/// `TWILIO_*` settings for sending SMS, placing calls and signing
/// browser-phone tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `TWILIO_API_BASE`, default `https://api.twilio.com`.
    pub api_base: String,
    pub account_sid: Option<String>,
    pub auth_token: Option<String>,
    /// `TWILIO_FROM`: our Twilio number, the sender of SMS and calls.
    pub from: Option<String>,
    /// `TWILIO_API_KEY_SID`, `TWILIO_API_KEY_SECRET` and
    /// `TWILIO_TWIML_APP_SID`: what browser-phone access tokens are signed
    /// with and the TwiML App their calls run.
    pub api_key_sid: Option<String>,
    pub api_key_secret: Option<String>,
    pub twiml_app_sid: Option<String>,
}

impl Settings {
    /// Read settings through `get` (unset and empty alike are `None`).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Settings {
        Settings {
            api_base: get("TWILIO_API_BASE").unwrap_or_else(|| "https://api.twilio.com".into()),
            account_sid: get("TWILIO_ACCOUNT_SID"),
            auth_token: get("TWILIO_AUTH_TOKEN"),
            from: get("TWILIO_FROM"),
            api_key_sid: get("TWILIO_API_KEY_SID"),
            api_key_secret: get("TWILIO_API_KEY_SECRET"),
            twiml_app_sid: get("TWILIO_TWIML_APP_SID"),
        }
    }

    /// The Twilio account and our number, or which variables are missing.
    pub fn account(&self) -> Result<(api::Account, String), RestError> {
        match (&self.account_sid, &self.auth_token, &self.from) {
            (Some(sid), Some(token), Some(from)) => Ok((
                api::Account {
                    base: self.api_base.clone(),
                    sid: sid.clone(),
                    token: token.clone(),
                },
                from.clone(),
            )),
            _ => Err(not_configured(self.missing())),
        }
    }

    /// What signs browser-phone access tokens, or which variables are missing.
    pub fn voice_keys(&self) -> Result<token::Keys, RestError> {
        let fields = [
            ("TWILIO_ACCOUNT_SID", &self.account_sid),
            ("TWILIO_API_KEY_SID", &self.api_key_sid),
            ("TWILIO_API_KEY_SECRET", &self.api_key_secret),
            ("TWILIO_TWIML_APP_SID", &self.twiml_app_sid),
        ];
        match fields.map(|(_, value)| value.clone()) {
            [
                Some(account_sid),
                Some(api_key_sid),
                Some(api_key_secret),
                Some(application_sid),
            ] => Ok(token::Keys {
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
}

impl RestApi for Settings {
    fn missing(&self) -> Vec<&'static str> {
        [
            ("TWILIO_ACCOUNT_SID", &self.account_sid),
            ("TWILIO_AUTH_TOKEN", &self.auth_token),
            ("TWILIO_FROM", &self.from),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect()
    }

    fn sms(&self, to: &str, text: &str, _: Option<&str>) -> Result<Exchange<String>, RestError> {
        let (account, from) = self.account()?;
        Ok(Exchange::new(account.sms(&from, to, text), api::parse))
    }

    fn call(&self, p: &Placement<'_>) -> Result<(Exchange<String>, String), RestError> {
        let (account, default_from) = self.account()?;
        let from = p.from.map_or(default_from, str::to_string);
        let vars = serde_json::to_string(p.vars).unwrap_or_else(|_| "{}".into());
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("ivr_vars", &vars)
            .finish();
        let url = format!("{}/twilio/{}?{query}", p.base_url, p.flow);
        let status = p.tagged(format!("{}/twilio/{}/status", p.base_url, p.flow));
        let request = account.call(&from, p.to, &url, &status, p.detect_machine);
        Ok((Exchange::new(request, api::parse), from))
    }

    fn fetch_call(&self, sid: &str) -> Result<Exchange<CallRecord>, RestError> {
        let (account, _) = self.account()?;
        Ok(Exchange::new(account.fetch_call(sid), lookup::parse_call))
    }

    fn calls_to(&self, to: &str) -> Result<Option<Exchange<Vec<CallRecord>>>, RestError> {
        let (account, _) = self.account()?;
        Ok(Some(Exchange::new(
            account.calls_to(to),
            lookup::parse_calls,
        )))
    }
}
