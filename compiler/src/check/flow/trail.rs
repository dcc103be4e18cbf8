//! Trails: the nodes and exits along a path, found breadth-first and shown
//! to the author as "`main` (exhausted) → `sorry` → `main`" with a label on
//! every exit taken.

use std::collections::{HashMap, VecDeque};

use super::{Exits, exit_span};
use crate::check::SourceMap;
use crate::diagnostic::Diagnostic;
use crate::graph::Graph;

/// A path: each step is (node, exit taken), the exit's position in
/// `NodeKind::exits()`.
pub(crate) type Trail = Vec<(usize, usize)>;

/// How many steps a diagnostic shows before "…".
const SHOWN: usize = 10;

/// The shortest trail from `from` that ends by taking an exit `(v, k, t)`
/// for which `done` holds, walking only through nodes `inside` allows.
/// Touches only the nodes it visits, so many searches in disjoint parts of
/// a graph stay linear in total.
pub(crate) fn shortest(
    exits: &Exits,
    from: usize,
    inside: impl Fn(usize) -> bool,
    mut done: impl FnMut(usize, usize, usize) -> bool,
) -> Option<Trail> {
    let mut came_from: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = std::collections::HashSet::from([from]);
    while let Some(v) = queue.pop_front() {
        for (k, t) in exits.targets(v) {
            if done(v, k, t) {
                let mut trail = vec![(v, k)];
                let mut at = v;
                while at != from {
                    let (p, pk) = came_from[&at];
                    trail.push((p, pk));
                    at = p;
                }
                trail.reverse();
                return Some(trail);
            }
            if inside(t) && seen.insert(t) {
                came_from.insert(t, (v, k));
                queue.push_back(t);
            }
        }
    }
    None
}

/// "`a` (exhausted) → `b` → `c`": the trail's nodes, the exit named where a
/// node has more than one, then `last`, where the trail arrives.
pub(crate) fn describe(graph: &Graph, trail: &[(usize, usize)], last: Option<usize>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for &(n, k) in trail.iter().take(SHOWN) {
        let exits = graph.nodes[n].kind.exits();
        let name = &graph.nodes[n].name;
        match exits.get(k) {
            Some((exit, _)) if exits.len() > 1 => parts.push(format!("`{name}` ({exit})")),
            _ => parts.push(format!("`{name}`")),
        }
    }
    if trail.len() > SHOWN {
        parts.push("…".into());
    }
    if let Some(last) = last {
        parts.push(format!("`{}`", graph.nodes[last].name));
    }
    parts.join(" → ")
}

/// A label on each exit of the trail (the first [`SHOWN`]), saying where it
/// goes.
pub(crate) fn label_exits(
    mut diagnostic: Diagnostic,
    graph: &Graph,
    map: &SourceMap,
    trail: &[(usize, usize)],
    exits: &Exits,
) -> Diagnostic {
    for &(n, k) in trail.iter().take(SHOWN) {
        let to = exits.of_node(n).get(k).copied().unwrap_or(super::NONE);
        let message = match graph.nodes.get(to as usize) {
            Some(node) => format!("goes on to `{}`", node.name),
            None => "goes on".into(),
        };
        diagnostic = diagnostic.label(exit_span(map, n, k), message);
    }
    diagnostic
}
