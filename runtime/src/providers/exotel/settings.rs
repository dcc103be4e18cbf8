//! Exotel's REST settings (`EXOTEL_*`), and Exotel's REST API as the server
//! uses it: SMS, placed calls, lookups of calls.

use super::{api, lookup};
use crate::providers::rest::{CallRecord, Exchange, Placement, RestApi, RestError, not_configured};

/// `EXOTEL_*` settings for sending SMS and placing calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `EXOTEL_API_BASE`, default `https://api.exotel.com`.
    pub api_base: String,
    pub sid: Option<String>,
    pub api_key: Option<String>,
    pub api_token: Option<String>,
    /// `EXOTEL_CALLER_ID`: our ExoPhone, shown on calls and used to send SMS.
    pub caller_id: Option<String>,
    /// `EXOTEL_APP_ID`: the generic app placed calls run.
    pub app_id: Option<String>,
    /// `EXOTEL_DLT_ENTITY_ID`: our entity in India's DLT registry, sent with
    /// every SMS (Exotel's `DltEntityId`; Indian operators block SMS
    /// without it).
    pub dlt_entity_id: Option<String>,
}

impl Settings {
    /// Read settings through `get` (unset and empty alike are `None`).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Settings {
        Settings {
            api_base: get("EXOTEL_API_BASE").unwrap_or_else(|| "https://api.exotel.com".into()),
            sid: get("EXOTEL_SID"),
            api_key: get("EXOTEL_API_KEY"),
            api_token: get("EXOTEL_API_TOKEN"),
            caller_id: get("EXOTEL_CALLER_ID"),
            app_id: get("EXOTEL_APP_ID"),
            dlt_entity_id: get("EXOTEL_DLT_ENTITY_ID"),
        }
    }

    /// The Exotel account and our ExoPhone (SMS needs no app id).
    pub fn account(&self) -> Result<(api::Account, String), RestError> {
        let missing: Vec<&str> = self
            .missing()
            .into_iter()
            .filter(|m| *m != "EXOTEL_APP_ID")
            .collect();
        match (&self.sid, &self.api_key, &self.api_token, &self.caller_id) {
            (Some(sid), Some(key), Some(token), Some(caller_id)) => Ok((
                api::Account {
                    base: self.api_base.clone(),
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
    pub fn app_id(&self) -> Result<&str, RestError> {
        self.app_id
            .as_deref()
            .ok_or_else(|| not_configured(vec!["EXOTEL_APP_ID"]))
    }
}

impl RestApi for Settings {
    fn missing(&self) -> Vec<&'static str> {
        [
            ("EXOTEL_SID", &self.sid),
            ("EXOTEL_API_KEY", &self.api_key),
            ("EXOTEL_API_TOKEN", &self.api_token),
            ("EXOTEL_CALLER_ID", &self.caller_id),
            ("EXOTEL_APP_ID", &self.app_id),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k)
        .collect()
    }

    fn sms(
        &self,
        to: &str,
        text: &str,
        dlt_template: Option<&str>,
    ) -> Result<Exchange<String>, RestError> {
        let (account, from) = self.account()?;
        let dlt = api::Dlt {
            entity: self.dlt_entity_id.as_deref(),
            template: dlt_template,
        };
        Ok(Exchange::new(account.sms(&from, to, text, dlt), api::parse))
    }

    fn call(&self, p: &Placement<'_>) -> Result<(Exchange<String>, String), RestError> {
        let (account, default_from) = self.account()?;
        let app_id = self.app_id()?;
        let from = p.from.map_or(default_from, str::to_string);
        let custom = serde_json::json!({ "flow": p.flow, "vars": p.vars }).to_string();
        let prefix = match p.webhooks.exotel_secret.as_deref() {
            Some(secret) => format!("{}/exotel/{secret}", p.base_url),
            None => format!("{}/exotel", p.base_url),
        };
        let status = p.tagged(format!("{prefix}/{}/status", p.flow));
        let request = account.call(p.to, &from, app_id, &custom, &status);
        Ok((Exchange::new(request, api::parse), from))
    }

    fn fetch_call(&self, sid: &str) -> Result<Exchange<CallRecord>, RestError> {
        let (account, _) = self.account()?;
        Ok(Exchange::new(account.fetch_call(sid), lookup::parse_call))
    }

    fn calls_to(&self, _: &str) -> Result<Option<Exchange<Vec<CallRecord>>>, RestError> {
        Ok(None)
    }
}
