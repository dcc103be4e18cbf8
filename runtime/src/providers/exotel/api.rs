//! Exotel's REST API (reference §5): requests to send an SMS and to call a
//! number into our generic app, and the reading of Exotel's answers. Pure.
//!
//! - `POST {base}/v1/Accounts/{sid}/Sms/send.json` — From, To, Body, and
//!   `EncodingType=unicode` when the text needs it; `DltEntityId` and
//!   `DltTemplateId` (India's DLT registry) when known
//! - `POST {base}/v1/Accounts/{sid}/Calls/connect.json` — From (the number to
//!   call), CallerId (our ExoPhone), Url (the app), CustomField, StatusCallback
//!
//! Both authenticate as `api_key:api_token`. Success is
//! `{"SMSMessage":{"Sid",…}}` or `{"Call":{"Sid",…}}`; failure is
//! `{"RestException":{"Status","Message"}}`.

use serde::Deserialize;

use crate::providers::rest::{RestError, RestRequest, refused_raw};

/// An account's credentials and the API host (`https://api.exotel.com`,
/// `https://api.in.exotel.com`, or a fake in tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub base: String,
    pub sid: String,
    pub api_key: String,
    pub api_token: String,
}

impl Account {
    pub(super) fn request(&self, resource: &str, form: Vec<(String, String)>) -> RestRequest {
        RestRequest {
            method: crate::providers::rest::RestMethod::Post,
            url: format!(
                "{}/v1/Accounts/{}/{resource}",
                self.base.trim_end_matches('/'),
                self.sid
            ),
            user: self.api_key.clone(),
            password: self.api_token.clone(),
            form,
        }
    }

    /// Send `body` as an SMS from `from` (an ExoPhone or sender id) to `to`.
    /// A text outside the GSM 7-bit alphabet (Hindi, an emoji) goes as
    /// `EncodingType=unicode`; Exotel's default, `plain`, would garble it.
    pub fn sms(&self, from: &str, to: &str, body: &str, dlt: Dlt<'_>) -> RestRequest {
        let mut form = pairs(&[("From", from), ("To", to), ("Body", body)]);
        if !gsm7(body) {
            form.push(("EncodingType".into(), "unicode".into()));
        }
        for (name, value) in [("DltEntityId", dlt.entity), ("DltTemplateId", dlt.template)] {
            if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                form.push((name.into(), value.into()));
            }
        }
        self.request("Sms/send.json", form)
    }

    /// The URL that starts app `app_id` (our generic app) on a connected call.
    pub fn app_url(&self, app_id: &str) -> String {
        format!(
            "http://my.exotel.com/{}/exoml/start_voice/{app_id}",
            self.sid
        )
    }

    /// Call `to` (Exotel's `From`: the number dialled first) showing
    /// `caller_id`, and run app `app_id` when answered. `custom_field` reaches
    /// every Passthru of the call (the flow name and variables, as JSON).
    pub fn call(
        &self,
        to: &str,
        caller_id: &str,
        app_id: &str,
        custom_field: &str,
        status_callback: &str,
    ) -> RestRequest {
        let url = self.app_url(app_id);
        self.request(
            "Calls/connect.json",
            pairs(&[
                ("From", to),
                ("CallerId", caller_id),
                ("Url", &url),
                ("CustomField", custom_field),
                ("StatusCallback", status_callback),
            ]),
        )
    }
}

/// India's DLT registration of an SMS: the sender's entity id (one per
/// business, from the configuration) and the message's template id (from
/// the flow's `sms` node). Exotel requires the entity id for Indian numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dlt<'a> {
    pub entity: Option<&'a str>,
    pub template: Option<&'a str>,
}

/// The GSM 03.38 default alphabet, and the extension table's characters
/// (sent as an escape plus one septet).
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\u{c}^{}\\[~]|€";

/// Can `text` go as plain GSM 7-bit text?
fn gsm7(text: &str) -> bool {
    text.chars().all(|c| GSM7.contains(c))
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    call: Option<Resource>,
    #[serde(rename = "SMSMessage")]
    sms_message: Option<Resource>,
    rest_exception: Option<Exception>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "Sid")]
    sid: Option<String>,
}

#[derive(Deserialize)]
struct Exception {
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "Status")]
    status: Option<serde_json::Value>,
}

/// Read Exotel's answer to [`Account::sms`] or [`Account::call`]: the new
/// call's or message's `Sid`, or the `RestException` Exotel described.
pub fn parse(status: u16, body: &str) -> Result<String, RestError> {
    let answer = serde_json::from_str::<Answer>(body).ok();
    if let Some(Answer {
        rest_exception: Some(_),
        ..
    }) = &answer
    {
        return Err(parse_error(status, body));
    }
    if !(200..300).contains(&status) {
        return Err(refused_raw(status, body));
    }
    answer
        .and_then(|a| a.call.or(a.sms_message))
        .and_then(|r| r.sid)
        .filter(|sid| !sid.is_empty())
        .ok_or_else(|| RestError::BadAnswer(format!("Exotel answered {status} without a Sid")))
}

/// Exotel's `RestException` body as a [`RestError`] (else the raw body).
pub(super) fn parse_error(status: u16, body: &str) -> RestError {
    let answer = serde_json::from_str::<Answer>(body).ok();
    if let Some(Answer {
        rest_exception: Some(e),
        ..
    }) = &answer
    {
        let status = e
            .status
            .as_ref()
            .and_then(|s| match s {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) => s.parse().ok(),
                _ => None,
            })
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(status);
        return RestError::Refused {
            status,
            code: None,
            message: e
                .message
                .clone()
                .unwrap_or_else(|| format!("HTTP {status}")),
        };
    }
    refused_raw(status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            base: "https://api.exotel.com".into(),
            sid: "acme1".into(),
            api_key: "key".into(),
            api_token: "tok".into(),
        }
    }

    #[test]
    fn sms_posts_to_sms_send_json() {
        let r = account().sms("08039591234", "+919812345678", "Hi", Dlt::default());
        assert_eq!(
            r.url,
            "https://api.exotel.com/v1/Accounts/acme1/Sms/send.json"
        );
        assert_eq!((r.user.as_str(), r.password.as_str()), ("key", "tok"));
        assert_eq!(
            r.form,
            pairs(&[
                ("From", "08039591234"),
                ("To", "+919812345678"),
                ("Body", "Hi")
            ])
        );
    }

    /// The bug: SMS went without the DLT fields India requires and
    /// without `EncodingType=unicode` for Hindi text.
    #[test]
    fn sms_carries_dlt_ids_and_unicode_for_text_gsm_cannot_hold() {
        let dlt = Dlt {
            entity: Some("1101000000000000001"),
            template: Some("1107160000000000001"),
        };
        let r = account().sms("EXOTEL", "+919812345678", "आपका ऑर्डर भेज दिया गया है", dlt);
        assert_eq!(r.field("DltEntityId"), Some("1101000000000000001"));
        assert_eq!(r.field("DltTemplateId"), Some("1107160000000000001"));
        assert_eq!(r.field("EncodingType"), Some("unicode"));
        let plain = account().sms(
            "EXOTEL",
            "+919812345678",
            "Order #42 shipped: €5 off [next] {time} ~ ok? ä",
            Dlt::default(),
        );
        assert_eq!(plain.field("EncodingType"), None);
        assert_eq!(plain.field("DltEntityId"), None);
        assert_eq!(plain.field("DltTemplateId"), None);
        let emoji = account().sms("EXOTEL", "+919812345678", "Shipped 📦", Dlt::default());
        assert_eq!(emoji.field("EncodingType"), Some("unicode"));
    }

    #[test]
    fn call_connects_the_number_to_the_app() {
        let r = account().call(
            "+919812345678",
            "08039591234",
            "4321",
            r#"{"flow":"f"}"#,
            "https://ivr/exotel/f/status",
        );
        assert_eq!(
            r.url,
            "https://api.exotel.com/v1/Accounts/acme1/Calls/connect.json"
        );
        assert_eq!(r.field("From"), Some("+919812345678"));
        assert_eq!(r.field("CallerId"), Some("08039591234"));
        assert_eq!(
            r.field("Url"),
            Some("http://my.exotel.com/acme1/exoml/start_voice/4321")
        );
        assert_eq!(r.field("CustomField"), Some(r#"{"flow":"f"}"#));
        assert_eq!(
            r.field("StatusCallback"),
            Some("https://ivr/exotel/f/status")
        );
    }

    #[test]
    fn reads_sids_and_rest_exceptions() {
        assert_eq!(
            parse(200, r#"{"Call":{"Sid":"c1","Status":"in-progress"}}"#),
            Ok("c1".into())
        );
        assert_eq!(
            parse(200, r#"{"SMSMessage":{"Sid":"s1","Status":"queued"}}"#),
            Ok("s1".into())
        );
        assert_eq!(
            parse(
                400,
                r#"{"RestException":{"Status":400,"Message":"Invalid To number"}}"#
            ),
            Err(RestError::Refused {
                status: 400,
                code: None,
                message: "Invalid To number".into()
            })
        );
        assert!(matches!(
            parse(504, ""),
            Err(RestError::Refused { status: 504, .. })
        ));
        assert!(matches!(parse(200, "{}"), Err(RestError::BadAnswer(_))));
    }
}
