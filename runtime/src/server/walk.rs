//! A turn's walk through the graph and its commit: effects executed until
//! the call waits for the caller, the answer rendered by the provider's
//! adapter, the state committed with it. Shared by the webhook's own turn
//! ([`super::turn`]) and the background task that finishes a held turn
//! ([`finish_later`]).

use std::sync::Arc;

use tokio::time::Instant as Deadline;
use tracing::Instrument;

use ivr_compiler::Graph;

use super::App;
use super::claim::{Claim, Lost};
use super::effects::{self, Running};
use super::hold::{self, Hold};
use super::trace::{Cause, Trace};
use crate::engine::{self, CallState, Event, Instruction, Turn, Waiting};
use crate::providers::{Adapter, Rendered};
use crate::store::{CallOut, Commit, Outcome, StoreError, Visit, retried};

/// Limits one webhook to this many effect round trips (a defence: the
/// checker already forbids loops that never wait).
const MAX_EFFECTS: usize = 50;

/// Bound on renders that hand the engine a step the provider cannot do
/// (defence in depth: a failure exit leading straight back to it).
const MAX_ROUNDS: usize = 20;

/// A provider moving its hold along while the effect finishes: a few times
/// at most per finished effect (Exotel's hold plan is short).
const MAX_REBASES: usize = 8;

/// How a walked turn ended, for the route to turn into an HTTP answer.
pub enum Answer {
    /// The provider response (fresh, or replayed for a retried webhook).
    Body(String),
    /// No such flow (new call): 404.
    NoFlow,
    /// A webhook for a call we do not know (expired, or never ours).
    UnknownCall,
    /// The webhook made no sense for the call (missing parameters): 4xx.
    BadRequest(String),
    /// The store failed: answer with the provider's fallback.
    StoreDown(StoreError),
}

impl From<Lost> for Answer {
    fn from(lost: Lost) -> Answer {
        match lost {
            Lost::Replay(reply) => Answer::Body(reply),
            Lost::Gone => {
                tracing::warn!("another webhook advanced this call first");
                Answer::UnknownCall
            }
            Lost::Store(e) => Answer::StoreDown(e),
        }
    }
}

/// Where a turn's walk through the graph stopped.
pub struct Walk {
    pub state: CallState,
    /// Everything the caller is to hear, in order.
    pub instructions: Vec<Instruction>,
    /// The nodes walked, with what the caller met there ([`super::trace`]).
    pub trace: Trace,
    /// The effect the call waits on, still running when the budget ran out
    /// (`state` waits on it): the turn is held.
    pub running: Option<Running>,
    /// The turn's claim (won once an effect ran), for the rest of the walk.
    pub claim: Claim,
}

/// Execute effects until the call waits for the caller (or ends), folding
/// every step's instructions and path into one answer. An effect still
/// running at `deadline` stops the walk there, with the effect in
/// [`Walk::running`]. The first effect waits for the turn's `claim`
/// (see [`super::claim`]): `Err` when another webhook has the turn.
pub async fn run_effects(
    app: &App,
    adapter: &dyn Adapter,
    graph: &Graph,
    first: Turn,
    mut claim: Claim,
    cause: Cause,
    deadline: Deadline,
) -> Result<Walk, Answer> {
    let mut instructions = Vec::new();
    let mut trace = Trace::new(cause);
    let mut turn = first;
    for _ in 0..MAX_EFFECTS {
        instructions.append(&mut turn.instructions);
        trace.step(graph, &turn);
        if turn.state.waiting != Waiting::Effect || turn.effects.is_empty() || turn.state.ended {
            break;
        }
        claim
            .take(app, &turn.state.call_id, &turn.state.flow)
            .await
            .map_err(Answer::from)?;
        // Effects of one step run in order; the engine waits on the first.
        let effect = turn.effects.remove(0);
        trace.effect(&effect);
        let mut running = effects::spawn(app.effects.clone(), effect, adapter.provider());
        let Ok(result) = tokio::time::timeout_at(deadline, running.result()).await else {
            return Ok(Walk {
                state: turn.state,
                instructions,
                trace,
                running: Some(running),
                claim,
            });
        };
        trace.answered(running.answered(&result));
        let at = app.now();
        turn = engine::step(graph, turn.state, Event::EffectDone { result, at });
    }
    Ok(Walk {
        state: turn.state,
        instructions,
        trace,
        running: None,
        claim,
    })
}

/// Render and commit a walked turn answering the webhook at turn `expected`
/// (None: the call's first). A held turn is committed as it is, with its
/// hold answer, and finished in the background ([`finish_later`]).
///
/// `finishing`: the walk finished the effect of this hold (the background
/// task); its answer is the adapter's `resume`. If the provider moved its
/// own hold along meanwhile (Exotel's plan: the same hold, at a later
/// turn), the finished turn is rebased onto it: same steps, the newer turn
/// and channel.
pub async fn conclude(
    app: &App,
    adapter: Arc<dyn Adapter>,
    graph: Arc<Graph>,
    mut expected: Option<u64>,
    walk: Walk,
    finishing: Option<Hold>,
) -> Answer {
    let Walk {
        mut state,
        mut instructions,
        mut trace,
        mut running,
        claim,
    } = walk;
    let mut body = None;
    for _ in 0..MAX_ROUNDS {
        // An agent learns where to post its result among its parameters.
        instructions = crate::handoff::with_result_parameters(
            &app.handoff_key,
            &app.config.base_url(),
            &state,
            &instructions,
        )
        .unwrap_or(instructions);
        // The commit's compare-and-set needs the turn to move on, also when
        // only the provider's own state did (Exotel walking its plan).
        if let Some(from) = expected
            && state.turn <= from
        {
            state.turn = from + 1;
        }
        let held = running.is_some();
        if finishing.is_some() {
            body = Some(adapter.resume(&mut state, &instructions, held));
            break;
        }
        match adapter.render(&mut state, &instructions, held) {
            Rendered::Answer(answer) => {
                body = Some(answer);
                break;
            }
            Rendered::Event(event) if !held => {
                let cause = Cause::of(&event, None);
                let next = engine::step(&graph, state, event);
                let deadline = Deadline::now() + app.config.turn_budget;
                let walk =
                    match run_effects(app, adapter.as_ref(), &graph, next, claim, cause, deadline)
                        .await
                    {
                        Ok(walk) => walk,
                        Err(answer) => return answer,
                    };
                trace.append(walk.trace);
                state = walk.state;
                instructions = walk.instructions;
                running = walk.running;
            }
            Rendered::Event(_) => break,
        }
    }
    let mut body = body.unwrap_or_else(|| adapter.unknown_call());
    trace.close(&state, &instructions, &body);
    let visits = trace.visits;
    let mut outcome;
    let mut rebases = 0;
    loop {
        let commit = Commit {
            expected,
            state: &state,
            reply: &body,
            visits: &visits,
            restates: finishing.is_some(),
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
        if Hold::of(&now) != Some(finishing) || now.turn <= from {
            break;
        }
        rebases += 1;
        state.turn = now.turn + (state.turn - from);
        state.channel = now.channel.clone();
        expected = Some(now.turn);
        body = adapter.resume(&mut state, &instructions, running.is_some());
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
            super::observe::committed(visits, state.ended);
            if let Some(running) = running {
                hold::count(&state.flow);
                finish_later(app.clone(), adapter, graph, state, running);
            }
            Answer::Body(body)
        }
        Ok(Outcome::Replay(reply)) => Answer::Body(reply),
        Ok(Outcome::Conflict(_)) => {
            tracing::warn!(call = ?state.call_id, "another webhook advanced this call first");
            Answer::UnknownCall
        }
        Err(e) => Answer::StoreDown(e),
    }
}

/// Step a held call on with its effect's `result`, walk on and commit the
/// turn it was held at: for the background task that ran the effect, and
/// for a held call whose effect never reported (its failure result).
pub async fn finish_held(
    app: &App,
    adapter: Arc<dyn Adapter>,
    graph: Arc<Graph>,
    held: CallState,
    result: engine::EffectResult,
    call_out: Option<CallOut>,
    finishing: Option<Hold>,
) -> Answer {
    let expected = held.turn;
    let at = app.now();
    let cause = Cause::call_out(call_out, &held);
    let first = engine::step(&graph, held, Event::EffectDone { result, at });
    let deadline = Deadline::now() + app.config.turn_budget;
    let claim = Claim::held(expected);
    let walk = match run_effects(app, adapter.as_ref(), &graph, first, claim, cause, deadline).await
    {
        Ok(walk) => walk,
        Err(answer) => return answer,
    };
    conclude(app, adapter, graph, Some(expected), walk, finishing).await
}

/// Finish the held turn in the background once `running` has its result.
fn finish_later(
    app: App,
    adapter: Arc<dyn Adapter>,
    graph: Arc<Graph>,
    held: CallState,
    mut running: Running,
) {
    let task = async move {
        let result = running.result().await;
        let call_out = running.answered(&result);
        // A caller who hung up on hold is not brought back to life (the
        // status callback has ended the call; a commit would revive it).
        if let Ok(Some(call)) = app.store.call(&held.call_id).await
            && call.summary.status.is_final()
        {
            tracing::debug!("the caller hung up on hold");
            return;
        }
        let finishing = Hold::of(&held);
        match finish_held(&app, adapter, graph, held, result, call_out, finishing).await {
            Answer::Body(_) => tracing::debug!("held turn finished"),
            Answer::StoreDown(e) => {
                tracing::error!(error = %e, "a held turn could not be stored; the call stays held");
            }
            _ => tracing::warn!("a held turn was finished elsewhere first"),
        }
    };
    tokio::spawn(task.in_current_span());
}

/// Count the nodes a committed turn went through.
pub fn count(flow: &str, visits: &[Visit]) {
    super::metrics::count_turn(flow, visits);
}

/// The graph a call is on: loaded here, or stored by another replica.
pub async fn graph_of(app: &App, version: &str) -> Result<Option<Arc<Graph>>, StoreError> {
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
pub async fn remember_graph(app: &App, graph: &Graph) -> Result<(), StoreError> {
    let json = serde_json::to_string(graph).expect("a graph always serialises");
    app.store.put_graph(&graph.version, &json).await
}
