//! What an operator sees of each webhook: one log line per turn (call, flow,
//! provider, the path of nodes, outcome, latency) and, with
//! `--otlp-endpoint`, a span with a child span per call-out
//! ([`super::telemetry`]).
//!
//! The walk notes what it did into a task-local [`Note`] that lives only as
//! long as the webhook; the line and the span are built from it afterwards,
//! their fields only when they are written.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Instant, SystemTime};

use super::App;
use super::walk::Answer;
use crate::providers::Provider;
use crate::store::{CallOut, Visit};

tokio::task_local! {
    static NOTE: RefCell<Note>;
}

/// What one webhook's turn did, as the walk noted it.
#[derive(Debug, Default)]
pub struct Note {
    /// The committed turn's visits (moved here after the commit, not copied).
    pub visits: Vec<Visit>,
    /// Call-outs answered during the webhook, with when each started.
    pub call_outs: Vec<(CallOut, SystemTime)>,
    /// The call ended in this turn.
    pub ended: bool,
}

impl Note {
    /// The nodes the turn went through, in order (a node waited at and left
    /// again appears once).
    pub fn path(&self) -> String {
        let mut path = String::new();
        let mut last: Option<&str> = None;
        for visit in &self.visits {
            if last == Some(visit.node.as_str()) {
                continue;
            }
            if last.is_some() {
                path.push('>');
            }
            path.push_str(&visit.node);
            last = Some(&visit.node);
        }
        path
    }

    /// The node the turn stopped at.
    pub fn node(&self) -> Option<&str> {
        self.visits.last().map(|v| v.node.as_str())
    }
}

/// A call-out answered (from [`super::effects::Running::answered`]).
pub fn call_out(call_out: &CallOut, since: SystemTime) {
    let _ = NOTE.try_with(|note| note.borrow_mut().call_outs.push((call_out.clone(), since)));
}

/// A turn was committed with `visits`.
pub fn committed(visits: Vec<Visit>, ended: bool) {
    let _ = NOTE.try_with(|note| {
        let mut note = note.borrow_mut();
        note.visits = visits;
        note.ended = ended;
    });
}

/// The webhook `turn` answers for `call_id` of `flow`, observed: its log
/// line written and its span exported once it is answered.
pub async fn webhook(
    app: &App,
    flow: &str,
    call_id: &str,
    provider: Provider,
    turn: impl Future<Output = Answer>,
) -> Answer {
    let started = Instant::now();
    let since = SystemTime::now();
    let (answer, note) = NOTE
        .scope(RefCell::new(Note::default()), async {
            let answer = turn.await;
            let note = NOTE.with(|note| note.take());
            (answer, note)
        })
        .await;
    let latency = started.elapsed();
    let outcome = outcome(&answer);
    tracing::info!(
        call = %call_id,
        flow = %flow,
        provider = %provider,
        path = %note.path(),
        node = note.node().unwrap_or(""),
        outcome,
        ended = note.ended,
        call_outs = note.call_outs.len(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "turn"
    );
    if let Some(telemetry) = &app.telemetry {
        telemetry.webhook(&super::telemetry::Webhook {
            flow,
            call_id,
            provider,
            outcome,
            note: &note,
            since,
            latency,
        });
    }
    answer
}

/// The `outcome` of a webhook, as logs, spans and metrics name it.
pub fn outcome(answer: &Answer) -> &'static str {
    match answer {
        Answer::Body(_) => "ok",
        Answer::NoFlow => "no_flow",
        Answer::UnknownCall => "unknown_call",
        Answer::BadRequest(_) => "bad_request",
        Answer::StoreDown(_) => "store_down",
    }
}
