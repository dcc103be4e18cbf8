//! Asking Exotel after a call we placed, when a status callback was missed:
//! `GET {base}/v1/Accounts/{sid}/Calls/{CallSid}.json` answers
//! `{"Call": {"Sid", "Status", "DateCreated", …}}`.
//!
//! Exotel's bulk call list leaves out calls in progress, so it cannot tell
//! whether a call we lost track of before learning its sid is ringing now;
//! such attempts are not looked up (see `campaign::Outcome::Unconfirmed`).

use serde::Deserialize;

use super::api::{Account, parse_error};
use crate::providers::rest::{CallRecord, RestError, RestRequest};

impl Account {
    /// Fetch one call.
    pub fn fetch_call(&self, call_sid: &str) -> RestRequest {
        self.request(&format!("Calls/{call_sid}.json"), Vec::new())
            .get()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    call: Call,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Call {
    sid: String,
    status: String,
}

/// Read the answer to [`Account::fetch_call`].
pub fn parse_call(status: u16, body: &str) -> Result<CallRecord, RestError> {
    if !(200..300).contains(&status) {
        return Err(parse_error(status, body));
    }
    serde_json::from_str::<Answer>(body)
        .map(|a| CallRecord {
            sid: a.call.sid,
            status: a.call.status,
            created_at: None,
        })
        .map_err(|e| RestError::BadAnswer(format!("Exotel call: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_call_details() {
        let account = Account {
            base: "https://api.exotel.com".into(),
            sid: "acme1".into(),
            api_key: "k".into(),
            api_token: "t".into(),
        };
        assert_eq!(
            account.fetch_call("b6cf").url,
            "https://api.exotel.com/v1/Accounts/acme1/Calls/b6cf.json"
        );
        let body = r#"{"Call":{"Sid":"b6cf","ParentCallSid":null,"DateCreated":"2017-03-03 10:48:33","Status":"busy","Direction":"outbound-api"}}"#;
        let call = parse_call(200, body).unwrap();
        assert_eq!((call.sid.as_str(), call.status.as_str()), ("b6cf", "busy"));
        let missing = r#"{"RestException":{"Status":404,"Message":"Not Found"}}"#;
        assert!(matches!(
            parse_call(404, missing),
            Err(RestError::Refused { status: 404, .. })
        ));
    }
}
