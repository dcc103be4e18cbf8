//! Twilio access tokens for the Voice JavaScript SDK: a browser phone that
//! calls a flow through a TwiML App whose voice URL is `/twilio/{flow}`.
//!
//! The token is what Twilio's helper libraries write (`AccessToken` with a
//! `VoiceGrant`): an HS256 JWT signed with an API key's secret (never the
//! auth token), header `cty: twilio-fpa;v=1`, `iss` the API key sid, `sub`
//! the account sid, `jti` `<key sid>-<issued at>`, and a `grants` object
//! holding the identity and the voice grant. Written out here with the
//! crates the signature code already uses: the format is fixed and small,
//! and a JWT crate would pull in RSA and elliptic curves we never sign with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

/// Twilio refuses tokens that live longer than a day.
pub const MAX_TTL_SECS: u64 = 24 * 60 * 60;
/// The helper libraries' default.
pub const DEFAULT_TTL_SECS: u64 = 60 * 60;

/// What signs a token and where its calls go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keys {
    pub account_sid: String,
    /// An API key (`SK…`) and its secret.
    pub api_key_sid: String,
    pub api_key_secret: String,
    /// The TwiML App (`AP…`) outgoing calls from the browser run.
    pub application_sid: String,
}

/// Why a token was not issued; the request's fault, so a 400.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Identity,
    Ttl,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Identity => f.write_str(
                "identity must be 1 to 121 letters, digits or underscores (Twilio's rule for client names)",
            ),
            TokenError::Ttl => write!(f, "ttl must be between 1 and {MAX_TTL_SECS} seconds"),
        }
    }
}

/// A signed token for `identity`, valid from `now` (seconds since the epoch)
/// for `ttl` seconds. Incoming calls to `client:<identity>` are allowed, so a
/// flow's `transfer` to that client rings the browser.
pub fn voice_token(keys: &Keys, identity: &str, ttl: u64, now: u64) -> Result<String, TokenError> {
    check_identity(identity)?;
    if ttl == 0 || ttl > MAX_TTL_SECS {
        return Err(TokenError::Ttl);
    }
    let header = json!({ "typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1" });
    let claims = json!({
        "jti": format!("{}-{now}", keys.api_key_sid),
        "iss": keys.api_key_sid,
        "sub": keys.account_sid,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "grants": {
            "identity": identity,
            "voice": {
                "incoming": { "allow": true },
                "outgoing": { "application_sid": keys.application_sid },
            },
        },
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.api_key_secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(signed.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signed}.{signature}"))
}

/// Twilio client identities: letters, digits and underscores, at most 121
/// characters. Anything else would not round-trip through `client:NAME`.
fn check_identity(identity: &str) -> Result<(), TokenError> {
    let fits = (1..=121).contains(&identity.len())
        && identity
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    fits.then_some(()).ok_or(TokenError::Identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys {
            account_sid: "AC00000000000000000000000000000001".into(),
            api_key_sid: "SK00000000000000000000000000000002".into(),
            api_key_secret: "key-secret".into(),
            application_sid: "AP00000000000000000000000000000003".into(),
        }
    }

    fn part(token: &str, i: usize) -> serde_json::Value {
        let raw = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(i).unwrap())
            .unwrap();
        serde_json::from_slice(&raw).unwrap()
    }

    #[test]
    fn a_token_is_what_the_helper_libraries_write() {
        let token = voice_token(&keys(), "alice_1", 600, 1_700_000_000).unwrap();
        assert_eq!(token.split('.').count(), 3);
        let header = part(&token, 0);
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["cty"], "twilio-fpa;v=1");
        let claims = part(&token, 1);
        assert_eq!(claims["iss"], "SK00000000000000000000000000000002");
        assert_eq!(claims["sub"], "AC00000000000000000000000000000001");
        assert_eq!(
            claims["jti"],
            "SK00000000000000000000000000000002-1700000000"
        );
        assert_eq!(claims["exp"], 1_700_000_600u64);
        assert_eq!(claims["grants"]["identity"], "alice_1");
        assert_eq!(claims["grants"]["voice"]["incoming"]["allow"], true);
        assert_eq!(
            claims["grants"]["voice"]["outgoing"]["application_sid"],
            "AP00000000000000000000000000000003"
        );
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_header_and_claims_with_the_key_secret() {
        let token = voice_token(&keys(), "alice", 60, 1_700_000_000).unwrap();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let verify = |secret: &[u8]| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
            mac.update(signed.as_bytes());
            mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
                .is_ok()
        };
        assert!(verify(b"key-secret"));
        assert!(!verify(b"another-secret"));
    }

    #[test]
    fn identities_and_lifetimes_twilio_refuses_are_refused_here() {
        for bad in ["", "has space", "a:b", "<script>", &"x".repeat(122)] {
            assert_eq!(
                voice_token(&keys(), bad, 60, 0),
                Err(TokenError::Identity),
                "{bad:?}"
            );
        }
        assert_eq!(voice_token(&keys(), "a", 0, 0), Err(TokenError::Ttl));
        assert_eq!(
            voice_token(&keys(), "a", MAX_TTL_SECS + 1, 0),
            Err(TokenError::Ttl)
        );
        assert!(voice_token(&keys(), "a", MAX_TTL_SECS, 0).is_ok());
    }
}
