//! One webhook = one turn of a call, whatever the provider: find the call's
//! state, step the engine (executing effects), render the answer, commit it
//! atomically. Providers supply the decoding and the rendering.
//!
//! A turn has a time budget ([`super::Config::turn_budget`]): an effect still
//! running when it is spent goes on in the background, and the webhook is
//! answered with a hold (see [`super::hold`]).

use std::sync::Arc;
use std::time::Instant;

use tokio::time::Instant as Deadline;

use ivr_compiler::Graph;

use super::effects::{self, Running};
use super::{App, hold};
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

/// How a provider words its answers. Shared with the background task that
/// finishes a held turn, hence `Send + Sync + 'static`.
pub trait Render: Send + Sync + 'static {
    /// The answer to a webhook whose turn ends with `instructions`. When
    /// `held`, an effect is still running: the answer plays `instructions`
    /// (prompts only), holds the caller briefly and comes back for the rest.
    /// May keep provider data in `state.channel`.
    fn render(&self, state: &mut CallState, instructions: &[Instruction], held: bool) -> String;
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
    render: Arc<dyn Render>,
) -> Answer {
    let started = Instant::now();
    let deadline = Deadline::now() + app.config.turn_budget;
    let answer = run_inner(app, provider, flow, begin, decode, render, deadline).await;
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
    render: Arc<dyn Render>,
    deadline: Deadline,
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
            let mut state = snapshot.state;
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
            if state.waiting == Waiting::Effect {
                // Back from a hold: the effect is still running somewhere.
                return hold::wait(app, provider, graph, state, render, deadline).await;
            }
            super::transcripts::collect(&app.store, &mut state).await;
            let event = match decode(&state) {
                Ok(event) => event,
                Err(e) => return Answer::BadRequest(e.to_string()),
            };
            let event = match super::agent::collect(&app.store, &state, event).await {
                Ok(event) => event,
                Err(e) => return Answer::StoreDown(e),
            };
            let expected = Some(state.turn);
            let turn = engine::step(&graph, state, event);
            (graph, expected, turn)
        }
    };
    let walk = run_effects(app, provider, &graph, first, deadline).await;
    conclude(app, provider, graph, expected, walk, render, None).await
}

/// Where a turn's walk through the graph stopped.
pub(super) struct Walk {
    pub state: CallState,
    /// Everything the caller is to hear, in order.
    pub instructions: Vec<Instruction>,
    pub visits: Vec<Visit>,
    /// The effect the call waits on, still running when the budget ran out
    /// (`state` waits on it): the turn is held.
    pub running: Option<Running>,
}

/// Render and commit a walked turn. A held turn is committed as it is, with
/// its hold answer, and finished in the background ([`hold::finish_later`]).
///
/// `finishing`: the walk finished the effect of this hold (the background
/// task). If the provider moved its own hold along meanwhile (Exotel's plan:
/// the same hold, at a later turn), the finished turn is rebased onto it:
/// same steps, the newer turn and channel.
pub(super) async fn conclude(
    app: &App,
    provider: Provider,
    graph: Arc<Graph>,
    mut expected: Option<u64>,
    walk: Walk,
    render: Arc<dyn Render>,
    finishing: Option<hold::Hold>,
) -> Answer {
    let Walk {
        mut state,
        instructions,
        visits,
        running,
    } = walk;
    // An agent learns where to post its result among its parameters.
    let instructions = crate::handoff::with_result_parameters(
        &app.handoff_key,
        &app.config.base_url(),
        &state,
        &instructions,
    )
    .unwrap_or(instructions);
    let mut outcome;
    let mut body;
    let mut rebases = 0;
    loop {
        body = render.render(&mut state, &instructions, running.is_some());
        let commit = Commit {
            expected,
            state: &state,
            reply: &body,
            visits: &visits,
        };
        outcome = retried(|| app.store.commit(commit)).await;
        let (Some(finishing), Some(from)) = (finishing, expected) else {
            break;
        };
        if rebases == MAX_REBASES
            || !matches!(outcome, Ok(Outcome::Conflict(_) | Outcome::Replay(_)))
        {
            break;
        }
        let Ok(Some(now)) = retried(|| app.store.load(&state.call_id, None)).await else {
            break;
        };
        let now = now.state;
        if hold::Hold::of(&now) != Some(finishing) || now.turn <= from {
            break;
        }
        rebases += 1;
        state.turn = now.turn + (state.turn - from);
        state.channel = now.channel.clone();
        expected = Some(now.turn);
    }
    if let Some(running) = &running
        && !matches!(outcome, Ok(Outcome::Committed))
    {
        // Nothing stored says the call waits on it: nobody would read it.
        running.abort();
    }
    match outcome {
        Ok(Outcome::Committed) => {
            count(&state.flow, &visits);
            if let Some(running) = running {
                hold::count(&state.flow);
                hold::finish_later(app.clone(), provider, graph, state, running, render);
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

/// A provider moving its hold along while the effect finishes: a few times
/// at most per finished effect (Exotel's hold plan is short).
const MAX_REBASES: usize = 8;

/// Count the nodes a committed turn went through.
pub(super) fn count(flow: &str, visits: &[Visit]) {
    for v in visits {
        metrics::counter!("ivr_turns_total", "flow" => flow.to_string(), "node" => v.node.clone(), "outcome" => v.exit.clone())
            .increment(1);
    }
}

/// Execute effects until the call waits for the caller (or ends), folding
/// every step's instructions and path into one answer. An effect still
/// running at `deadline` stops the walk there, with the effect in
/// [`Walk::running`].
pub(super) async fn run_effects(
    app: &App,
    provider: Provider,
    graph: &Graph,
    first: Turn,
    deadline: Deadline,
) -> Walk {
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
        let mut running = effects::spawn(app.effects.clone(), effect, provider);
        let Ok(result) = tokio::time::timeout_at(deadline, running.result()).await else {
            return Walk {
                state: turn.state,
                instructions,
                visits,
                running: Some(running),
            };
        };
        let at = app.now();
        turn = engine::step(graph, turn.state, Event::EffectDone { result, at });
    }
    Walk {
        state: turn.state,
        instructions,
        visits,
        running: None,
    }
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
pub(super) async fn retried<T, F, Fut>(op: F) -> Result<T, StoreError>
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
