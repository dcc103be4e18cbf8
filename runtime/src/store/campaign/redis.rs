//! Campaigns in Redis. Keys, under the store prefix:
//! - `campaign:{id}` hash — `settings` (JSON), `created_at`, `cancelled`, `finished`
//! - `campaign:{id}:entries` hash — entry index → entry JSON
//! - `campaign:{id}:events` list — events not yet applied
//! - `campaign:{id}:lease` string — the owner's token, with a TTL
//! - `campaigns` sorted set — ids by creation time; `campaigns:active` set

use std::collections::HashMap;
use std::time::Duration;

use redis::Script;

use super::{CampaignSave, assemble, decode, encode};
use crate::campaign::{Campaign, Entry, Settings};
use crate::store::{RedisStore, StoreError};

#[derive(Debug)]
pub struct Scripts {
    save: Script,
    lease: Script,
    release: Script,
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts {
            save: Script::new(include_str!("save.lua")),
            lease: Script::new(include_str!("lease.lua")),
            release: Script::new(include_str!("release.lua")),
        }
    }
}

fn keys(s: &RedisStore, id: &str) -> [String; 4] {
    [
        s.key("campaign:", id),
        s.key("campaign:", &format!("{id}:entries")),
        s.key("campaign:", &format!("{id}:events")),
        s.key("campaign:", &format!("{id}:lease")),
    ]
}

/// Entries written per command when a campaign is created: each command
/// stays well inside the store's time-out however long the list.
const CHUNK: usize = 500;

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Settings first, entries in chunks, and last the index and active set:
/// the campaign exists for the API and the dialers only once whole. A
/// failure part-way leaves keys nobody reads, and the request fails.
pub async fn create(s: &RedisStore, campaign: &Campaign) -> Result<bool, StoreError> {
    let id = campaign.settings.id.as_str();
    let [hash, entries, _, _] = keys(s, id);
    let mut conn = s.conn.clone();
    // The settings field decides who creates a campaign of a given id (an
    // idempotency key makes the same id twice).
    let fresh: i64 = s
        .timed(
            redis::cmd("HSETNX")
                .arg(&hash)
                .arg("settings")
                .arg(encode(&campaign.settings)?)
                .query_async(&mut conn),
        )
        .await?;
    if fresh == 0 {
        return Ok(false);
    }
    let () = s
        .timed(
            redis::cmd("HSET")
                .arg(&hash)
                .arg("created_at")
                .arg(campaign.settings.created_at)
                .arg("cancelled")
                .arg("0")
                .arg("finished")
                .arg("0")
                .query_async(&mut conn),
        )
        .await
        .map(|_: i64| ())?;
    for (n, chunk) in campaign.entries().chunks(CHUNK).enumerate() {
        let mut hset = redis::cmd("HSET");
        hset.arg(&entries);
        for (i, entry) in chunk.iter().enumerate() {
            hset.arg(n * CHUNK + i).arg(encode(entry)?);
        }
        let _: i64 = s.timed(hset.query_async(&mut conn)).await?;
    }
    let mut pipe = redis::pipe();
    pipe.atomic();
    pipe.cmd("ZADD")
        .arg(s.key("campaigns", ""))
        .arg(campaign.settings.created_at)
        .arg(id)
        .ignore();
    pipe.cmd("SADD")
        .arg(s.key("campaigns:active", ""))
        .arg(id)
        .ignore();
    let () = s.timed(pipe.query_async(&mut conn)).await?;
    Ok(true)
}

pub async fn load(s: &RedisStore, id: &str) -> Result<Option<Campaign>, StoreError> {
    let [hash, entries, _, _] = keys(s, id);
    let mut conn = s.conn.clone();
    let (fields, stored): (HashMap<String, String>, HashMap<usize, String>) = s
        .timed(
            redis::pipe()
                .cmd("HGETALL")
                .arg(&hash)
                .cmd("HGETALL")
                .arg(&entries)
                .query_async(&mut conn),
        )
        .await?;
    let Some(settings) = fields.get("settings") else {
        return Ok(None);
    };
    let settings: Settings = decode("campaign settings", settings)?;
    let entries = stored
        .into_iter()
        .map(|(i, json)| Ok((i, decode::<Entry>("campaign entry", &json)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let cancelled = fields.get("cancelled").is_some_and(|v| v == "1");
    assemble(settings, entries, cancelled).map(Some)
}

pub async fn ids(s: &RedisStore, limit: usize) -> Result<Vec<String>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut conn = s.conn.clone();
    s.timed(
        redis::cmd("ZREVRANGE")
            .arg(s.key("campaigns", ""))
            .arg(0)
            .arg(limit - 1)
            .query_async(&mut conn),
    )
    .await
}

pub async fn active(s: &RedisStore) -> Result<Vec<String>, StoreError> {
    let mut conn = s.conn.clone();
    s.timed(
        redis::cmd("SMEMBERS")
            .arg(s.key("campaigns:active", ""))
            .query_async(&mut conn),
    )
    .await
}

pub async fn lease(
    s: &RedisStore,
    id: &str,
    owner: &str,
    ttl: Duration,
) -> Result<bool, StoreError> {
    let [_, _, _, lease] = keys(s, id);
    let mut script = s.scripts.campaign.lease.prepare_invoke();
    script.key(lease).arg(owner).arg(millis(ttl));
    let mut conn = s.conn.clone();
    let taken: i64 = s.timed(script.invoke_async(&mut conn)).await?;
    Ok(taken == 1)
}

pub async fn release(s: &RedisStore, id: &str, owner: &str) -> Result<(), StoreError> {
    let [_, _, _, lease] = keys(s, id);
    let mut script = s.scripts.campaign.release.prepare_invoke();
    script.key(lease).arg(owner);
    let mut conn = s.conn.clone();
    let _: i64 = s.timed(script.invoke_async(&mut conn)).await?;
    Ok(())
}

pub async fn report(s: &RedisStore, id: &str, json: &str) -> Result<(), StoreError> {
    let [_, _, events, _] = keys(s, id);
    let mut conn = s.conn.clone();
    let _: i64 = s
        .timed(
            redis::cmd("RPUSH")
                .arg(events)
                .arg(json)
                .query_async(&mut conn),
        )
        .await?;
    Ok(())
}

pub async fn events(s: &RedisStore, id: &str) -> Result<Vec<String>, StoreError> {
    let [_, _, events, _] = keys(s, id);
    let mut conn = s.conn.clone();
    s.timed(
        redis::cmd("LRANGE")
            .arg(events)
            .arg(0)
            .arg(-1)
            .query_async(&mut conn),
    )
    .await
}

pub async fn save(s: &RedisStore, save: &CampaignSave<'_>) -> Result<bool, StoreError> {
    let [hash, entries, events, lease] = keys(s, save.id);
    let mut script = s.scripts.campaign.save.prepare_invoke();
    script
        .key(lease)
        .key(hash)
        .key(entries)
        .key(events)
        .key(s.key("campaigns:active", ""))
        .arg(save.owner)
        .arg(millis(save.lease))
        .arg(save.applied)
        .arg(if save.cancelled { "1" } else { "0" })
        .arg(if save.finished { "1" } else { "0" })
        .arg(save.id);
    for (i, entry) in save.entries {
        script.arg(*i).arg(encode(*entry)?);
    }
    let mut conn = s.conn.clone();
    let saved: i64 = s.timed(script.invoke_async(&mut conn)).await?;
    Ok(saved == 1)
}
