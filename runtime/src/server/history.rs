//! Where `/api/calls`, the console and analytics read calls: the store's
//! history, and with `--records` also PostgreSQL.
//!
//! With records on, every read asks both and merges them by call id, the
//! store's copy winning (it is the fresher: a live call is only there, and a
//! finished one reaches PostgreSQL a moment later). PostgreSQL down: the
//! store's history alone, as without records; the store down: PostgreSQL's
//! alone. Only when both fail is the read an error.

use std::collections::HashSet;

use super::App;
use crate::engine::Millis;
use crate::store::{CallDetail, CallSummary, StoreError};

/// The newest `limit` calls, newest first.
pub async fn calls(app: &App, limit: usize) -> Result<Vec<CallSummary>, StoreError> {
    let recent = app.store.calls(limit).await;
    let Some(records) = &app.records else {
        return recent;
    };
    let older = records.calls(limit).await;
    let (recent, older) = match (recent, older) {
        (Ok(r), Ok(o)) => (r, o),
        (Ok(r), Err(e)) => {
            tracing::warn!(error = %e, "call records unreadable; the store's history only");
            (r, Vec::new())
        }
        (Err(e), Ok(o)) => {
            tracing::warn!(error = %e, "store unreadable; call records only");
            (Vec::new(), o)
        }
        (Err(e), Err(_)) => return Err(e),
    };
    let mut merged = merge(recent, older, |c| &c.call_id);
    merged.sort_by(|a, b| (b.started_at, &b.call_id).cmp(&(a.started_at, &a.call_id)));
    merged.truncate(limit);
    Ok(merged)
}

/// One call: the store's record, else PostgreSQL's.
pub async fn call(app: &App, call_id: &str) -> Result<Option<CallDetail>, StoreError> {
    let stored = app.store.call(call_id).await;
    if let Ok(Some(call)) = stored {
        return Ok(Some(call));
    }
    let Some(records) = &app.records else {
        return stored;
    };
    match (records.call(call_id).await, stored) {
        (Ok(Some(call)), _) => Ok(Some(call)),
        (Ok(None), stored) => stored,
        (Err(e), Ok(None)) => {
            tracing::warn!(error = %e, "call records unreadable");
            Ok(None)
        }
        (Err(_), stored) => stored,
    }
}

/// The calls of `flow` started at or after `since`, with their traces: at
/// most `from_store` read from the store's history (one read each) and
/// `from_records` from PostgreSQL (one query).
pub async fn flow_calls(
    app: &App,
    flow: &str,
    since: Millis,
    from_store: usize,
    from_records: usize,
) -> Result<Vec<CallDetail>, StoreError> {
    let recent = recent_flow_calls(app, flow, since, from_store).await;
    let Some(records) = &app.records else {
        return recent;
    };
    match (recent, records.flow_calls(flow, since, from_records).await) {
        (Ok(r), Ok(o)) => Ok(merge(r, o, |c| &c.summary.call_id)),
        (Ok(r), Err(e)) => {
            tracing::warn!(error = %e, "call records unreadable; the store's history only");
            Ok(r)
        }
        (Err(e), Ok(o)) => {
            tracing::warn!(error = %e, "store unreadable; call records only");
            Ok(o)
        }
        (Err(e), Err(_)) => Err(e),
    }
}

async fn recent_flow_calls(
    app: &App,
    flow: &str,
    since: Millis,
    most: usize,
) -> Result<Vec<CallDetail>, StoreError> {
    let mut calls = Vec::new();
    for summary in app.store.calls(most).await? {
        if summary.flow != flow || summary.started_at < since {
            continue;
        }
        if let Some(detail) = app.store.call(&summary.call_id).await? {
            calls.push(detail);
        }
    }
    Ok(calls)
}

/// `first`, then those of `second` whose id is not in `first`.
fn merge<T>(first: Vec<T>, second: Vec<T>, id: impl Fn(&T) -> &String) -> Vec<T> {
    let seen: HashSet<String> = first.iter().map(|c| id(c).clone()).collect();
    let mut all = first;
    all.extend(second.into_iter().filter(|c| !seen.contains(id(c))));
    all
}
