//! Twilio's REST API (reference §6): requests to send an SMS and to place a
//! call, and the reading of Twilio's answers. Pure: the server sends them.
//!
//! - `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` — To, From, Body
//! - `POST {base}/2010-04-01/Accounts/{AccountSid}/Calls.json` — To, From, Url,
//!   StatusCallback, StatusCallbackEvent (repeated), StatusCallbackMethod,
//!   MachineDetection (only when the flow reads `call.answered_by`)
//!
//! Both authenticate as `AccountSid:AuthToken`. Success is JSON with a `sid`;
//! failure is `{"code", "message", "more_info", "status"}`.

use serde::Deserialize;

use crate::providers::rest::{RestError, RestRequest, refused_raw};

/// An account's credentials and the API host (`https://api.twilio.com`,
/// or a fake in tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub base: String,
    pub sid: String,
    pub token: String,
}

/// The call-progress events we ask Twilio to report to the status callback.
pub const STATUS_EVENTS: [&str; 4] = ["initiated", "ringing", "answered", "completed"];

impl Account {
    fn url(&self, resource: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/{resource}",
            self.base.trim_end_matches('/'),
            self.sid
        )
    }

    pub(super) fn request(&self, resource: &str, form: Vec<(String, String)>) -> RestRequest {
        RestRequest {
            method: crate::providers::rest::RestMethod::Post,
            url: self.url(resource),
            user: self.sid.clone(),
            password: self.token.clone(),
            form,
        }
    }

    /// Send `body` as an SMS from `from` to `to`.
    pub fn sms(&self, from: &str, to: &str, body: &str) -> RestRequest {
        self.request(
            "Messages.json",
            pairs(&[("To", to), ("From", from), ("Body", body)]),
        )
    }

    /// Call `to` from `from`; when answered Twilio requests `url` (our voice
    /// webhook) and reports progress to `status_callback` by POST.
    ///
    /// With `detect_machine`, Twilio tells a person from an answering machine
    /// before it requests `url`, and says which in `AnsweredBy`. It waits for
    /// a machine's greeting to end (`DetectMessageEnd`), so a message the
    /// flow leaves starts after the beep; a person is recognised at once.
    pub fn call(
        &self,
        from: &str,
        to: &str,
        url: &str,
        status_callback: &str,
        detect_machine: bool,
    ) -> RestRequest {
        let mut form = pairs(&[
            ("To", to),
            ("From", from),
            ("Url", url),
            ("StatusCallback", status_callback),
        ]);
        for event in STATUS_EVENTS {
            form.push(("StatusCallbackEvent".into(), event.into()));
        }
        form.push(("StatusCallbackMethod".into(), "POST".into()));
        if detect_machine {
            form.push(("MachineDetection".into(), "DetectMessageEnd".into()));
        }
        self.request("Calls.json", form)
    }
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[derive(Deserialize)]
struct Created {
    sid: Option<String>,
}

#[derive(Deserialize)]
struct Failure {
    code: Option<serde_json::Value>,
    message: Option<String>,
}

/// Read Twilio's answer to [`Account::sms`] or [`Account::call`]: the new
/// resource's `sid` (`SM…` or `CA…`), or the error Twilio described.
pub fn parse(status: u16, body: &str) -> Result<String, RestError> {
    if (200..300).contains(&status) {
        return match serde_json::from_str::<Created>(body) {
            Ok(Created { sid: Some(sid) }) if !sid.is_empty() => Ok(sid),
            _ => Err(RestError::BadAnswer(format!(
                "Twilio answered {status} without a sid"
            ))),
        };
    }
    Err(parse_error(status, body))
}

/// Twilio's error body (`{"code", "message", …}`) as a [`RestError`].
pub(super) fn parse_error(status: u16, body: &str) -> RestError {
    match serde_json::from_str::<Failure>(body) {
        Ok(Failure {
            code,
            message: Some(message),
        }) => RestError::Refused {
            status,
            code: code.map(|c| match c {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }),
            message,
        },
        _ => refused_raw(status, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            base: "https://api.twilio.com/".into(),
            sid: "AC123".into(),
            token: "secret".into(),
        }
    }

    #[test]
    fn sms_posts_to_messages_json() {
        let r = account().sms("+15005550006", "+14155550100", "Hi");
        assert_eq!(
            r.url,
            "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
        );
        assert_eq!((r.user.as_str(), r.password.as_str()), ("AC123", "secret"));
        assert_eq!(
            r.form,
            pairs(&[
                ("To", "+14155550100"),
                ("From", "+15005550006"),
                ("Body", "Hi")
            ])
        );
    }

    #[test]
    fn a_call_asks_who_answered_only_when_the_flow_wants_to_know() {
        let r = account().call("+1500", "+1415", "https://ivr/twilio/f", "https://s", true);
        assert_eq!(r.field("MachineDetection"), Some("DetectMessageEnd"));
    }

    #[test]
    fn call_asks_for_every_progress_event_by_post() {
        let r = account().call(
            "+1500",
            "+1415",
            "https://ivr/twilio/f?ivr_vars=%7B%7D",
            "https://ivr/twilio/f/status",
            false,
        );
        assert!(r.url.ends_with("/Accounts/AC123/Calls.json"));
        assert_eq!(r.field("MachineDetection"), None);
        assert_eq!(r.field("Url"), Some("https://ivr/twilio/f?ivr_vars=%7B%7D"));
        assert_eq!(
            r.field("StatusCallback"),
            Some("https://ivr/twilio/f/status")
        );
        let events: Vec<&str> = r
            .form
            .iter()
            .filter(|(k, _)| k == "StatusCallbackEvent")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(events, STATUS_EVENTS);
        assert_eq!(r.field("StatusCallbackMethod"), Some("POST"));
    }

    #[test]
    fn reads_sid_and_documented_errors() {
        assert_eq!(
            parse(201, r#"{"sid":"SM1","status":"queued"}"#),
            Ok("SM1".into())
        );
        let body = r#"{"code":21211,"message":"The 'To' number 123 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#;
        assert_eq!(
            parse(400, body),
            Err(RestError::Refused {
                status: 400,
                code: Some("21211".into()),
                message: "The 'To' number 123 is not a valid phone number.".into()
            })
        );
        assert!(matches!(
            parse(502, "<html>bad gateway</html>"),
            Err(RestError::Refused {
                status: 502,
                code: None,
                ..
            })
        ));
        assert!(matches!(parse(201, "{}"), Err(RestError::BadAnswer(_))));
    }
}
