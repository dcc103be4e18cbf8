//! The shared store: call state in Redis, so any replica can take any webhook.
//!
//! Keys (under the configured prefix, `ivr:` by default):
//! - `call:{id}` hash — `state` (JSON), `turn`, `reply`, `rturn` (the turn the
//!   reply answered), `followed` (the provider fetched what the reply pointed
//!   at: `follow.lua`); TTL: long while live, refreshed every turn; the grace
//!   period once ended.
//! - `history:{id}` hash, `trace:{id}` list — the call's history record; TTL
//!   `history_ttl`. `transcripts:{id}` hash — recordings' transcripts by
//!   turn (JSON), kept as long as the history record. `calls` sorted set — the history index by start time,
//!   capped at `history_capacity`.
//! - `graph:{version}` string — a compiled graph by content hash.
//! - `claim:{id}:{turn}` string — the owner of a turn's effects (`claim.lua`);
//!   TTL: the claim's lease.
//! - `outbox` sorted set (score: a mark from the `outbox:seq` counter) —
//!   finished calls not yet recorded in PostgreSQL (`outbox.rs`); no TTL.
//!
//! A turn is one round trip: the load hits the local cache when this replica
//! committed the previous turn, and the commit is one script (`turn.lua`,
//! sent by hash; its body is sent only when the server lacks it, e.g. after a
//! restart). Every operation is bounded by `timeout`; the connection manager
//! reconnects by itself, with short backoff so recovery is quick.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisError, Script};

use super::outbox::Pending;
use super::{
    CallDetail, CallStatus, CallSummary, Claim, Commit, Outcome, Reply, Snapshot, StoreConfig,
    StoreError, Transcript, Visit,
};
use crate::engine::{CallState, Caller, Millis};

#[derive(Clone, Debug)]
pub struct RedisStore {
    pub(super) conn: ConnectionManager,
    config: Arc<StoreConfig>,
    cache: Arc<Mutex<HashMap<String, Snapshot>>>,
    pub(super) scripts: Arc<Scripts>,
}

#[derive(Debug)]
pub(super) struct Scripts {
    turn: Script,
    claim: Script,
    follow: Script,
    status: Script,
    /// GET, else SET: one script, so two replicas cannot both win.
    settle: Script,
    /// Remove an outbox entry if its mark is unchanged.
    recorded: Script,
    /// Put an ended call in the outbox again (a late transcript).
    reopen: Script,
    pub(super) campaign: super::campaign::redis::Scripts,
}

/// How `Commit::expected` is spelled in Redis (`turn.lua` compares strings).
const NEW_CALL: &str = "new";

impl RedisStore {
    /// Prepare a store for `url` without connecting (the first operation
    /// connects). Must be called within a Tokio runtime.
    pub fn open(url: &str, config: StoreConfig) -> Result<RedisStore, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::Config(
                "the Redis store needs a Tokio runtime".into(),
            ));
        }
        let client =
            redis::Client::open(url).map_err(|e| StoreError::Config(format!("{url}: {e}")))?;
        // Short, few retries: a command waiting on a reconnect is cut off by
        // our timeout anyway, and a failed reconnect is retried on the next
        // command, so long backoff would only delay recovery.
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(2)
            .set_min_delay(std::time::Duration::from_millis(50))
            .set_max_delay(config.timeout);
        let conn = ConnectionManager::new_lazy_with_config(client, manager)
            .map_err(|e| StoreError::Config(format!("{url}: {e}")))?;
        Ok(RedisStore {
            conn,
            config: Arc::new(config),
            cache: Arc::new(Mutex::new(HashMap::new())),
            scripts: Arc::new(Scripts {
                turn: Script::new(include_str!("turn.lua")),
                claim: Script::new(include_str!("claim.lua")),
                follow: Script::new(include_str!("follow.lua")),
                status: Script::new(include_str!("status.lua")),
                settle: Script::new(SETTLE),
                recorded: Script::new(RECORDED),
                reopen: Script::new(include_str!("reopen.lua")),
                campaign: Default::default(),
            }),
        })
    }

    pub async fn load(
        &self,
        call_id: &str,
        turn: Option<u64>,
    ) -> Result<Option<Snapshot>, StoreError> {
        if let Some(turn) = turn
            && let Some(hit) = self.cache().get(call_id).filter(|s| s.state.turn == turn)
        {
            return Ok(Some(hit.clone()));
        }
        let mut conn = self.conn.clone();
        let fields: Vec<Option<String>> = self
            .timed(
                redis::cmd("HMGET")
                    .arg(self.key("call:", call_id))
                    .arg(&["state", "rturn", "reply", "followed"])
                    .query_async(&mut conn),
            )
            .await?;
        decode_snapshot(fields)
    }

    pub async fn follow(&self, call_id: &str) -> Result<Option<Snapshot>, StoreError> {
        let mut script = self.scripts.follow.prepare_invoke();
        script.key(self.key("call:", call_id));
        let mut conn = self.conn.clone();
        let fields: Vec<Option<String>> = self.timed(script.invoke_async(&mut conn)).await?;
        decode_snapshot(fields)
    }

    pub async fn commit(&self, commit: Commit<'_>) -> Result<Outcome, StoreError> {
        let state = commit.state;
        let id = state.call_id.as_str();
        let json = serde_json::to_string(state).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let caller =
            serde_json::to_string(&state.caller).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let c = &self.config;
        let mut script = self.scripts.turn.prepare_invoke();
        script
            .key(self.key("call:", id))
            .key(self.key("history:", id))
            .key(self.key("trace:", id))
            .key(self.key("calls", ""))
            .key(self.key("outbox", ""))
            .key(self.key("outbox:seq", ""))
            .arg(
                commit
                    .expected
                    .map_or(NEW_CALL.to_string(), |t| t.to_string()),
            )
            .arg(state.turn)
            .arg(&json)
            .arg(commit.reply)
            .arg(millis(c.state_ttl(state)))
            .arg(millis(c.history_ttl))
            .arg(c.history_capacity.max(1))
            .arg(c.trace_capacity.max(1))
            .arg(id)
            .arg(&state.flow)
            .arg(&state.version)
            .arg(&caller)
            .arg(state.started_at)
            .arg(if state.ended {
                state.updated_at.to_string()
            } else {
                String::new()
            })
            .arg(if commit.restates { "1" } else { "0" })
            .arg(c.outbox_capacity);
        for visit in commit.visits {
            script
                .arg(serde_json::to_string(visit).map_err(|e| StoreError::Invalid(e.to_string()))?);
        }
        let mut conn = self.conn.clone();
        let answer: Vec<Option<String>> = self.timed(script.invoke_async(&mut conn)).await?;
        let outcome = match answer.as_slice() {
            [Some(word), dropped] if word == "committed" => {
                let dropped = dropped.as_deref().and_then(|d| d.parse().ok());
                super::outbox::count_dropped(dropped.unwrap_or(0));
                Outcome::Committed
            }
            [Some(word), Some(reply)] if word == "replay" => Outcome::Replay(reply.clone()),
            [Some(word), current] if word == "conflict" => {
                let current = current.as_deref().map(decode_state).transpose()?;
                Outcome::Conflict(current.map(Box::new))
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unexpected answer from turn.lua: {other:?}"
                )));
            }
        };
        let mut cache = self.cache();
        match &outcome {
            Outcome::Committed if !state.ended => {
                if cache.len() >= self.config.cache_capacity
                    && !cache.contains_key(id)
                    && let Some(victim) = cache.keys().next().cloned()
                {
                    cache.remove(&victim);
                }
                if self.config.cache_capacity > 0 {
                    // Loads for a turn from the cache are Twilio's; followed
                    // is only read by loads that skip it.
                    let reply = Some(Reply {
                        turn: commit.expected,
                        body: commit.reply.to_owned(),
                        followed: false,
                    });
                    cache.insert(
                        id.to_owned(),
                        Snapshot {
                            state: state.clone(),
                            reply,
                        },
                    );
                }
            }
            Outcome::Replay(_) => {}
            _ => {
                cache.remove(id);
            }
        }
        Ok(outcome)
    }

    pub async fn claim(
        &self,
        call_id: &str,
        turn: Option<u64>,
        owner: u64,
        lease: std::time::Duration,
    ) -> Result<Claim, StoreError> {
        let turn = turn.map_or(NEW_CALL.to_string(), |t| t.to_string());
        let mut script = self.scripts.claim.prepare_invoke();
        script
            .key(self.key("call:", call_id))
            .key(self.key("claim:", &format!("{call_id}:{turn}")))
            .arg(&turn)
            .arg(owner.to_string())
            .arg(millis(lease));
        let mut conn = self.conn.clone();
        let answer: Vec<Option<String>> = self.timed(script.invoke_async(&mut conn)).await?;
        let claim = match answer.as_slice() {
            [Some(word)] if word == "won" => Claim::Won,
            [Some(word)] if word == "taken" => Claim::Taken,
            [Some(word)] if word == "gone" => Claim::Gone,
            [Some(word), Some(reply)] if word == "replay" => Claim::Replay(reply.clone()),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unexpected answer from claim.lua: {other:?}"
                )));
            }
        };
        if matches!(claim, Claim::Replay(_) | Claim::Gone) {
            // The call moved on without this replica: its cached turn is stale.
            self.cache().remove(call_id);
        }
        Ok(claim)
    }

    /// Record a placed call (status `ringing`) unless its first turn already
    /// did: every field is set only if absent, in one transaction.
    pub async fn placed(&self, summary: &CallSummary) -> Result<(), StoreError> {
        let id = summary.call_id.as_str();
        let caller = serde_json::to_string(&summary.caller)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let history = self.key("history:", id);
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (field, value) in [
            ("flow", summary.flow.as_str()),
            ("version", summary.version.as_str()),
            ("caller", caller.as_str()),
            ("status", summary.status.as_str()),
        ] {
            pipe.cmd("HSETNX")
                .arg(&history)
                .arg(field)
                .arg(value)
                .ignore();
        }
        pipe.cmd("HSETNX")
            .arg(&history)
            .arg("started_at")
            .arg(summary.started_at)
            .ignore();
        pipe.cmd("PEXPIRE")
            .arg(&history)
            .arg(millis(self.config.history_ttl))
            .ignore();
        pipe.cmd("ZADD")
            .arg(self.key("calls", ""))
            .arg("NX")
            .arg(summary.started_at)
            .arg(id)
            .ignore();
        let mut conn = self.conn.clone();
        let () = self.timed(pipe.query_async(&mut conn)).await?;
        Ok(())
    }

    pub async fn set_status(
        &self,
        call_id: &str,
        status: CallStatus,
        at: Millis,
    ) -> Result<(), StoreError> {
        if status.is_final() {
            self.cache().remove(call_id);
        }
        let mut script = self.scripts.status.prepare_invoke();
        script
            .key(self.key("history:", call_id))
            .key(self.key("call:", call_id))
            .key(self.key("outbox", ""))
            .key(self.key("outbox:seq", ""))
            .arg(status.as_str())
            .arg(at)
            .arg(if status.is_final() { "1" } else { "0" })
            .arg(millis(self.config.ended_grace))
            .arg(self.config.outbox_capacity)
            .arg(call_id);
        let mut conn = self.conn.clone();
        let dropped: u64 = self.timed(script.invoke_async(&mut conn)).await?;
        super::outbox::count_dropped(dropped);
        Ok(())
    }

    pub async fn settle(
        &self,
        call_id: &str,
        slot: &str,
        value: &str,
    ) -> Result<String, StoreError> {
        let key = self.key("settled:", &format!("{call_id}:{slot}"));
        let mut script = self.scripts.settle.key(key);
        script.arg(value).arg(millis(self.config.live_ttl));
        let mut conn = self.conn.clone();
        self.timed(script.invoke_async(&mut conn)).await
    }

    pub async fn peek(&self, call_id: &str, slot: &str) -> Result<Option<String>, StoreError> {
        let key = self.key("settled:", &format!("{call_id}:{slot}"));
        let mut conn = self.conn.clone();
        self.timed(redis::cmd("GET").arg(key).query_async(&mut conn))
            .await
    }

    /// Two round trips (is there a record? then write), apart from any
    /// turn: a transcript is rare and never on a caller's path.
    pub async fn transcribed(
        &self,
        call_id: &str,
        transcript: &Transcript,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let history = self.key("history:", call_id);
        let known: bool = self
            .timed(redis::cmd("EXISTS").arg(&history).query_async(&mut conn))
            .await?;
        if !known {
            return Ok(false);
        }
        let key = self.key("transcripts:", call_id);
        let json = serde_json::to_string(transcript).expect("a transcript always serialises");
        let () = self
            .timed(
                redis::pipe()
                    .cmd("HSET")
                    .arg(&key)
                    .arg(transcript.turn)
                    .arg(json)
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(millis(self.config.history_ttl))
                    .ignore()
                    .query_async(&mut conn),
            )
            .await?;
        if self.config.outbox_capacity > 0 {
            let mut script = self.scripts.reopen.prepare_invoke();
            script
                .key(history)
                .key(self.key("outbox", ""))
                .key(self.key("outbox:seq", ""))
                .arg(call_id)
                .arg(self.config.outbox_capacity);
            let dropped: u64 = self.timed(script.invoke_async(&mut conn)).await?;
            super::outbox::count_dropped(dropped);
        }
        Ok(true)
    }

    /// The oldest `limit` finished calls not yet recorded.
    pub async fn outbox(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        let mut conn = self.conn.clone();
        // Scores are doubles; marks stay below 2^53, so they are exact.
        let entries: Vec<(String, f64)> = self
            .timed(
                redis::cmd("ZRANGE")
                    .arg(self.key("outbox", ""))
                    .arg(0)
                    .arg(limit.max(1) as i64 - 1)
                    .arg("WITHSCORES")
                    .query_async(&mut conn),
            )
            .await?;
        Ok(entries
            .into_iter()
            .map(|(call_id, mark)| Pending {
                call_id,
                mark: mark as u64,
            })
            .collect())
    }

    pub async fn recorded(&self, call_id: &str, mark: u64) -> Result<(), StoreError> {
        let mut script = self.scripts.recorded.prepare_invoke();
        script.key(self.key("outbox", "")).arg(call_id).arg(mark);
        let mut conn = self.conn.clone();
        let _: i64 = self.timed(script.invoke_async(&mut conn)).await?;
        Ok(())
    }

    pub async fn put_graph(&self, version: &str, json: &str) -> Result<(), StoreError> {
        let key = self.key("graph:", version);
        let ttl = millis(self.config.graph_ttl);
        let mut conn = self.conn.clone();
        // SET NX: a version is its content, so the first writer wins and
        // later puts only keep it alive.
        let _: () = self
            .timed(
                redis::pipe()
                    .cmd("SET")
                    .arg(&key)
                    .arg(json)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl)
                    .ignore()
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(ttl)
                    .ignore()
                    .query_async(&mut conn),
            )
            .await?;
        Ok(())
    }

    pub async fn get_graph(&self, version: &str) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn.clone();
        self.timed(
            redis::cmd("GET")
                .arg(self.key("graph:", version))
                .query_async(&mut conn),
        )
        .await
    }

    pub async fn calls(&self, limit: usize) -> Result<Vec<CallSummary>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let ids: Vec<String> = self
            .timed(
                redis::cmd("ZREVRANGE")
                    .arg(self.key("calls", ""))
                    .arg(0)
                    .arg(limit - 1)
                    .query_async(&mut conn),
            )
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("HGETALL").arg(self.key("history:", id));
        }
        let records: Vec<HashMap<String, String>> = self.timed(pipe.query_async(&mut conn)).await?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, fields) in ids.into_iter().zip(records) {
            // The index outlives records whose TTL ran out: skip those.
            if let Some(summary) = decode_summary(id, &fields)? {
                out.push(summary);
            }
        }
        Ok(out)
    }

    pub async fn call(&self, call_id: &str) -> Result<Option<CallDetail>, StoreError> {
        let mut conn = self.conn.clone();
        let (fields, trace, transcripts): (
            HashMap<String, String>,
            Vec<String>,
            HashMap<u64, String>,
        ) = self
            .timed(
                redis::pipe()
                    .cmd("HGETALL")
                    .arg(self.key("history:", call_id))
                    .cmd("LRANGE")
                    .arg(self.key("trace:", call_id))
                    .arg(0)
                    .arg(-1)
                    .cmd("HGETALL")
                    .arg(self.key("transcripts:", call_id))
                    .query_async(&mut conn),
            )
            .await?;
        let Some(summary) = decode_summary(call_id.to_owned(), &fields)? else {
            return Ok(None);
        };
        let trace = trace
            .iter()
            .map(|v| {
                serde_json::from_str::<Visit>(v)
                    .map_err(|e| StoreError::Corrupt(format!("visit: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let mut transcripts = transcripts
            .values()
            .map(|t| {
                serde_json::from_str::<Transcript>(t)
                    .map_err(|e| StoreError::Corrupt(format!("transcript: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        transcripts.sort_by_key(|t| t.turn);
        Ok(Some(CallDetail {
            summary,
            trace,
            transcripts,
        }))
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: String = self
            .timed(redis::cmd("PING").query_async(&mut conn))
            .await?;
        Ok(())
    }

    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Forget this replica's cached calls (tests; a replica that suspects
    /// its cache may call it too — correctness never depends on it).
    pub fn clear_cache(&self) {
        self.cache().clear();
    }

    pub(super) fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}{id}", self.config.prefix)
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<String, Snapshot>> {
        // The cache is only ever a hint (the commit checks the turn), so a
        // poisoned lock is safe to keep using.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) async fn timed<T>(
        &self,
        op: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.config.timeout, op).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) if e.is_timeout() => Err(StoreError::Timeout(self.config.timeout)),
            Ok(Err(e))
                if matches!(e.kind(), ErrorKind::UnexpectedReturnType | ErrorKind::Parse) =>
            {
                Err(StoreError::Corrupt(e.to_string()))
            }
            Ok(Err(e)) => Err(StoreError::Unavailable(e.to_string())),
            Err(_) => Err(StoreError::Timeout(self.config.timeout)),
        }
    }
}

const SETTLE: &str = "local v = redis.call('GET', KEYS[1]) \
    if v then return v end \
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) \
    return ARGV[1]";

const RECORDED: &str = "if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1])) == tonumber(ARGV[2]) then \
    return redis.call('ZREM', KEYS[1], ARGV[1]) end \
    return 0";

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn decode_state(json: &str) -> Result<CallState, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("call state: {e}")))
}

/// A call hash's `state`, `rturn`, `reply` and `followed`, as a snapshot.
fn decode_snapshot(fields: Vec<Option<String>>) -> Result<Option<Snapshot>, StoreError> {
    let mut fields = fields.into_iter();
    let mut next = || fields.next().flatten();
    let (state, rturn, reply, followed) = (next(), next(), next(), next());
    let Some(state) = state else { return Ok(None) };
    let state = decode_state(&state)?;
    let reply = match (rturn, reply) {
        (Some(turn), Some(body)) => Some(Reply {
            turn: decode_turn(&turn)?,
            body,
            followed: followed.as_deref() == Some("1"),
        }),
        _ => None,
    };
    Ok(Some(Snapshot { state, reply }))
}

fn decode_turn(text: &str) -> Result<Option<u64>, StoreError> {
    if text == NEW_CALL {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| StoreError::Corrupt(format!("turn `{text}`")))
}

fn decode_summary(
    call_id: String,
    fields: &HashMap<String, String>,
) -> Result<Option<CallSummary>, StoreError> {
    if fields.is_empty() {
        return Ok(None);
    }
    let field = |name: &str| {
        fields
            .get(name)
            .ok_or_else(|| StoreError::Corrupt(format!("history of {call_id}: no `{name}`")))
    };
    let number = |name: &str| -> Result<Option<Millis>, StoreError> {
        fields
            .get(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    StoreError::Corrupt(format!("history of {call_id}: `{name}` is `{v}`"))
                })
            })
            .transpose()
    };
    let caller: Caller = serde_json::from_str(field("caller")?)
        .map_err(|e| StoreError::Corrupt(format!("caller: {e}")))?;
    let status = CallStatus::parse(field("status")?)
        .ok_or_else(|| StoreError::Corrupt(format!("history of {call_id}: unknown status")))?;
    let started_at = number("started_at")?.unwrap_or_default();
    let ended_at = number("ended_at")?;
    Ok(Some(CallSummary {
        flow: field("flow")?.clone(),
        version: field("version")?.clone(),
        caller,
        status,
        started_at,
        ended_at,
        duration_ms: ended_at.map(|end| end - started_at),
        call_id,
    }))
}
