//! The embedded store: call state in this process's memory.
//!
//! Good for one replica; a restart forgets live calls. Expired calls are
//! dropped lazily on load and by a sweep at most once a second on commit, so
//! no background task is needed.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::history::History;
use super::outbox::{Outbox, Pending};
use super::{
    CallDetail, CallStatus, CallSummary, Claim, Commit, Outcome, Reply, Snapshot, StoreConfig,
    StoreError, Transcript,
};
use crate::engine::{CallState, Millis};

#[derive(Clone, Debug)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    config: Arc<StoreConfig>,
    /// Campaigns, apart from calls: their lock is held only by the dialer.
    pub(super) campaigns: super::campaign::memory::Campaigns,
}

/// A settled slot's key: the call id and the slot's name.
type SlotKey = (Box<str>, Box<str>);

/// A turn's claim: the call id and the turn it answers.
type ClaimKey = (Box<str>, Option<u64>);

#[derive(Debug)]
struct Inner {
    /// Live calls, found by call id (a set, so the id is not stored twice).
    calls: HashSet<Live>,
    /// Replies shared by calls: callers at the same step of the same flow
    /// usually get the same body, so a call costs a pointer, not a copy.
    replies: HashSet<Arc<str>>,
    graphs: HashMap<String, String>,
    /// Once-written slots by call and turn (see [`super::Store::settle`]).
    settled: HashMap<SlotKey, (Box<str>, Instant)>,
    /// Claimed turns: the owner and when its lease runs out.
    claims: HashMap<ClaimKey, (u64, Instant)>,
    history: History,
    /// Finished calls not yet recorded in PostgreSQL (see `outbox.rs`).
    outbox: Outbox,
    last_sweep: Instant,
}

/// One live call. Kept small: this is the per-call cost of the memory store.
/// The state is kept as JSON, one allocation, because a `CallState` with
/// variables costs more than twice that as a struct (a `BTreeMap` leaf alone
/// is ~630 bytes); decoding it on load takes microseconds.
#[derive(Debug)]
struct Live {
    call_id: Box<str>,
    turn: u64,
    state: Box<str>,
    /// The turn the reply answered (None: the first webhook).
    reply_turn: Option<u64>,
    reply: Arc<str>,
    /// See [`Reply::followed`].
    followed: bool,
    expires: Instant,
}

impl Live {
    fn state(&self) -> Result<CallState, StoreError> {
        serde_json::from_str(&self.state)
            .map_err(|e| StoreError::Corrupt(format!("call state: {e}")))
    }

    fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let reply = Reply {
            turn: self.reply_turn,
            body: self.reply.to_string(),
            followed: self.followed,
        };
        Ok(Snapshot {
            state: self.state()?,
            reply: Some(reply),
        })
    }
}

impl Borrow<str> for Live {
    fn borrow(&self) -> &str {
        &self.call_id
    }
}

impl PartialEq for Live {
    fn eq(&self, other: &Live) -> bool {
        self.call_id == other.call_id
    }
}

impl Eq for Live {}

impl Hash for Live {
    fn hash<H: Hasher>(&self, hasher: &mut H) {
        // Must hash like the `str` it borrows as.
        (*self.call_id).hash(hasher);
    }
}

const SWEEP_EVERY: Duration = Duration::from_secs(1);

impl MemoryStore {
    pub fn new(config: StoreConfig) -> MemoryStore {
        let history = History::new(config.history_capacity, config.trace_capacity);
        MemoryStore {
            inner: Arc::new(Mutex::new(Inner {
                calls: HashSet::new(),
                replies: HashSet::new(),
                graphs: HashMap::new(),
                settled: HashMap::new(),
                claims: HashMap::new(),
                history,
                outbox: Outbox::new(config.outbox_capacity),
                last_sweep: Instant::now(),
            })),
            config: Arc::new(config),
            campaigns: Default::default(),
        }
    }

    pub fn load(&self, call_id: &str) -> Result<Option<Snapshot>, StoreError> {
        let mut inner = self.lock();
        let now = Instant::now();
        match inner.calls.get(call_id) {
            Some(live) if live.expires > now => live.snapshot().map(Some),
            Some(_) => {
                inner.calls.remove(call_id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    pub fn follow(&self, call_id: &str) -> Result<Option<Snapshot>, StoreError> {
        let mut inner = self.lock();
        let now = Instant::now();
        match inner.calls.take(call_id) {
            Some(mut live) if live.expires > now => {
                live.followed = true;
                let snapshot = live.snapshot();
                inner.calls.insert(live);
                snapshot.map(Some)
            }
            _ => Ok(None),
        }
    }

    pub fn commit(&self, commit: Commit<'_>) -> Result<Outcome, StoreError> {
        let json =
            serde_json::to_string(commit.state).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut inner = self.lock();
        let now = Instant::now();
        inner.sweep(now);
        let current = inner
            .calls
            .get(commit.state.call_id.as_str())
            .filter(|l| l.expires > now);
        let stored_turn = current.map(|l| l.turn);
        let matches = match (stored_turn, commit.expected) {
            (None, None) => true,
            (Some(stored), Some(expected)) => stored == expected,
            _ => false,
        };
        if !matches {
            return Ok(match current {
                Some(live) if live.reply_turn == commit.expected => {
                    Outcome::Replay(live.reply.to_string())
                }
                Some(live) => Outcome::Conflict(Some(Box::new(live.state()?))),
                None => Outcome::Conflict(None),
            });
        }
        let followed = commit.restates && current.is_some_and(|l| l.followed);
        let reply = inner.intern(commit.reply);
        let live = Live {
            call_id: commit.state.call_id.as_str().into(),
            turn: commit.state.turn,
            state: json.into(),
            reply_turn: commit.expected,
            reply,
            followed,
            expires: now + self.config.state_ttl(commit.state),
        };
        inner.calls.replace(live);
        inner.history.on_commit(commit.state, commit.visits);
        if commit.state.ended && inner.history.get_summary(&commit.state.call_id).is_some() {
            inner.outbox.add(&commit.state.call_id);
        }
        Ok(Outcome::Committed)
    }

    pub fn claim(&self, call_id: &str, turn: Option<u64>, owner: u64, lease: Duration) -> Claim {
        let mut inner = self.lock();
        let now = Instant::now();
        let current = inner.calls.get(call_id).filter(|l| l.expires > now);
        match (current, turn) {
            (None, None) => {}
            (Some(live), Some(turn)) if live.turn == turn => {}
            (Some(live), _) if live.reply_turn == turn => {
                return Claim::Replay(live.reply.to_string());
            }
            _ => return Claim::Gone,
        }
        let key: ClaimKey = (call_id.into(), turn);
        match inner.claims.get(&key) {
            Some((holder, expires)) if *expires > now => {
                if *holder == owner {
                    Claim::Won
                } else {
                    Claim::Taken
                }
            }
            _ => {
                inner.claims.insert(key, (owner, now + lease));
                Claim::Won
            }
        }
    }

    pub fn placed(&self, summary: &CallSummary) {
        self.lock().history.on_placed(summary);
    }

    pub fn transcribed(&self, call_id: &str, transcript: &Transcript) -> bool {
        let mut inner = self.lock();
        let known = inner.history.on_transcript(call_id, transcript);
        if inner
            .history
            .get_summary(call_id)
            .is_some_and(|s| s.ended_at.is_some())
        {
            inner.outbox.add(call_id);
        }
        known
    }

    pub fn outbox(&self, limit: usize) -> Vec<Pending> {
        self.lock().outbox.pending(limit)
    }

    pub fn recorded(&self, call_id: &str, mark: u64) {
        self.lock().outbox.done(call_id, mark);
    }

    /// A settled slot's value, if one was offered and has not expired.
    pub fn peek(&self, call_id: &str, slot: &str) -> Option<String> {
        let inner = self.lock();
        let key: SlotKey = (call_id.into(), slot.into());
        inner
            .settled
            .get(&key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value.to_string())
    }

    pub fn set_status(&self, call_id: &str, status: CallStatus, at: Millis) {
        let mut inner = self.lock();
        inner.history.on_status(call_id, status, at);
        if status.is_final() && inner.history.get_summary(call_id).is_some() {
            inner.outbox.add(call_id);
        }
        if status.is_final() {
            let grace = Instant::now() + self.config.ended_grace;
            if let Some(mut live) = inner.calls.take(call_id) {
                live.expires = live.expires.min(grace);
                inner.calls.insert(live);
            }
        }
    }

    pub fn settle(&self, call_id: &str, slot: &str, value: &str) -> String {
        let mut inner = self.lock();
        let now = Instant::now();
        let expires = now + self.config.live_ttl;
        let slot = inner
            .settled
            .entry((call_id.into(), slot.into()))
            .or_insert_with(|| (value.into(), expires));
        if slot.1 <= now {
            *slot = (value.into(), expires);
        }
        slot.0.to_string()
    }

    pub fn put_graph(&self, version: &str, json: &str) {
        let mut inner = self.lock();
        if !inner.graphs.contains_key(version) {
            inner.graphs.insert(version.to_owned(), json.to_owned());
        }
    }

    pub fn get_graph(&self, version: &str) -> Option<String> {
        self.lock().graphs.get(version).cloned()
    }

    pub fn calls(&self, limit: usize) -> Vec<CallSummary> {
        self.lock().history.list(limit)
    }

    pub fn call(&self, call_id: &str) -> Option<CallDetail> {
        self.lock().history.get(call_id)
    }

    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// How many calls hold state (live, or ended within the grace period).
    pub fn live_calls(&self) -> usize {
        self.lock().calls.len()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves Inner consistent before anything that
        // could panic, so a poisoned lock is still safe to use.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn sweep(&mut self, now: Instant) {
        if now.duration_since(self.last_sweep) < SWEEP_EVERY {
            return;
        }
        self.last_sweep = now;
        self.calls.retain(|live| live.expires > now);
        self.settled.retain(|_, (_, expires)| *expires > now);
        self.claims.retain(|_, (_, expires)| *expires > now);
        self.replies.retain(|reply| Arc::strong_count(reply) > 1);
    }

    fn intern(&mut self, reply: &str) -> Arc<str> {
        if let Some(shared) = self.replies.get(reply) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(reply);
        self.replies.insert(shared.clone());
        shared
    }
}

/// Approximate bytes one live call costs in the memory store (excluding its
/// history record, which is bounded separately), with its reply shared by
/// `sharers` calls, for the footprint test. Counts what the allocator hands
/// out: glibc rounds every block up to 16 bytes and adds 8.
#[cfg(test)]
pub(crate) fn live_footprint(state: &CallState, reply: &str, sharers: usize) -> usize {
    fn block(bytes: usize) -> usize {
        (bytes + 8).div_ceil(16).max(2) * 16
    }
    let json = serde_json::to_string(state).expect("serialisable").len();
    // hashbrown: one control byte per slot, at most 7/8 full.
    let slot = (std::mem::size_of::<Live>() + 1) * 8 / 7;
    // An Arc<str> block holds two counters before the text.
    let reply = block(reply.len() + 16) / sharers.max(1);
    slot + block(state.call_id.len()) + block(json) + reply
}
