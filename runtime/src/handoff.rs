//! The agent's side of a hand-off, pure: the URL and token the runtime
//! passes to a voice agent, and what it accepts back (docs/agents.md).
//!
//! A hand-off is one stay of a call at an `ai` node, named by the node and
//! the time the call arrived there ([`Handoff`]); both stay put while the
//! agent talks, whatever the provider does meanwhile (Exotel moves the turn
//! on as it walks its applets). The token is an HMAC of the call id and the
//! hand-off under a server key, so any replica with the key checks it
//! without the store, and a token is good for one hand-off of one call.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::engine::{CallState, Instruction, Millis, Waiting};

/// The parameter names every agent gets (the checker reserves them).
pub const RESULT_URL: &str = "ivr_result_url";
pub const RESULT_TOKEN: &str = "ivr_result_token";

/// The largest result body an agent may post.
pub const MAX_BODY: usize = 16 * 1024;

/// What a hand-off's slot holds once it ended without a result. Never a
/// result: results are stored as JSON objects, which start with `{`.
pub const ENDED: &str = "!ended";

/// One stay of a call at an `ai` node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handoff {
    pub node: u32,
    /// When the call arrived at the node (`CallState::updated_at` then).
    pub since: Millis,
}

impl Handoff {
    /// The hand-off a call is in, if it waits on an agent.
    pub fn of(state: &CallState) -> Option<Handoff> {
        (state.waiting == Waiting::Agent && !state.ended).then_some(Handoff {
            node: state.node.0,
            since: state.updated_at,
        })
    }

    /// Its slot's name in the store, per call.
    pub fn slot(&self) -> String {
        format!("{}.{}", self.node, self.since)
    }
}

/// The server key tokens are made with.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    pub fn new(secret: &[u8]) -> Key {
        Key(secret.to_vec())
    }

    fn mac(&self, call_id: &str, handoff: Handoff) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        // Lengths first, so no two (call, hand-off) pairs hash the same text.
        mac.update(format!("ivr-agent-result:{}:{call_id}:", call_id.len()).as_bytes());
        mac.update(format!("{}:{}", handoff.node, handoff.since).as_bytes());
        mac
    }

    /// The bearer token for `call_id`'s `handoff`: `NODE.SINCE.MAC`.
    pub fn token(&self, call_id: &str, handoff: Handoff) -> String {
        let tag = self.mac(call_id, handoff).finalize().into_bytes();
        format!(
            "{}.{}.{}",
            handoff.node,
            handoff.since,
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The hand-off a token was made for, if it was made with this key for
    /// this call. Compared in constant time.
    pub fn verify(&self, call_id: &str, token: &str) -> Option<Handoff> {
        let mut parts = token.trim().splitn(3, '.');
        let node = parts.next()?.parse().ok()?;
        let since = parts.next()?.parse().ok()?;
        let given = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        let handoff = Handoff { node, since };
        let expected = self.mac(call_id, handoff).finalize().into_bytes();
        bool::from(expected.as_slice().ct_eq(&given)).then_some(handoff)
    }
}

/// Where an agent posts a call's result: `{base}/agent/{call_id}/result`.
pub fn result_url(base: &str, call_id: &str) -> String {
    // One path segment: everything but unreserved characters escaped.
    let id: String = call_id
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{}/agent/{id}/result", base.trim_end_matches('/'))
}

/// `instructions` with the result URL and token added to the agent's
/// parameters, when the call waits on an agent (None: nothing to add).
pub fn with_result_parameters(
    key: &Key,
    base: &str,
    state: &CallState,
    instructions: &[Instruction],
) -> Option<Vec<Instruction>> {
    let handoff = Handoff::of(state)?;
    if !instructions
        .iter()
        .any(|i| matches!(i, Instruction::Agent { .. }))
    {
        return None;
    }
    let added = [
        (RESULT_URL.to_owned(), result_url(base, &state.call_id)),
        (RESULT_TOKEN.to_owned(), key.token(&state.call_id, handoff)),
    ];
    Some(
        instructions
            .iter()
            .map(|i| match i {
                Instruction::Agent { url, params, relay } => Instruction::Agent {
                    url: url.clone(),
                    params: params.iter().cloned().chain(added.clone()).collect(),
                    relay: relay.clone(),
                },
                other => other.clone(),
            })
            .collect(),
    )
}

/// A posted body as the stored result: canonical JSON (keys sorted), so the
/// same result posted twice compares equal. Only a JSON object is a result.
pub fn canonical(body: &[u8]) -> Result<(serde_json::Value, String), &'static str> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    if !value.is_object() {
        return Err("the result must be a JSON object");
    }
    let text = value.to_string();
    Ok((value, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Attempts, Caller, Direction};
    use ivr_compiler::graph::NodeId;

    const AT: Handoff = Handoff {
        node: 3,
        since: 1_700_000_000_000,
    };

    #[test]
    fn a_token_is_good_for_its_call_and_hand_off_only() {
        let key = Key::new(b"server secret");
        let token = key.token("CA1", AT);
        assert!(token.starts_with("3.1700000000000."), "{token}");
        assert_eq!(key.verify("CA1", &token), Some(AT));
        assert_eq!(key.verify("CA2", &token), None);
        assert_eq!(Key::new(b"other").verify("CA1", &token), None);
        // Another hand-off's numbers with this MAC.
        let mac = token.rsplit('.').next().unwrap();
        assert_eq!(key.verify("CA1", &format!("4.1700000000000.{mac}")), None);
        assert_eq!(key.verify("CA1", &format!("3.1700000000001.{mac}")), None);
        for junk in [
            "",
            "3",
            "3.1",
            "3.1.",
            "x.y.z",
            "3.1.!!",
            &token[..token.len() - 2],
        ] {
            assert_eq!(key.verify("CA1", junk), None, "{junk:?}");
        }
    }

    fn waiting(on: Waiting) -> CallState {
        CallState {
            call_id: "CA 1/x".into(),
            flow: "f".into(),
            version: "v".into(),
            node: NodeId(3),
            waiting: on,
            turn: 4,
            attempts: Attempts::default(),
            visits: Default::default(),
            vars: Default::default(),
            language: "en-IN".into(),
            caller: Caller {
                from: "+911".into(),
                to: "+912".into(),
                direction: Direction::Inbound,
                answered_by: None,
            },
            started_at: 0,
            updated_at: AT.since,
            ended: false,
            recording_call: false,
            transcripts: Default::default(),
            pinned: Default::default(),
            channel: None,
        }
    }

    #[test]
    fn the_agent_gets_the_result_url_and_token_beside_its_parameters() {
        let key = Key::new(b"k");
        let agent = Instruction::Agent {
            url: "wss://agent.example.com".into(),
            params: vec![("caller".into(), "+911".into())],
            relay: None,
        };
        let state = waiting(Waiting::Agent);
        let out = with_result_parameters(&key, "https://ivr.example.com/", &state, &[agent])
            .expect("an agent to tell");
        let Instruction::Agent { params, .. } = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(params[0], ("caller".into(), "+911".into()));
        assert_eq!(
            params[1],
            (
                RESULT_URL.into(),
                "https://ivr.example.com/agent/CA%201%2Fx/result".into()
            )
        );
        assert_eq!(key.verify("CA 1/x", &params[2].1), Some(AT));
        // Not waiting on an agent: nothing to add.
        let other = waiting(Waiting::Input);
        assert_eq!(with_result_parameters(&key, "", &other, &[]), None);
    }

    #[test]
    fn only_a_json_object_is_a_result_and_it_is_stored_canonically() {
        let (_, a) = canonical(br#"{"b": 1, "a": [true]}"#).unwrap();
        let (_, b) = canonical(br#"{ "a":[true],"b":1 }"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, r#"{"a":[true],"b":1}"#);
        assert!(canonical(b"[1]").is_err());
        assert!(canonical(b"\"human\"").is_err());
        assert!(canonical(b"{nope").is_err());
    }
}
