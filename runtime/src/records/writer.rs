//! The background writer: drains the store's outbox of finished calls into
//! PostgreSQL, and deletes records older than the retention.
//!
//! One loop per process; replicas sharing a Redis store drain the same
//! outbox, which is safe (a row is replaced only by a newer version) and
//! lets any replica finish another's work. An entry leaves the outbox only
//! after the transaction that wrote it committed, so a crash anywhere in
//! between means the call is written again, never lost.

use std::time::Duration;

use super::{Records, RecordsError};
use crate::store::{Pending, Store, StoreError};

/// Finished calls written per transaction.
const BATCH: usize = 100;
/// How often an empty outbox is looked at again.
const POLL: Duration = Duration::from_millis(250);
/// Backoff while PostgreSQL (or the store) is down: doubles from the first
/// to the last, so a restarted PostgreSQL is noticed within a few seconds.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const LAST_BACKOFF: Duration = Duration::from_secs(5);
/// How often records older than the retention are deleted.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// How the writer is set up.
#[derive(Clone, Debug)]
pub struct WriterConfig {
    /// Records whose call started longer ago than this are deleted.
    pub retention: Duration,
}

/// The running writer; dropping it stops it (what is left stays in the
/// outbox for the next one).
#[derive(Debug)]
pub struct Writer {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Start the writer and the retention sweep on the current Tokio runtime.
pub fn spawn(
    store: Store,
    records: Records,
    config: WriterConfig,
    clock: std::sync::Arc<dyn Fn() -> i64 + Send + Sync>,
) -> Writer {
    let sweeper = records.clone();
    let drainer = tokio::spawn(drain(store, records));
    let retention = tokio::spawn(async move {
        loop {
            let before = clock() - i64::try_from(config.retention.as_millis()).unwrap_or(i64::MAX);
            match sweeper.forget_before(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "call records past their retention deleted"),
                Err(e) => tracing::warn!(error = %e, "could not delete old call records"),
            }
            tokio::time::sleep(RETENTION_EVERY).await;
        }
    });
    Writer {
        tasks: vec![drainer, retention],
    }
}

async fn drain(store: Store, records: Records) {
    let mut backoff = FIRST_BACKOFF;
    let mut migrated = false;
    let mut failing = false;
    loop {
        let step = async {
            if !migrated {
                records.migrate().await.map_err(Failure::Records)?;
                migrated = true;
                tracing::info!("call records: PostgreSQL schema is up to date");
            }
            drain_once(&store, &records).await
        };
        match step.await {
            Ok(n) => {
                if failing {
                    tracing::info!("call records: writing again");
                    failing = false;
                }
                backoff = FIRST_BACKOFF;
                if n == 0 {
                    tokio::time::sleep(POLL).await;
                }
            }
            Err(e) => {
                metrics::counter!("ivr_record_write_failures_total", "cause" => e.cause())
                    .increment(1);
                if !failing {
                    tracing::warn!(error = %e, "call records: cannot write; retrying with backoff");
                    failing = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(LAST_BACKOFF);
            }
        }
    }
}

/// Write the oldest outbox entries; how many were taken out of it.
async fn drain_once(store: &Store, records: &Records) -> Result<usize, Failure> {
    let pending = store.outbox(BATCH).await.map_err(Failure::Store)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut calls = Vec::with_capacity(pending.len());
    let mut gone: Vec<&Pending> = Vec::new();
    for entry in &pending {
        match store.call(&entry.call_id).await.map_err(Failure::Store)? {
            Some(call) => calls.push((call, entry.mark)),
            None => gone.push(entry),
        }
    }
    records.write(&calls).await.map_err(Failure::Records)?;
    for entry in &pending {
        store
            .recorded(&entry.call_id, entry.mark)
            .await
            .map_err(Failure::Store)?;
    }
    metrics::counter!("ivr_records_written_total").increment(calls.len() as u64);
    if !gone.is_empty() {
        // The history record expired before PostgreSQL took it.
        metrics::counter!("ivr_records_dropped_total", "reason" => "expired")
            .increment(gone.len() as u64);
    }
    Ok(pending.len())
}

#[derive(Debug)]
enum Failure {
    Store(StoreError),
    Records(RecordsError),
}

impl Failure {
    fn cause(&self) -> &'static str {
        match self {
            Failure::Store(_) => "store",
            Failure::Records(_) => "postgres",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Store(e) => e.fmt(f),
            Failure::Records(e) => e.fmt(f),
        }
    }
}
