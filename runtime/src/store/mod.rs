//! Call stores: where a call's state lives between webhooks.
//!
//! Two stores sit behind one enum, [`Store`]: [`MemoryStore`] (the embedded
//! default, one process) and [`RedisStore`] (shared by replicas). The server
//! drives both the same way, once per webhook:
//!
//! 1. [`Store::load`] the call at the turn the webhook answers (the server puts
//!    the turn in every callback URL it renders);
//! 2. step the engine (pure);
//! 3. [`Store::commit`] the new state, the reply sent to the provider, and the
//!    nodes visited. The commit is a compare-and-set on the turn number:
//!    - the stored turn is the expected one → [`Outcome::Committed`];
//!    - the turn was already committed (a retried webhook) → [`Outcome::Replay`]
//!      with the reply sent the first time, and the call does not advance;
//!    - anything else → [`Outcome::Conflict`] with the current state.
//!
//! With Redis, steps 1 and 3 are one round trip in the common case: the load
//! is served from a local cache when this replica committed the previous turn,
//! and the commit is one Lua script (`turn.lua`). A stale cache is harmless:
//! the commit's compare-and-set catches it.
//!
//! In the server, with `turn` taken from the callback URL:
//!
//! ```text
//! match store.load(call_id, turn).await? {
//!     Some(s) if Some(s.state.turn) == turn => step, then commit(expected: turn)
//!     Some(s) => match s.reply_for(turn) {
//!         Some(reply) => answer `reply` again (a retry; do not step)
//!         None => a stale webhook: the call has moved on
//!     },
//!     None if turn.is_none() => a new call: step Started, commit(expected: None)
//!     None => unknown or expired call
//! }
//! ```
//!
//! Architecture invariant: a store never reads the clock for call data (times
//! come from the call state); it only measures TTLs. No store operation
//! panics or waits longer than its configured timeout.

pub mod campaign;
pub mod history;
pub mod memory;
pub mod outbox;
pub mod redis;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::engine::CallState;
pub use campaign::CampaignSave;
pub use history::{CallDetail, CallOut, CallStatus, CallSummary, Heard, Transcript, Visit};
pub use memory::MemoryStore;
pub use outbox::Pending;
pub use redis::RedisStore;

/// A call store. Cheap to clone: clones share the same store.
#[derive(Clone, Debug)]
pub enum Store {
    Memory(MemoryStore),
    Redis(RedisStore),
}

/// Lifetimes and limits. The defaults suit production; tests shorten them.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// How long a live call's state outlives its last turn (refreshed every
    /// turn). Longer than any plausible gap between two webhooks.
    pub live_ttl: Duration,
    /// How long an ended call's state (and its last reply) is kept, so late
    /// retries still replay.
    pub ended_grace: Duration,
    /// How long a call's history record is kept (Redis).
    pub history_ttl: Duration,
    /// How many calls the history index keeps (newest win).
    pub history_capacity: usize,
    /// How many visits one call's trace keeps (newest win), so a looping call
    /// cannot grow without bound.
    pub trace_capacity: usize,
    /// How long a graph version is kept after it was last put (Redis).
    pub graph_ttl: Duration,
    /// The longest any Redis operation may take before it fails with
    /// [`StoreError::Timeout`].
    pub timeout: Duration,
    /// How many calls a Redis replica keeps in its local cache.
    pub cache_capacity: usize,
    /// Prefix of every Redis key, so several deployments can share a server.
    pub prefix: String,
    /// How many finished calls the outbox of call records holds (0: records
    /// are off and nothing enters it). See `outbox.rs`.
    pub outbox_capacity: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            live_ttl: Duration::from_secs(4 * 3600),
            ended_grace: Duration::from_secs(10 * 60),
            history_ttl: Duration::from_secs(7 * 24 * 3600),
            history_capacity: 10_000,
            trace_capacity: 200,
            graph_ttl: Duration::from_secs(7 * 24 * 3600),
            timeout: Duration::from_millis(500),
            cache_capacity: 10_000,
            prefix: "ivr:".into(),
            outbox_capacity: 0,
        }
    }
}

impl StoreConfig {
    /// How long a call's state is kept after this turn.
    fn state_ttl(&self, state: &CallState) -> Duration {
        if state.ended {
            self.ended_grace
        } else {
            self.live_ttl
        }
    }
}

/// A call as stored: its state and the reply of the turn that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub state: CallState,
    pub reply: Option<Reply>,
}

impl Snapshot {
    /// The reply already sent for the webhook answering `turn`, if that
    /// webhook was the last one committed: a retry gets exactly this.
    pub fn reply_for(&self, turn: Option<u64>) -> Option<&str> {
        // A commit always advances the turn, so the stored reply never
        // answers the turn the call is waiting on.
        self.reply
            .as_ref()
            .filter(|r| r.turn == turn)
            .map(|r| r.body.as_str())
    }
}

/// What was answered to one webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The turn the webhook answered (None: the call's first webhook).
    pub turn: Option<u64>,
    /// The provider response body (TwiML, Exotel JSON…), sent verbatim on replay.
    pub body: String,
    /// The provider has since fetched what the reply pointed it at (an
    /// Exotel applet's URL, [`Store::follow`]): a request like the one it
    /// answered, coming after that, is a new one, not a retry.
    pub followed: bool,
}

/// One turn to commit.
#[derive(Clone, Copy, Debug)]
pub struct Commit<'a> {
    /// The turn the webhook answered: the stored state must be at this turn.
    /// None for a call's first webhook: no state may be stored yet.
    pub expected: Option<u64>,
    /// The state after the step; `state.turn` must be newer than `expected`.
    pub state: &'a CallState,
    /// The response sent to the provider for this webhook.
    pub reply: &'a str,
    /// Nodes entered during the step, appended to the call's history.
    pub visits: &'a [Visit],
    /// The reply restates the stored one (a held turn finished in the
    /// background: the provider's last request keeps its answer), so
    /// whether it was [`Reply::followed`] stays as it was. Else a commit
    /// starts its reply unfollowed.
    pub restates: bool,
}

/// The result of a [`Commit`].
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The state, reply and visits are stored.
    Committed,
    /// This webhook was already committed: answer with this, change nothing.
    Replay(String),
    /// The call is elsewhere: at another turn (returned), or unknown/expired
    /// (None). Nothing was stored.
    Conflict(Option<Box<CallState>>),
}

/// What [`Store::claim`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The turn is this owner's: run its effects, then commit.
    Won,
    /// Another owner claimed the turn and its lease has not run out: wait
    /// for its commit.
    Taken,
    /// The turn was committed already (this webhook is a retry): answer with this.
    Replay(String),
    /// The call is elsewhere (at another turn, or unknown/expired).
    Gone,
}

/// Why a store operation failed. Plain data: the server decides what the
/// caller hears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The store spec is not `memory` or a Redis URL.
    Config(String),
    /// The operation did not finish within the configured timeout.
    Timeout(Duration),
    /// Redis refused or failed the operation (connection lost, server error).
    Unavailable(String),
    /// Stored data could not be decoded (written by an incompatible version?).
    Corrupt(String),
    /// The caller broke the contract (e.g. a commit that does not advance the turn).
    Invalid(String),
}

/// Run a store operation, and once more if the connection had failed: a
/// restarted Redis is noticed by the first command after it, which fails
/// while the reconnect starts, and a caller should not be dropped for that.
/// Only for operations that are safe to repeat (loads read; a repeated
/// commit replays; a status is set to the same value). Time-outs are not
/// retried: they have used up the budget.
pub async fn retried<T, F, Fut>(op: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    match op().await {
        Err(StoreError::Unavailable(e)) => {
            tracing::info!(error = %e, "store connection failed; trying once more");
            op().await
        }
        other => other,
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Config(m) => write!(f, "store configuration: {m}"),
            StoreError::Timeout(d) => write!(f, "store did not answer within {} ms", d.as_millis()),
            StoreError::Unavailable(m) => write!(f, "store unavailable: {m}"),
            StoreError::Corrupt(m) => write!(f, "stored data is corrupt: {m}"),
            StoreError::Invalid(m) => write!(f, "invalid store request: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// What `health()` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Health {
    pub kind: &'static str,
    pub reachable: bool,
    /// Why not, when unreachable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Store {
    /// A fresh in-memory store.
    pub fn memory(config: StoreConfig) -> Store {
        Store::Memory(MemoryStore::new(config))
    }

    /// Open the store named by `spec`: `memory`, or `redis://host:port[/db]`
    /// (`rediss://` for TLS is refused: the TLS feature is not built in).
    /// Never waits for Redis: the connection is made on first use and
    /// re-made after failures; call [`Store::health`] to find out.
    pub fn open(spec: &str, config: StoreConfig) -> Result<Store, StoreError> {
        if spec == "memory" {
            return Ok(Store::memory(config));
        }
        if spec.starts_with("redis://")
            || spec.starts_with("redis+unix://")
            || spec.starts_with("unix://")
        {
            return RedisStore::open(spec, config).map(Store::Redis);
        }
        Err(StoreError::Config(format!(
            "unknown store `{spec}`: expected `memory` or `redis://host:port`"
        )))
    }

    fn config(&self) -> &StoreConfig {
        match self {
            Store::Memory(s) => s.config(),
            Store::Redis(s) => s.config(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Memory(_) => "memory",
            Store::Redis(_) => "redis",
        }
    }

    /// The call as stored, for a webhook answering `turn`. Redis serves it
    /// from the local cache when the cached state is at `turn`.
    pub async fn load(
        &self,
        call_id: &str,
        turn: Option<u64>,
    ) -> Result<Option<Snapshot>, StoreError> {
        match self {
            Store::Memory(s) => s.load(call_id),
            Store::Redis(s) => s.load(call_id, turn).await,
        }
    }

    /// Compare-and-set one turn; see the module docs.
    pub async fn commit(&self, commit: Commit<'_>) -> Result<Outcome, StoreError> {
        check(&commit)?;
        match self {
            Store::Memory(s) => s.commit(commit),
            Store::Redis(s) => s.commit(commit).await,
        }
    }

    /// Claim the turn a webhook answers (`turn`, None for a call's first)
    /// before running its effects, so they run at most once across
    /// replicas while the claim lasts: one claim per turn and `owner`, kept
    /// for `lease` (a claim by the same owner again wins again). The call
    /// must still be at `turn` (else a retry's [`Claim::Replay`] or
    /// [`Claim::Gone`], as a commit would find). One round trip (`claim.lua`).
    /// The claim is never released: the commit moves the call on, and an
    /// owner that died before committing is outlived by its lease.
    pub async fn claim(
        &self,
        call_id: &str,
        turn: Option<u64>,
        owner: u64,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.claim(call_id, turn, owner, lease)),
            Store::Redis(s) => s.claim(call_id, turn, owner, lease).await,
        }
    }

    /// The call as stored, for a request that follows its reply (an Exotel
    /// applet's URL): marks the reply [`Reply::followed`] on the way. One
    /// round trip; never from a replica's cache.
    pub async fn follow(&self, call_id: &str) -> Result<Option<Snapshot>, StoreError> {
        match self {
            Store::Memory(s) => s.follow(call_id),
            Store::Redis(s) => s.follow(call_id).await,
        }
    }

    /// A call we placed through a provider's REST API, recorded in the history
    /// (status `ringing`) so `GET /api/calls/{id}` shows it before it is
    /// answered, and status callbacks (busy, no answer…) have a record to
    /// update. Its first committed turn moves it to `in_progress`. A record
    /// that already exists is left alone.
    pub async fn placed(&self, summary: &CallSummary) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.placed(summary);
                Ok(())
            }
            Store::Redis(s) => s.placed(summary).await,
        }
    }

    /// A provider status callback: update the call's history status; a final
    /// status (completed, busy…) also ends the call, so its state expires
    /// after the grace period. Unknown calls are ignored.
    pub async fn set_status(
        &self,
        call_id: &str,
        status: CallStatus,
        at: crate::engine::Millis,
    ) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.set_status(call_id, status, at);
                Ok(())
            }
            Store::Redis(s) => s.set_status(call_id, status, at).await,
        }
    }

    /// A call's once-written `slot` (an agent's result, or the mark
    /// that the hand-off ended without one): the first `value` offered is
    /// kept and every offer, concurrent ones included, returns the kept value.
    /// A compare-and-set on absence, so whichever of two replicas comes first
    /// decides, and a repeat of the same offer sees its own value.
    /// Kept as long as a live call's state ([`StoreConfig::live_ttl`]).
    pub async fn settle(
        &self,
        call_id: &str,
        slot: &str,
        value: &str,
    ) -> Result<String, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.settle(call_id, slot, value)),
            Store::Redis(s) => s.settle(call_id, slot, value).await,
        }
    }

    /// The value of a call's once-written `slot`, without offering one:
    /// None until [`Store::settle`] has kept a value.
    pub async fn peek(&self, call_id: &str, slot: &str) -> Result<Option<String>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.peek(call_id, slot)),
            Store::Redis(s) => s.peek(call_id, slot).await,
        }
    }

    /// Keep a recording's transcript with the call's history record
    /// (replacing one for the same turn). False when the history has no
    /// record of the call.
    pub async fn transcribed(
        &self,
        call_id: &str,
        transcript: &Transcript,
    ) -> Result<bool, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.transcribed(call_id, transcript)),
            Store::Redis(s) => s.transcribed(call_id, transcript).await,
        }
    }

    /// Keep a compiled graph under its version (content hash) so any replica
    /// can continue a call on it. Putting an existing version only refreshes
    /// its lifetime.
    pub async fn put_graph(&self, version: &str, json: &str) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.put_graph(version, json);
                Ok(())
            }
            Store::Redis(s) => s.put_graph(version, json).await,
        }
    }

    /// The graph JSON stored under `version`.
    pub async fn get_graph(&self, version: &str) -> Result<Option<String>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.get_graph(version)),
            Store::Redis(s) => s.get_graph(version).await,
        }
    }

    /// The newest `limit` calls, newest first.
    pub async fn calls(&self, limit: usize) -> Result<Vec<CallSummary>, StoreError> {
        let limit = limit.min(self.config().history_capacity);
        match self {
            Store::Memory(s) => Ok(s.calls(limit)),
            Store::Redis(s) => s.calls(limit).await,
        }
    }

    /// One call's history record with its trace.
    pub async fn call(&self, call_id: &str) -> Result<Option<CallDetail>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.call(call_id)),
            Store::Redis(s) => s.call(call_id).await,
        }
    }

    /// The oldest `limit` finished calls not yet recorded in PostgreSQL
    /// (`outbox.rs`), oldest first.
    pub async fn outbox(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.outbox(limit)),
            Store::Redis(s) => s.outbox(limit).await,
        }
    }

    /// PostgreSQL has `call_id` as it was when its outbox entry had `mark`:
    /// remove the entry unless the call finished again since.
    pub async fn recorded(&self, call_id: &str, mark: u64) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.recorded(call_id, mark);
                Ok(())
            }
            Store::Redis(s) => s.recorded(call_id, mark).await,
        }
    }

    /// Is the store reachable? (Redis: a PING within the timeout.)
    pub async fn health(&self) -> Health {
        let result = match self {
            Store::Memory(_) => Ok(()),
            Store::Redis(s) => s.ping().await,
        };
        Health {
            kind: self.kind(),
            reachable: result.is_ok(),
            error: result.err().map(|e| e.to_string()),
        }
    }
}

/// Contract checks shared by both stores, so they fail alike.
fn check(commit: &Commit<'_>) -> Result<(), StoreError> {
    if commit.expected.is_some_and(|t| commit.state.turn <= t) {
        return Err(StoreError::Invalid(format!(
            "commit of call {} does not advance the turn ({} after {:?})",
            commit.state.call_id, commit.state.turn, commit.expected
        )));
    }
    if commit.state.call_id.is_empty() {
        return Err(StoreError::Invalid("commit of a call without an id".into()));
    }
    Ok(())
}
