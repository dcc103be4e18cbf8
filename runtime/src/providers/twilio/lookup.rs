//! Asking Twilio after calls we placed, when our records lost track (a
//! status callback missed while we were down, or a process that died before
//! it learned the call's sid):
//!
//! - `GET {base}/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json` — one call
//! - `GET {base}/2010-04-01/Accounts/{AccountSid}/Calls.json?To=…&PageSize=…`
//!   — calls to a number, newest first: `{"calls": [...], "page", …}`
//!
//! Call resources carry `sid`, `status` and `date_created` (RFC 2822).

use serde::Deserialize;

use super::api::{Account, parse_error};
use crate::providers::rest::{CallRecord, RestError, RestRequest};

impl Account {
    /// Fetch one call.
    pub fn fetch_call(&self, call_sid: &str) -> RestRequest {
        self.request(&format!("Calls/{call_sid}.json"), Vec::new())
            .get()
    }

    /// The newest calls to `to`.
    pub fn calls_to(&self, to: &str) -> RestRequest {
        self.request(
            "Calls.json",
            vec![("To".into(), to.into()), ("PageSize".into(), "20".into())],
        )
        .get()
    }
}

#[derive(Deserialize)]
struct Call {
    sid: String,
    status: String,
    #[serde(default)]
    date_created: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    calls: Vec<Call>,
}

fn record(call: Call) -> CallRecord {
    let created_at = call.date_created.as_deref().and_then(|d| {
        jiff::fmt::rfc2822::parse(d)
            .ok()
            .map(|z| z.timestamp().as_millisecond())
    });
    CallRecord {
        sid: call.sid,
        status: call.status,
        created_at,
    }
}

/// Read the answer to [`Account::fetch_call`].
pub fn parse_call(status: u16, body: &str) -> Result<CallRecord, RestError> {
    if !(200..300).contains(&status) {
        return Err(parse_error(status, body));
    }
    serde_json::from_str::<Call>(body)
        .map(record)
        .map_err(|e| RestError::BadAnswer(format!("Twilio call: {e}")))
}

/// Read the answer to [`Account::calls_to`].
pub fn parse_calls(status: u16, body: &str) -> Result<Vec<CallRecord>, RestError> {
    if !(200..300).contains(&status) {
        return Err(parse_error(status, body));
    }
    serde_json::from_str::<Page>(body)
        .map(|p| p.calls.into_iter().map(record).collect())
        .map_err(|e| RestError::BadAnswer(format!("Twilio call list: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::rest::RestMethod;

    fn account() -> Account {
        Account {
            base: "https://api.twilio.com".into(),
            sid: "AC1".into(),
            token: "t".into(),
        }
    }

    #[test]
    fn lookups_are_gets() {
        let one = account().fetch_call("CA9");
        assert_eq!(one.method, RestMethod::Get);
        assert_eq!(
            one.url,
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA9.json"
        );
        let list = account().calls_to("+14155550100");
        assert_eq!(list.method, RestMethod::Get);
        assert_eq!(list.field("To"), Some("+14155550100"));
    }

    #[test]
    fn reads_call_resources() {
        let body = r#"{"sid":"CA9","status":"no-answer","to":"+14155550100","date_created":"Sat, 21 Nov 2026 19:20:34 +0000"}"#;
        let call = parse_call(200, body).unwrap();
        assert_eq!(call.sid, "CA9");
        assert_eq!(call.status, "no-answer");
        assert_eq!(call.created_at, Some(1_795_288_834_000));
        let page = format!(r#"{{"calls":[{body}],"page":0,"page_size":20,"next_page_uri":null}}"#);
        assert_eq!(parse_calls(200, &page).unwrap(), vec![call]);
        let missing = r#"{"code":20404,"message":"The requested resource was not found","more_info":"https://www.twilio.com/docs/errors/20404","status":404}"#;
        assert!(matches!(
            parse_call(404, missing),
            Err(RestError::Refused { status: 404, .. })
        ));
    }
}
