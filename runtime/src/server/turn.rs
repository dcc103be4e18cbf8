//! One webhook = one turn of a call, whatever the provider: the one turn
//! pipeline. Find the call's state, ask the provider's adapter what the
//! webhook means, step the engine (executing effects), render the answer,
//! commit it atomically. Every store operation is retried once after a
//! dropped connection, and every webhook is counted.
//!
//! A turn has a time budget ([`super::Config::turn_budget`]): an effect still
//! running when it is spent goes on in the background, and the webhook is
//! answered with a hold (see [`super::hold`]).

use std::sync::Arc;
use std::time::Instant;

use tokio::time::Instant as Deadline;

use super::App;
use super::claim::Claim;
use super::hold;
use super::trace::Cause;
use super::walk::{self, Answer, conclude, graph_of, remember_graph, run_effects};
use crate::engine::{self, CallState, Event};
use crate::providers::{Adapter, Decoded, Refused};
use crate::store::{Commit, Outcome, Snapshot, retried};

/// Run the webhook that `adapter` decodes for call `call_id` of `flow`
/// (the URL's). `turn`: the turn the webhook answers when its URL says so
/// (Twilio's action URLs), so the store may answer from a replica's cache.
pub async fn run(
    app: &App,
    flow: &str,
    call_id: &str,
    turn: Option<u64>,
    adapter: Arc<dyn Adapter>,
) -> Answer {
    let started = Instant::now();
    let deadline = Deadline::now() + app.config.turn_budget;
    let provider = adapter.provider();
    let inner = run_inner(app, flow, call_id, turn, adapter, deadline);
    let answer = super::observe::webhook(app, flow, call_id, provider, inner).await;
    let outcome = super::observe::outcome(&answer);
    let label = super::metrics::flow_label(&app.registry, flow);
    super::metrics::count_webhook(label, outcome, started.elapsed().as_secs_f64());
    answer
}

/// A webhook that came back to a held call is looked at again once the
/// call moved on (the held turn's answer is in).
const MAX_LOOKS: usize = 2;

async fn run_inner(
    app: &App,
    flow: &str,
    call_id: &str,
    turn: Option<u64>,
    adapter: Arc<dyn Adapter>,
    deadline: Deadline,
) -> Answer {
    let now = app.now();
    // A call's first webhook stores the graph while it looks for the call
    // (a retried first webhook finds it there).
    let current = adapter
        .starts_call()
        .then(|| app.registry.current(flow))
        .flatten();
    let (found, stored) = tokio::join!(retried(|| app.store.load(call_id, turn)), async {
        match &current {
            Some(graph) => retried(|| remember_graph(app, graph)).await,
            None => Ok(()),
        }
    });
    if let Err(e) = stored {
        return Answer::StoreDown(e);
    }
    let mut snapshot = match found {
        Ok(s) => s,
        Err(e) => return Answer::StoreDown(e),
    };
    for _ in 0..MAX_LOOKS {
        if let Some(Snapshot {
            state,
            reply: Some(reply),
        }) = &snapshot
            && adapter.is_retry(state, reply.turn, reply.followed)
        {
            return Answer::Body(reply.body.clone());
        }
        let mut state = snapshot.map(|s| s.state);
        if let Some(state) = &state
            && state.flow != flow
        {
            // Its URLs are ours and name its own flow: a webhook naming
            // another one is forged or misrouted, and must not run the call
            // on a graph it did not start on.
            tracing::warn!(call = ?call_id, flow = ?state.flow, url_flow = ?flow, "webhook names another flow than the call's");
            return Answer::UnknownCall;
        }
        let decoded = match adapter.decode(state.as_mut(), now) {
            Ok(decoded) => decoded,
            Err(Refused::UnknownCall) => return Answer::UnknownCall,
            Err(Refused::BadRequest(why)) => return Answer::BadRequest(why),
        };
        let Some(state) = state else {
            let Decoded::Event(Event::Started {
                call_id,
                caller,
                at,
            }) = decoded
            else {
                return Answer::UnknownCall;
            };
            let graph = match current {
                Some(graph) => graph,
                None => {
                    let Some(graph) = app.registry.current(flow) else {
                        return Answer::NoFlow;
                    };
                    if let Err(e) = retried(|| remember_graph(app, &graph)).await {
                        return Answer::StoreDown(e);
                    }
                    graph
                }
            };
            let cause = Cause::started();
            let first = engine::start_with_vars(&graph, call_id, caller, adapter.vars(), at);
            let claim = Claim::of(None);
            return match run_effects(app, adapter.as_ref(), &graph, first, claim, cause, deadline)
                .await
            {
                Ok(walk) => conclude(app, adapter, graph, None, walk, None).await,
                Err(answer) => answer,
            };
        };
        match decoded {
            Decoded::Answer(body) => return commit_answer(app, state, turn, body).await,
            Decoded::Event(event) => return step(app, adapter, state, event, deadline).await,
            Decoded::Held => match back_from_hold(app, adapter.clone(), state, deadline).await {
                Ok(answer) => return answer,
                Err(newer) => snapshot = Some(*newer),
            },
        }
    }
    Answer::UnknownCall
}

/// Step the call at `state` with `event`, walk and commit the turn.
async fn step(
    app: &App,
    adapter: Arc<dyn Adapter>,
    mut state: CallState,
    event: Event,
    deadline: Deadline,
) -> Answer {
    let graph = match graph_of(app, &state.version).await {
        Ok(Some(g)) => g,
        Ok(None) => {
            tracing::error!(call = ?state.call_id, version = %state.version, "graph version of a live call is gone");
            return Answer::UnknownCall;
        }
        Err(e) => return Answer::StoreDown(e),
    };
    let event = match super::agent::collect(&app.store, &state, event).await {
        Ok(event) => event,
        Err(e) => return Answer::StoreDown(e),
    };
    // Transcripts that arrived since the last turn go into their variables first.
    super::transcripts::collect(&app.store, &mut state).await;
    let expected = Some(state.turn);
    let cause = Cause::of(&event, Some(&state));
    let first = engine::step(&graph, state, event);
    let claim = Claim::of(expected);
    match run_effects(app, adapter.as_ref(), &graph, first, claim, cause, deadline).await {
        Ok(walk) => conclude(app, adapter, graph, expected, walk, None).await,
        Err(answer) => answer,
    }
}

/// Commit an answer the adapter gave without the engine (the provider's
/// own state moved on: Exotel's plan).
async fn commit_answer(app: &App, mut state: CallState, turn: Option<u64>, body: String) -> Answer {
    let expected = state.turn;
    state.turn += 1;
    let _ = turn;
    let commit = Commit {
        expected: Some(expected),
        state: &state,
        reply: &body,
        visits: &[],
        restates: false,
    };
    match retried(|| app.store.commit(commit)).await {
        Ok(Outcome::Committed) => Answer::Body(body),
        Ok(Outcome::Replay(reply)) => Answer::Body(reply),
        Ok(Outcome::Conflict(_)) => {
            tracing::warn!(call = ?state.call_id, "another webhook advanced this call first");
            Answer::UnknownCall
        }
        Err(e) => Answer::StoreDown(e),
    }
}

/// A webhook for a held call (the way back from a hold). Waits until
/// `deadline` for the background task's answer: `Err` with the call as it
/// is now, to be looked at again. Else answers another hold, uncommitted
/// (holds are idempotent), or — when the call is orphaned — takes the
/// failure exit itself.
async fn back_from_hold(
    app: &App,
    adapter: Arc<dyn Adapter>,
    held: CallState,
    deadline: Deadline,
) -> Result<Answer, Box<Snapshot>> {
    let turn = held.turn;
    match hold::moved_on(app, &held.call_id, turn, deadline).await {
        Err(e) => return Ok(Answer::StoreDown(e)),
        Ok(Some(None)) => return Ok(Answer::UnknownCall),
        Ok(Some(Some(snapshot))) => return Err(Box::new(snapshot)),
        Ok(None) => {}
    }
    let graph = match graph_of(app, &held.version).await {
        Ok(Some(g)) => g,
        Ok(None) => return Ok(Answer::UnknownCall),
        Err(e) => return Ok(Answer::StoreDown(e)),
    };
    if hold::orphaned(app, &graph, &held) {
        tracing::warn!(node = %graph.node(held.node).name, "a held call's effect never reported; taking its failure exit");
        let result = hold::failure(&graph, held.node);
        return Ok(walk::finish_held(app, adapter, graph, held, result, None, None).await);
    }
    hold::count(&held.flow);
    let mut held = held;
    Ok(match adapter.render(&mut held, &[], true) {
        crate::providers::Rendered::Answer(body) => Answer::Body(body),
        crate::providers::Rendered::Event(_) => Answer::UnknownCall,
    })
}

pub use walk::Answer as TurnAnswer;
