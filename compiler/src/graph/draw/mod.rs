//! Pictures of a graph: Mermaid (GitHub renders it), Graphviz dot, and SVG
//! laid out here, without Graphviz.
//!
//! One model, [`Picture`], decides what every picture shows, so the formats
//! cannot drift apart: nodes with their kind and the gist of their prompt,
//! branch conditions, opening hours and a module's parameters; one edge per
//! pair of nodes (the exits that share it named together); hang-ups as small
//! endings; with coverage, what no test walked.

mod dot;
mod labels;
mod mermaid;
mod svg;

use std::collections::HashSet;

pub use dot::dot;
pub use mermaid::{markdown, mermaid};
pub use svg::svg;

use super::{Graph, NodeKind};

/// What tests walked: node names, and (node name, exit name) pairs.
#[derive(Clone, Debug, Default)]
pub struct Walked {
    pub nodes: HashSet<String>,
    pub exits: HashSet<(String, String)>,
}

pub use labels::gist;

/// What a picture shows, whatever its format.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    pub flow: String,
    /// The index of the first node.
    pub start: usize,
    /// One per graph node, in graph order.
    pub shapes: Vec<Shape>,
    pub edges: Vec<Edge>,
}

/// One node as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub name: String,
    /// The kind as written (`menu`, `play`, `run` for a module's entry).
    pub keyword: &'static str,
    /// Lines under the name: a prompt's gist, opening hours, parameters.
    pub details: Vec<String>,
    pub form: Form,
    /// What the node says, where the shape has no room for it (hang-ups).
    pub said: Option<String>,
    /// Coverage was given and no test reached the node.
    pub untested: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Does something and goes on.
    Step,
    /// Chooses between its exits (menu, branch, hours, split).
    Decision,
    /// Ends the call: drawn small.
    Ending,
}

/// The exits of one node that lead to the same node, drawn as one arrow.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// Each exit as the picture names it (`press 1`, `busy`, `attempts >= 3`).
    pub labels: Vec<String>,
    /// Coverage was given and no test took these exits.
    pub missed: bool,
}

impl Edge {
    pub fn label(&self) -> String {
        self.labels.join(" / ")
    }
}

impl Picture {
    pub fn of(graph: &Graph, walked: Option<&Walked>) -> Picture {
        let shapes = graph
            .nodes
            .iter()
            .map(|node| {
                let run = labels::run_params(graph, node);
                let form = match &node.kind {
                    NodeKind::Hangup { .. } => Form::Ending,
                    NodeKind::Menu { .. }
                    | NodeKind::Branch { .. }
                    | NodeKind::Hours { .. }
                    | NodeKind::Split { .. } => Form::Decision,
                    NodeKind::Say { .. }
                    | NodeKind::Gather { .. }
                    | NodeKind::Set { .. }
                    | NodeKind::Transfer { .. }
                    | NodeKind::Queue { .. }
                    | NodeKind::Record { .. }
                    | NodeKind::RecordCall { .. }
                    | NodeKind::Http { .. }
                    | NodeKind::Sms { .. }
                    | NodeKind::Ai { .. } => Form::Step,
                };
                let details = match (&run, &node.kind, form) {
                    (Some(params), _, _) => params.clone(),
                    (None, NodeKind::Hours { .. }, _) => labels::hours(graph, &node.kind),
                    (None, _, Form::Ending) => Vec::new(),
                    (None, kind, _) => gist(kind).into_iter().collect(),
                };
                Shape {
                    name: node.name.clone(),
                    keyword: if run.is_some() {
                        "run"
                    } else {
                        node.kind.keyword()
                    },
                    details,
                    form,
                    said: (form == Form::Ending).then(|| gist(&node.kind)).flatten(),
                    untested: walked.is_some_and(|w| !w.nodes.contains(&node.name)),
                }
            })
            .collect();
        let mut edges: Vec<Edge> = Vec::new();
        for (from, node) in graph.nodes.iter().enumerate() {
            let first = edges.len();
            for (exit, target) in node.kind.exits() {
                let missed =
                    walked.is_some_and(|w| !w.exits.contains(&(node.name.clone(), exit.clone())));
                let label = labels::exit(&node.kind, &exit);
                let to = target.index();
                // Walked and missed exits stay apart, so coverage stays exact.
                match edges[first..]
                    .iter_mut()
                    .find(|e| e.to == to && e.missed == missed)
                {
                    Some(edge) => edge.labels.push(label),
                    None => edges.push(Edge {
                        from,
                        to,
                        labels: vec![label],
                        missed,
                    }),
                }
            }
        }
        Picture {
            flow: graph.flow.clone(),
            start: graph.start.index(),
            shapes,
            edges,
        }
    }
}

#[cfg(test)]
mod tests;
