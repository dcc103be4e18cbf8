//! One webhook = one turn of a call, whatever the provider: find the call's
//! state, step the engine (executing effects), render the answer, commit it
//! atomically. Providers supply the decoding and the rendering.

use std::sync::Arc;
use std::time::Instant;

use ivr_compiler::Graph;

use super::App;
use crate::engine::{self, CallState, Caller, Event, Instruction, Turn, Waiting};
use crate::providers::{DecodeError, Provider};
use crate::store::{Commit, Outcome, StoreError, Visit};

/// Which webhook this is.
pub enum Begin<'a> {
    /// A new call to `flow`.
    New {
        call_id: &'a str,
        caller: Caller,
        vars: std::collections::BTreeMap<String, serde_json::Value>,
    },
    /// A later webhook for a call, answering the response rendered at `turn`
    /// (None when the provider's URL cannot carry it, e.g. Exotel).
    Continue { call_id: &'a str, turn: Option<u64> },
}

/// How the turn ended, for the provider route to turn into an HTTP answer.
pub enum Answer {
    /// The provider response (fresh, or replayed for a retried webhook).
    Body(String),
    /// No such flow (new call): 404.
    NoFlow,
    /// A webhook for a call we do not know (expired, or never ours).
    UnknownCall,
    /// The webhook made no sense for the call (missing parameters): 4xx.
    BadRequest(String),
    /// The store failed: answer with the configured fallback.
    StoreDown(StoreError),
}

/// Limits one webhook to this many effect round trips (a defence: the
/// checker already forbids loops that never wait).
const MAX_EFFECTS: usize = 50;

pub async fn run(
    app: &App,
    provider: Provider,
    flow: &str,
    begin: Begin<'_>,
    decode: impl FnOnce(&CallState) -> Result<Event, DecodeError>,
    render: impl FnOnce(&CallState, &[Instruction]) -> String,
) -> Answer {
    let started = Instant::now();
    let answer = run_inner(app, provider, flow, begin, decode, render).await;
    let outcome = match &answer {
        Answer::Body(_) => "ok",
        Answer::NoFlow => "no_flow",
        Answer::UnknownCall => "unknown_call",
        Answer::BadRequest(_) => "bad_request",
        Answer::StoreDown(_) => "store_down",
    };
    metrics::histogram!("ivr_webhook_seconds", "flow" => flow.to_string())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("ivr_webhooks_total", "flow" => flow.to_string(), "outcome" => outcome)
        .increment(1);
    answer
}

async fn run_inner(
    app: &App,
    provider: Provider,
    flow: &str,
    begin: Begin<'_>,
    decode: impl FnOnce(&CallState) -> Result<Event, DecodeError>,
    render: impl FnOnce(&CallState, &[Instruction]) -> String,
) -> Answer {
    let now = app.now();
    let (graph, expected, first) = match begin {
        Begin::New {
            call_id,
            caller,
            vars,
        } => {
            let Some(graph) = app.registry.current(flow) else {
                return Answer::NoFlow;
            };
            // A retried first webhook finds the call already there.
            let (found, stored) = tokio::join!(
                retried(|| app.store.load(call_id, None)),
                retried(|| remember_graph(app, &graph))
            );
            if let Err(e) = stored {
                return Answer::StoreDown(e);
            }
            match found {
                Err(e) => return Answer::StoreDown(e),
                Ok(Some(snapshot)) => {
                    return match snapshot.reply_for(None) {
                        Some(reply) => Answer::Body(reply.to_string()),
                        None => Answer::BadRequest(format!("call {call_id} has already started")),
                    };
                }
                Ok(None) => {}
            }
            let turn = engine::start_with_vars(&graph, call_id.to_string(), caller, vars, now);
            (graph, None, turn)
        }
        Begin::Continue { call_id, turn } => {
            let snapshot = match retried(|| app.store.load(call_id, turn)).await {
                Err(e) => return Answer::StoreDown(e),
                Ok(None) => return Answer::UnknownCall,
                Ok(Some(s)) => s,
            };
            if let Some(reply) = snapshot.reply_for(turn) {
                return Answer::Body(reply.to_string());
            }
            let state = snapshot.state;
            if turn.is_some_and(|t| t != state.turn) {
                tracing::warn!(call = %call_id, turn = ?turn, at = state.turn, "webhook for a turn the call is not at");
                return Answer::UnknownCall;
            }
            let graph = match graph_of(app, &state.version).await {
                Ok(Some(g)) => g,
                Ok(None) => {
                    tracing::error!(call = %call_id, version = %state.version, "graph version of a live call is gone");
                    return Answer::UnknownCall;
                }
                Err(e) => return Answer::StoreDown(e),
            };
            let event = match decode(&state) {
                Ok(event) => event,
                Err(e) => return Answer::BadRequest(e.to_string()),
            };
            let expected = Some(state.turn);
            let turn = engine::step(&graph, state, event);
            (graph, expected, turn)
        }
    };
    let (state, instructions, visits) = run_effects(app, provider, &graph, first).await;
    let body = render(&state, &instructions);
    let commit = Commit {
        expected,
        state: &state,
        reply: &body,
        visits: &visits,
    };
    match retried(|| app.store.commit(commit)).await {
        Ok(Outcome::Committed) => {
            for v in &visits {
                metrics::counter!("ivr_turns_total", "flow" => state.flow.clone(), "node" => v.node.clone(), "outcome" => v.exit.clone())
                    .increment(1);
            }
            Answer::Body(body)
        }
        Ok(Outcome::Replay(reply)) => Answer::Body(reply),
        Ok(Outcome::Conflict(_)) => {
            tracing::warn!(call = %state.call_id, "another webhook advanced this call first");
            Answer::UnknownCall
        }
        Err(e) => Answer::StoreDown(e),
    }
}

/// Execute effects until the call waits for the caller (or ends), folding
/// every step's instructions and path into one answer.
pub(super) async fn run_effects(
    app: &App,
    provider: Provider,
    graph: &Graph,
    first: Turn,
) -> (CallState, Vec<Instruction>, Vec<Visit>) {
    let mut instructions = Vec::new();
    let mut visits = Vec::new();
    let mut turn = first;
    for _ in 0..MAX_EFFECTS {
        instructions.append(&mut turn.instructions);
        visits.extend(turn.path.iter().map(|(id, exit)| Visit {
            node: graph.node(*id).name.clone(),
            exit: exit.clone(),
            input: None,
            at: turn.state.updated_at,
        }));
        if turn.state.waiting != Waiting::Effect || turn.effects.is_empty() || turn.state.ended {
            break;
        }
        // Effects of one step run in order; the engine waits on the first.
        let effect = turn.effects.remove(0);
        let result = app.effects.run(&effect, provider).await;
        let at = app.now();
        turn = engine::step(graph, turn.state, Event::EffectDone { result, at });
    }
    (turn.state, instructions, visits)
}

/// The graph a call is on: loaded here, or stored by another replica.
pub(super) async fn graph_of(app: &App, version: &str) -> Result<Option<Arc<Graph>>, StoreError> {
    if let Some(g) = app.registry.version(version) {
        return Ok(Some(g));
    }
    let Some(json) = retried(|| app.store.get_graph(version)).await? else {
        return Ok(None);
    };
    match serde_json::from_str::<Graph>(&json) {
        Ok(graph) => {
            let graph = Arc::new(graph);
            app.registry.adopt(graph.clone());
            Ok(Some(graph))
        }
        Err(e) => Err(StoreError::Corrupt(format!("graph {version}: {e}"))),
    }
}

/// Store the version a call starts on, so other replicas can continue it.
/// Every new call puts it (SET NX: a few KB, and it keeps the copy from
/// expiring): "already stored" cannot be remembered, since a Redis restarted
/// without persistence forgets it without this replica seeing any error.
pub(super) async fn remember_graph(app: &App, graph: &Graph) -> Result<(), StoreError> {
    let json = serde_json::to_string(graph).expect("a graph always serialises");
    app.store.put_graph(&graph.version, &json).await
}

/// Run a store operation, and once more if the connection had failed: a
/// restarted Redis is noticed by the first command after it, which fails
/// while the reconnect starts, and a caller should not be dropped for that.
/// Every operation here is safe to repeat (loads read; a repeated commit
/// replays). Time-outs are not retried: they have used up the budget.
async fn retried<T, F, Fut>(op: F) -> Result<T, StoreError>
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
