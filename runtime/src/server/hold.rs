//! Holding a caller while an effect (a slow call-out) runs past the turn
//! budget, so the provider gets an answer in time and the caller never sits
//! in silence until the provider gives up.
//!
//! 1. A webhook whose effect outlasts the budget commits the call as it is —
//!    waiting on the effect at its node: *held* — with a hold answer: what
//!    the turn said so far, a short pause, and a way back (Twilio: a
//!    `<Redirect>` to the held turn's `hold` URL; Exotel: a Greeting and the
//!    app's loop back to the Passthru).
//! 2. The effect goes on in a background task ([`super::walk`]). When its
//!    result is in, the task steps the engine, runs what follows (with a
//!    budget of its own: it may hold again), renders the answer and commits
//!    it as the answer to the held turn's webhook.
//! 3. The webhook that comes back ([`super::turn`]) finds that answer — served by
//!    the usual replay path, byte for byte, whichever replica it lands on —
//!    or the call still held: it waits up to the budget for the commit, then
//!    answers another hold, uncommitted (holds are idempotent).
//! 4. A call held far longer than its effect can take (the replica running
//!    it died) is stepped with a failed result: the node's failure exit.
//!
//! A stored state waiting on an effect *is* the mark of a held call: nothing
//! else ever commits one. The engine knows nothing of holds.

use std::time::Duration;

use ivr_compiler::Graph;
use ivr_compiler::graph::{NodeId, NodeKind};
use tokio::time::Instant as Deadline;

use super::App;
use crate::engine::{CallState, EffectResult, Millis, Waiting};
use crate::store::{Snapshot, StoreError, retried};

/// How often a webhook that came back to a held call looks for the answer.
const POLL: Duration = Duration::from_millis(50);

/// How long an SMS may take (the REST client's own time-out).
const SMS_TIMEOUT_MS: u64 = 10_000;

/// How long past its effect's own time-out a held call waits before it is
/// taken for orphaned (no replica is finishing it any more).
const ORPHANED_AFTER_MS: u64 = 10_000;

/// One hold of a call: where and since when (the held state's `updated_at`)
/// it waits on an effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hold {
    node: NodeId,
    since: Millis,
}

impl Hold {
    /// The hold a stored call is in, if it is held.
    pub fn of(state: &CallState) -> Option<Hold> {
        (state.waiting == Waiting::Effect).then_some(Hold {
            node: state.node,
            since: state.updated_at,
        })
    }
}

/// Count one hold answer.
pub fn count(flow: &str) {
    metrics::counter!("ivr_holds_total", "flow" => flow.to_string()).increment(1);
}

/// Poll the store until the call is no longer at `turn` or `deadline` is
/// near. `Ok(None)`: still there; `Ok(Some(None))`: the call is gone.
pub async fn moved_on(
    app: &App,
    call_id: &str,
    turn: u64,
    deadline: Deadline,
) -> Result<Option<Option<Snapshot>>, StoreError> {
    while Deadline::now() + POLL <= deadline {
        tokio::time::sleep(POLL).await;
        // Not from a replica's cache (turn `None`): the answer is committed
        // by whichever replica runs the effect.
        match retried(|| app.store.load(call_id, None)).await? {
            None => return Ok(Some(None)),
            Some(s) if s.state.turn != turn => return Ok(Some(Some(s))),
            Some(_) => {}
        }
    }
    Ok(None)
}

/// Has the call been held for longer than its effect could possibly take?
/// (Times are the call's own: the held state's `updated_at` is when the
/// effect started.)
pub fn orphaned(app: &App, graph: &Graph, held: &CallState) -> bool {
    let (own, _) = effect(&graph.node(held.node).kind);
    let limit = i64::try_from(own + ORPHANED_AFTER_MS).unwrap_or(i64::MAX);
    app.now().saturating_sub(held.updated_at) > limit
}

/// The result that sends the effect node at `node` out of its failure exit.
pub fn failure(graph: &Graph, node: NodeId) -> EffectResult {
    effect(&graph.node(node).kind).1
}

/// How long the effect of a node of `kind` may take, and the result of its
/// failure. Only `http` and `sms` nodes wait on an effect; every kind is
/// named so a new one with an effect is not forgotten here.
fn effect(kind: &NodeKind) -> (u64, EffectResult) {
    let http_failed = EffectResult::Http {
        status: 0,
        body: None,
    };
    match kind {
        NodeKind::Http { timeout_ms, .. } => (*timeout_ms, http_failed),
        NodeKind::Sms { .. } => (SMS_TIMEOUT_MS, EffectResult::Sms { sent: false }),
        NodeKind::Say { .. }
        | NodeKind::Menu { .. }
        | NodeKind::Gather { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Transfer { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Record { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Ai { .. }
        | NodeKind::Hangup { .. } => (SMS_TIMEOUT_MS, http_failed),
    }
}
