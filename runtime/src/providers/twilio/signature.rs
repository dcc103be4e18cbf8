//! `X-Twilio-Signature` validation.
//!
//! The signed string is the full URL Twilio requested, followed by every
//! parameter as `name + value`: names sorted, each name's values sorted, and
//! repeated name/value pairs counted once (twilio-python's
//! `RequestValidator.compute_signature`). The signature is
//! `base64(HMAC-SHA1(auth_token, signed string))`.
//!
//! Twilio is inconsistent about the port in the URL it signs, so the URL is
//! tried as given, without its port, and with the scheme's default port.
//! Comparison is constant-time (`Mac::verify_slice`).
//!
//! The URL must be the *public* one Twilio called (the server's configured
//! base URL + path + query), not one rebuilt from a proxy's `Host` header.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

type HmacSha1 = Hmac<Sha1>;

/// Is `signature` Twilio's signature of a form-encoded request to `url`
/// carrying `params` (the POST body's pairs; for a GET, pass none — the
/// query is already in the URL)?
pub fn validate<'a>(
    auth_token: &str,
    url: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    signature: &str,
) -> bool {
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let params = sorted(params);
    url_variants(url).iter().any(|candidate| {
        let mut mac = keyed(auth_token);
        mac.update(candidate.as_bytes());
        for (name, value) in &params {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
        mac.verify_slice(&expected).is_ok()
    })
}

/// Is `signature` Twilio's signature of a request with a JSON (or other
/// non-form) body? Such requests carry `bodySHA256` (hex SHA-256 of the raw
/// body) in the URL's query; the URL alone is signed. Both the hash and the
/// signature must match.
pub fn validate_body(auth_token: &str, url: &str, body: &[u8], signature: &str) -> bool {
    let Some(claimed) = query_value(url, "bodySHA256") else {
        return false;
    };
    let actual = hex::encode(Sha256::digest(body));
    let hash_ok: bool =
        subtle::ConstantTimeEq::ct_eq(actual.as_bytes(), claimed.to_ascii_lowercase().as_bytes())
            .into();
    hash_ok && validate(auth_token, url, std::iter::empty(), signature)
}

/// The signature of `url` + `params` (for tests and for signing our own
/// simulated requests).
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut mac = keyed(auth_token);
    mac.update(url.as_bytes());
    for (name, value) in sorted(params.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

fn keyed(auth_token: &str) -> HmacSha1 {
    HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC takes a key of any length")
}

/// Names sorted, then values; exact duplicates once.
fn sorted<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeSet<(&'a str, &'a str)> {
    params.into_iter().collect()
}

/// The URL as given, without its port, and with the default port added —
/// deduplicated, in that order.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    if let Some(parts) = Authority::split(url) {
        let without = format!("{}{}{}", parts.before_host, parts.host, parts.rest);
        let default = match parts.scheme.to_ascii_lowercase().as_str() {
            "https" => Some("443"),
            "http" => Some("80"),
            _ => None,
        };
        let with = match (parts.port, default) {
            (Some(_), _) => None,
            (None, Some(port)) => Some(format!(
                "{}{}:{port}{}",
                parts.before_host, parts.host, parts.rest
            )),
            (None, None) => None,
        };
        for candidate in [Some(without), with].into_iter().flatten() {
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

/// `scheme://[userinfo@]host[:port]rest`, cut into pieces without
/// re-encoding anything (a parser would normalise the URL and break the
/// signature).
struct Authority<'a> {
    scheme: &'a str,
    /// `scheme://userinfo@`
    before_host: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    rest: &'a str,
}

impl<'a> Authority<'a> {
    fn split(url: &'a str) -> Option<Self> {
        let scheme_end = url.find("://")?;
        let start = scheme_end + 3;
        let end = url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| start + i);
        let authority = &url[start..end];
        let host_start = authority.rfind('@').map_or(start, |at| start + at + 1);
        let hostport = &url[host_start..end];
        // A bracketed IPv6 host has colons of its own.
        let colon = match hostport.rfind(']') {
            Some(bracket) => hostport[bracket..].find(':').map(|c| bracket + c),
            None => hostport.find(':'),
        };
        let (host, port) = match colon {
            Some(c) => (&hostport[..c], Some(&hostport[c + 1..])),
            None => (hostport, None),
        };
        Some(Authority {
            scheme: &url[..scheme_end],
            before_host: &url[..host_start],
            host,
            port,
            rest: &url[end..],
        })
    }
}

fn query_value<'a>(url: &'a str, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
        p.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    // The official vectors: twilio-python tests/unit/test_request_validator.py.
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const BASE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn params() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
            ("Caller", "+14158675309"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn computes_the_base_vector() {
        assert_eq!(sign(TOKEN, URL, &params()), BASE);
        assert!(validate(TOKEN, URL, pairs(&params()), BASE));
    }

    #[test]
    fn duplicates_are_sorted_and_counted_once() {
        let dup: Vec<(String, String)> = [
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(sign(TOKEN, URL, &dup), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
        assert!(validate(
            TOKEN,
            URL,
            pairs(&dup),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        ));
    }

    #[test]
    fn a_port_on_the_request_url_is_removed() {
        assert!(validate(
            TOKEN,
            "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
            pairs(&params()),
            BASE
        ));
        // Signed with the port: the URL as given matches.
        assert!(validate(
            TOKEN,
            "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
            pairs(&params()),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        ));
    }

    #[test]
    fn the_default_port_is_added() {
        assert!(validate(
            TOKEN,
            URL,
            pairs(&params()),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        ));
        assert!(validate(
            TOKEN,
            "http://mycompany.com/myapp.php?foo=1&bar=2",
            pairs(&params()),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ));
    }

    #[test]
    fn json_bodies_are_checked_by_hash_and_url() {
        let body = br#"{"property": "value", "boolean": true}"#;
        let url = format!(
            "{URL}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        );
        assert_eq!(
            hex::encode(Sha256::digest(body)),
            "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        );
        assert!(validate_body(
            TOKEN,
            &url,
            body,
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
        assert!(!validate_body(
            TOKEN,
            &url,
            br#"{"property": "other"}"#,
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
        assert!(!validate_body(
            TOKEN,
            URL,
            body,
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
    }

    #[test]
    fn anything_changed_fails() {
        let mut tampered = params();
        tampered[1].1 = "9999".into();
        assert!(!validate(TOKEN, URL, pairs(&tampered), BASE));
        assert!(!validate("54321", URL, pairs(&params()), BASE));
        assert!(!validate(
            TOKEN,
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            pairs(&params()),
            BASE
        ));
        let mut extra = params();
        extra.push(("AccountSid".into(), "AC1".into()));
        assert!(!validate(TOKEN, URL, pairs(&extra), BASE));
        assert!(!validate(TOKEN, URL, pairs(&params()), ""));
        assert!(!validate(TOKEN, URL, pairs(&params()), "not base64!"));
        assert!(!validate(
            TOKEN,
            URL,
            pairs(&params()),
            "RSOYDt4T1cUTdK1PDd93/VVr8B9="
        ));
    }

    #[test]
    fn url_variants_keep_userinfo_and_ipv6() {
        assert_eq!(
            url_variants("https://u:p@example.com/a?b=1"),
            [
                "https://u:p@example.com/a?b=1",
                "https://u:p@example.com:443/a?b=1"
            ]
        );
        assert_eq!(
            url_variants("http://[::1]:8080/x"),
            ["http://[::1]:8080/x", "http://[::1]/x"]
        );
        assert_eq!(
            url_variants("https://example.com"),
            ["https://example.com", "https://example.com:443"]
        );
    }
}
