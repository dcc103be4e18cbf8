//! The console's pages: what each shows, read from the registry and the store.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

use super::{mask, view};
use crate::server::App;
use crate::server::registry::FlowEntry;
use crate::store::history::{CallOut, CallStatus, CallSummary, Heard, Visit};

/// How many recent calls the calls page reads from the store.
pub const RECENT: usize = 500;

#[derive(Serialize)]
struct FlowView<'a> {
    #[serde(flatten)]
    entry: &'a FlowEntry,
    /// `serving`, `stale` (an older version serves: the last save has
    /// errors) or `broken` (never checked clean: calls are refused).
    status: &'static str,
}

fn view(entry: &FlowEntry) -> FlowView<'_> {
    let status = match (&entry.version, &entry.last_error) {
        (Some(_), None) => "serving",
        (Some(_), Some(_)) => "stale",
        (None, _) => "broken",
    };
    FlowView { entry, status }
}

pub async fn flows(State(app): State<App>) -> Response {
    let flows = app.registry.list();
    let flows: Vec<FlowView> = flows.iter().map(view).collect();
    view::page(StatusCode::OK, "flows.html", context! { flows })
}

#[derive(Serialize)]
struct NodeView {
    name: String,
    kind: &'static str,
    gist: Option<String>,
    exits: Vec<(String, String)>,
    start: bool,
}

pub async fn flow(State(app): State<App>, Path(name): Path<String>) -> Response {
    let flows = app.registry.list();
    let Some(entry) = flows.iter().find(|f| f.name == name) else {
        return view::missing(StatusCode::NOT_FOUND, "No flow by that name.");
    };
    let nodes: Vec<NodeView> = entry
        .current
        .as_deref()
        .map(|graph| {
            graph
                .nodes
                .iter()
                .enumerate()
                .map(|(i, node)| NodeView {
                    name: node.name.clone(),
                    kind: node.kind.keyword(),
                    gist: ivr_compiler::graph::draw::gist(&node.kind),
                    exits: node
                        .kind
                        .exits()
                        .into_iter()
                        .map(|(exit, to)| (exit, graph.node(to).name.clone()))
                        .collect(),
                    start: graph.start.index() == i,
                })
                .collect()
        })
        .unwrap_or_default();
    // The file as it is now: what the author last saved, broken or not.
    let source = std::fs::read_to_string(&entry.path).ok();
    view::page(
        StatusCode::OK,
        "flow.html",
        context! { flow => view(entry), nodes, source },
    )
}

#[derive(serde::Deserialize, Serialize, Default)]
pub struct Filter {
    flow: Option<String>,
    status: Option<String>,
    number: Option<String>,
}

impl Filter {
    /// The calls the filter keeps, numbers masked if the operator asked.
    pub fn shown(&self, app: &App, calls: Vec<CallSummary>) -> Vec<CallSummary> {
        let mut calls: Vec<CallSummary> = calls.into_iter().filter(|c| self.keeps(c)).collect();
        for call in &mut calls {
            mask::caller(&mut call.caller, app.config.mask_numbers);
        }
        calls
    }

    pub fn keeps(&self, call: &CallSummary) -> bool {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|v| !v.is_empty())
        }
        given(&self.flow).is_none_or(|f| call.flow == f)
            && given(&self.status).is_none_or(|s| call.status.as_str() == s)
            && given(&self.number)
                .is_none_or(|n| call.caller.from.contains(n) || call.caller.to.contains(n))
    }
}

pub async fn calls(
    State(app): State<App>,
    filter: Result<Query<Filter>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // A query string that does not parse filters nothing rather than failing the page.
    let filter = filter.map(|Query(f)| f).unwrap_or_default();
    let (calls, error) = match crate::server::history::calls(&app, RECENT).await {
        Ok(calls) => (calls, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let calls = filter.shown(&app, calls);
    let live = calls.iter().filter(|c| !c.status.is_final()).count();
    let flow_names: Vec<String> = app.registry.list().into_iter().map(|f| f.name).collect();
    let statuses: Vec<&str> = CallStatus::ALL.iter().map(|s| s.as_str()).collect();
    let filtered = filter.flow.is_some() || filter.status.is_some() || filter.number.is_some();
    view::page(
        StatusCode::OK,
        "calls.html",
        context! { calls, live, error, flow_names, statuses, filter, filtered },
    )
}

pub async fn call(State(app): State<App>, Path(id): Path<String>) -> Response {
    match crate::server::history::call(&app, &id).await {
        Ok(Some(mut call)) => {
            mask::caller(&mut call.summary.caller, app.config.mask_numbers);
            let turns = turns(&call.trace);
            view::page(StatusCode::OK, "call.html", context! { call, turns })
        }
        Ok(None) => view::missing(StatusCode::NOT_FOUND, "No call by that id."),
        Err(e) => view::missing(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("The store did not answer: {e}"),
        ),
    }
}

/// One turn of a call's trace, for the call page.
#[derive(Serialize)]
struct TurnView<'a> {
    turn: Option<u64>,
    at: i64,
    event: Option<&'a str>,
    input: Option<&'a str>,
    visits: Vec<&'a Visit>,
    call_outs: Vec<&'a CallOut>,
    heard: &'a [Heard],
    vars: Vec<(&'a str, String)>,
    answer: Option<&'a str>,
}

/// The trace's visits grouped by turn (traces stored before turns were
/// recorded are one group).
fn turns(trace: &[Visit]) -> Vec<TurnView<'_>> {
    let mut turns: Vec<TurnView> = Vec::new();
    for visit in trace {
        let same = turns.last().is_some_and(|t| t.turn == visit.turn);
        if !same {
            turns.push(TurnView {
                turn: visit.turn,
                at: visit.at,
                event: visit.event.as_deref(),
                input: visit.input.as_deref(),
                visits: Vec::new(),
                call_outs: Vec::new(),
                heard: &[],
                vars: Vec::new(),
                answer: None,
            });
        }
        let Some(turn) = turns.last_mut() else {
            continue;
        };
        turn.visits.push(visit);
        turn.call_outs.extend(visit.call_out.as_ref());
        if !visit.heard.is_empty() {
            turn.heard = &visit.heard;
        }
        turn.vars
            .extend(visit.vars.iter().map(|(k, v)| (k.as_str(), v.to_string())));
        turn.answer = visit.answer.as_deref().or(turn.answer);
    }
    turns
}

pub async fn analytics(
    State(app): State<App>,
    Path(name): Path<String>,
    window: Result<
        Query<crate::server::analytics::Window>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Response {
    let hours = window.ok().and_then(|Query(w)| w.hours).unwrap_or(24);
    match crate::server::analytics::figures(&app, &name, hours).await {
        Ok(Some(a)) => {
            // The busiest node's entries are the heat scale's 100%.
            let most = a.nodes.iter().map(|n| n.entries).max().unwrap_or(0).max(1);
            let svg = app
                .registry
                .current(&name)
                .map(|graph| ivr_compiler::graph::draw::svg(&graph, None));
            let heat = heat(&a, most);
            view::page(
                StatusCode::OK,
                "analytics.html",
                context! { a, hours, most, svg, heat },
            )
        }
        Ok(None) => view::missing(StatusCode::NOT_FOUND, "No flow by that name serves."),
        Err(e) => view::missing(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("The store did not answer: {e}"),
        ),
    }
}

/// The heat overlay: CSS colouring each node of the flow's picture
/// (`<g id="node-NAME">`) by its share of the busiest node's entries.
/// Names are CSS-escaped, so nothing in them can end the rule or the
/// `<style>` element.
fn heat(a: &crate::analytics::Analytics, most: usize) -> String {
    let mut css = String::new();
    for node in a.nodes.iter().filter(|n| n.entries > 0) {
        let share = node.entries as f64 / most as f64;
        css.push_str(&format!(
            "#heat g[id=\"node-{}\"] > * {{ fill: rgba(214, 60, 30, {:.2}); }}\n",
            css_escape(&node.node),
            0.15 + 0.7 * share
        ));
    }
    css
}

fn css_escape(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:x} ", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_rules_escape_names_and_scale_with_entries() {
        let a = crate::analytics::Analytics {
            nodes: vec![
                crate::analytics::NodeFigures {
                    node: "main".into(),
                    entries: 4,
                    ..Default::default()
                },
                crate::analytics::NodeFigures {
                    node: "x\"</style>".into(),
                    entries: 2,
                    ..Default::default()
                },
                crate::analytics::NodeFigures {
                    node: "never".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let css = heat(&a, 4);
        assert!(
            css.contains(r#"#heat g[id="node-main"] > * { fill: rgba(214, 60, 30, 0.85); }"#),
            "{css}"
        );
        assert!(css.contains("0.50"), "{css}");
        assert!(!css.contains('<') && !css.contains("never"), "{css}");
    }
}
