//! Filling an `http` node's templates: every hole is encoded for where it
//! lands, so a value (caller text above all: a `SpeechResult`, digits) stays
//! one value and cannot change the request around it.
//!
//! - URL: a hole in the path is one path segment (`/`, `?`, `#`, `%` and
//!   every other byte outside RFC 3986's unreserved set percent-encoded); in
//!   the query or the fragment one component (`&`, `=`, `+` encoded too); in
//!   the host likewise, so it cannot add a port, user or path. A hole that
//!   *starts* the URL is taken as written: it is where the URL comes from (a
//!   base URL in a variable), and the checker cannot see into it either. A
//!   path segment that would read `.` or `..` is refused (servers and the
//!   URL parser fold those away, whatever their encoding): `None`.
//! - Body: JSON when it starts with `{` or `[` — a hole inside a string is
//!   escaped as string content, a hole outside one is the value as JSON (a
//!   number stays a number, text becomes a quoted string); any other body is
//!   a form, and each hole is form-encoded. A body that is one hole alone
//!   is that value as it is (a `json` variable as JSON).
//! - Headers are not encoded here (a header has no escaping); the server
//!   refuses a value with a line break instead.

use ivr_compiler::graph::{Segment, Template};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::CallState;
use super::eval::{lookup, text_of};

/// Everything but RFC 3986's unreserved characters (`A–Z a–z 0–9 - . _ ~`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where the text written so far puts the next hole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Nothing written yet: a leading hole is the URL's own beginning.
    Start,
    /// Scheme, user, host, port.
    Origin,
    Path,
    Query,
    Fragment,
}

fn place(url: &str) -> Place {
    if url.is_empty() {
        return Place::Start;
    }
    if url.contains('#') {
        return Place::Fragment;
    }
    if url.contains('?') {
        return Place::Query;
    }
    let after_scheme = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => return Place::Origin,
    };
    if after_scheme.contains('/') {
        Place::Path
    } else {
        Place::Origin
    }
}

/// The `url` of an `http` node with its holes encoded for where they land;
/// `None` when a hole would make a path segment `.` or `..`.
pub fn url(template: &Template, state: &CallState) -> Option<String> {
    let mut out = String::new();
    // Byte ranges of `out` that came from holes in the path.
    let mut from_holes: Vec<(usize, usize)> = Vec::new();
    for segment in &template.0 {
        let path = match segment {
            Segment::Text(text) => {
                out.push_str(text);
                continue;
            }
            Segment::Var(path) | Segment::Spoken { path, .. } => path,
        };
        let value = text_of(&lookup(path, state));
        match place(&out) {
            Place::Start => out.push_str(&value),
            Place::Path => {
                let start = out.len();
                out.extend(utf8_percent_encode(&value, COMPONENT));
                from_holes.push((start, out.len()));
            }
            Place::Origin | Place::Query | Place::Fragment => {
                out.extend(utf8_percent_encode(&value, COMPONENT))
            }
        }
    }
    if dot_segment(&out, &from_holes) {
        return None;
    }
    Some(out)
}

/// Does a path segment holding a hole's text read `.` or `..` (`%2e` too)?
fn dot_segment(url: &str, from_holes: &[(usize, usize)]) -> bool {
    if from_holes.is_empty() {
        return false;
    }
    let path_end = url.find(['?', '#']).unwrap_or(url.len());
    let path_start = url
        .find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(0);
    let mut at = path_start;
    for segment in url[path_start..path_end].split('/') {
        let (start, end) = (at, at + segment.len());
        at = end + 1;
        let touched = from_holes.iter().any(|&(s, e)| s < end && e > start);
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        if touched && (decoded == "." || decoded == "..") {
            return true;
        }
    }
    false
}

/// The `body` of an `http` node with its holes encoded for the body's kind
/// (see the module documentation).
pub fn body(template: &Template, state: &CallState) -> String {
    // A body that is one hole is the value itself (a `json` variable sent
    // whole): nothing around it to break out of.
    if let [Segment::Var(path) | Segment::Spoken { path, .. }] = template.0.as_slice() {
        return text_of(&lookup(path, state));
    }
    if is_json(template) {
        json_body(template, state)
    } else {
        let mut out = String::new();
        for segment in &template.0 {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Var(path) | Segment::Spoken { path, .. } => {
                    let value = text_of(&lookup(path, state));
                    out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
                }
            }
        }
        out
    }
}

/// A body written as JSON: its first written character is `{` or `[`.
pub fn is_json(template: &Template) -> bool {
    match template.0.first() {
        Some(Segment::Text(text)) => text.trim_start().starts_with(['{', '[']),
        _ => false,
    }
}

fn json_body(template: &Template, state: &CallState) -> String {
    let mut out = String::new();
    let mut in_string = false;
    for segment in &template.0 {
        match segment {
            Segment::Text(text) => {
                let mut escaped = false;
                for c in text.chars() {
                    if in_string && escaped {
                        escaped = false;
                    } else if in_string && c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        in_string = !in_string;
                    }
                }
                out.push_str(text);
            }
            Segment::Var(path) | Segment::Spoken { path, .. } => {
                let value = lookup(path, state);
                if in_string {
                    let quoted = Value::String(text_of(&value)).to_string();
                    out.push_str(&quoted[1..quoted.len() - 1]);
                } else {
                    out.push_str(&value.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::state_with;
    use serde_json::json;

    fn t(text: &str) -> Template {
        Template::parse(text).unwrap()
    }

    fn said(value: &str) -> CallState {
        state_with(json!({ "said": value }))
    }

    /// The bug: the dependency received `GET /admin?delete=all`.
    #[test]
    fn caller_text_in_the_path_stays_one_segment() {
        let template = t("https://api.example.com/lookup/{said}");
        let url = url(&template, &said("x/../../admin?delete=all#")).unwrap();
        assert_eq!(
            url,
            "https://api.example.com/lookup/x%2F..%2F..%2Fadmin%3Fdelete%3Dall%23"
        );
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(
            parsed.path_segments().unwrap().collect::<Vec<_>>(),
            ["lookup", "x%2F..%2F..%2Fadmin%3Fdelete%3Dall%23"]
        );
        assert_eq!(parsed.query(), None);
    }

    #[test]
    fn a_segment_of_dots_is_refused() {
        let template = t("https://api.example.com/lookup/{said}/details");
        assert_eq!(url(&template, &said("..")), None);
        assert_eq!(url(&template, &said(".")), None);
        assert!(url(&template, &said("...")).is_some());
        assert!(url(&template, &said("a..")).is_some());
        // Literal dots the author wrote are the author's business.
        let state = said("x");
        assert!(url(&t("https://api.example.com/a/../{said}"), &state).is_some());
    }

    #[test]
    fn query_and_fragment_holes_are_one_component() {
        let template = t("https://api.example.com/find?q={said}&page=1#{said}");
        let url = url(&template, &said("a b&admin=1+2")).unwrap();
        assert_eq!(
            url,
            "https://api.example.com/find?q=a%20b%26admin%3D1%2B2&page=1#a%20b%26admin%3D1%2B2"
        );
        let parsed = url::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("q".into(), "a b&admin=1+2".into()),
                ("page".into(), "1".into())
            ]
        );
    }

    #[test]
    fn a_hole_in_the_host_cannot_leave_it() {
        let template = t("https://{said}.example.com/x");
        let url = url(&template, &said("evil.com/y?")).unwrap();
        assert_eq!(url, "https://evil.com%2Fy%3F.example.com/x");
    }

    #[test]
    fn a_leading_hole_is_the_base_url() {
        let state = state_with(json!({ "base": "https://api.example.com/v1", "id": "a/b" }));
        let url = url(&t("{base}/orders/{id}"), &state).unwrap();
        assert_eq!(url, "https://api.example.com/v1/orders/a%2Fb");
    }

    #[test]
    fn json_bodies_escape_strings_and_keep_values() {
        let state = state_with(json!({
            "said": "x\", \"admin\": true, \"y\": \"",
            "count": 3,
        }));
        let body = body(
            &t(r#"{{"q": "{said}", "n": {count}, "raw": {said}}}"#),
            &state,
        );
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            parsed,
            json!({
                "q": "x\", \"admin\": true, \"y\": \"",
                "n": 3,
                "raw": "x\", \"admin\": true, \"y\": \"",
            })
        );
    }

    #[test]
    fn escaped_quotes_in_the_written_json_do_not_confuse_strings() {
        let state = state_with(json!({ "said": "a\"b" }));
        let body = body(&t(r#"{{"note": "say \"hi\" {said}"}}"#), &state);
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed, json!({ "note": "say \"hi\" a\"b" }));
    }

    #[test]
    fn a_body_of_one_hole_is_the_value() {
        let state = state_with(json!({ "order": { "id": 7, "note": "a&b" } }));
        let body = body(&t("{order}"), &state);
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed, json!({ "id": 7, "note": "a&b" }));
    }

    #[test]
    fn form_bodies_encode_each_hole() {
        let state = said("1&admin=true");
        let body = body(&t("pin={said}&lang=en"), &state);
        assert_eq!(body, "pin=1%26admin%3Dtrue&lang=en");
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            pairs,
            [
                ("pin".into(), "1&admin=true".into()),
                ("lang".into(), "en".into())
            ]
        );
    }
}
