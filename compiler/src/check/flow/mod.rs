//! Whole-graph analyses. They run on a lowered graph (every exit resolved to
//! a node) and point back into the source through the [`SourceMap`].
//!
//! - [`reach`]: nodes never reached (W010), callers who can never reach a
//!   hangup (E012).
//! - [`loops`]: loops that never wait for the caller (E011).
//! - [`unset`]: variables read where some path has not set them (E014).
//! - [`results`]: conditions on an agent's declared result that can never
//!   hold, or read a field it does not declare (E015).
//! - [`failures`]: failures that end the call in silence (W032), failed
//!   call-outs that hang up beside a person to fall back on (W033).
//! - [`conditions`]: conditions that are never true, arms never tried,
//!   branches and hours that lead one way only (W035, W036).
//! - [`pitfalls`]: what a target provider would refuse or get wrong (E039).
//! - [`retry`]: failure exits that ask the caller again without a bound (E029).
//! - [`long`], [`person`], [`silence`]: path properties — the prompts before
//!   a caller gets somewhere (W040), a person after an `ai` fails (W041), and
//!   the longest silence a caller can sit through (E042), on the flow's
//!   [`dag`] (loops followed once).
//!
//! Every analysis is linear in nodes + exits (the variable dataflow also
//! times the number of variables, in 64-bit words): a 100,000-node flow must
//! check in milliseconds, so there is no pass that walks the graph once per
//! node. Recursion is avoided too, so a long chain cannot overflow the stack.

mod conditions;
pub(crate) mod dag;
mod failures;
mod long;
mod loops;
mod person;
mod pitfalls;
mod reach;
mod results;
mod retry;
mod scc;
mod silence;
#[cfg(test)]
mod testing;
mod trail;
mod unset;

use super::SourceMap;
use crate::diagnostic::Diagnostic;
use crate::graph::{Graph, NodeKind};
use crate::source::Span;

pub fn analyse(graph: &Graph, map: &SourceMap) -> Vec<Diagnostic> {
    let exits = Exits::of(graph);
    let reachable = reach::reachable(graph, &exits);
    let mut diagnostics = Vec::new();
    reach::unreachable(graph, map, &reachable, &mut diagnostics);
    reach::trapped(graph, map, &exits, &reachable, &mut diagnostics);
    loops::endless(graph, map, &exits, &reachable, &mut diagnostics);
    unset::maybe_unset(graph, map, &exits, &reachable, &mut diagnostics);
    results::declared_results(graph, map, &mut diagnostics);
    failures::analyse(graph, map, &exits, &reachable, &mut diagnostics);
    conditions::analyse(graph, map, &reachable, &mut diagnostics);
    pitfalls::provider_pitfalls(graph, map, &exits, &reachable, &mut diagnostics);
    let failure_exits = Failures::of(graph, &exits);
    retry::unbounded(
        graph,
        map,
        &exits,
        &failure_exits,
        &reachable,
        &mut diagnostics,
    );
    let dag = dag::Dag::of(graph, &exits);
    long::long_paths(graph, map, &exits, &failure_exits, &dag, &mut diagnostics);
    person::ai_without_person(
        graph,
        map,
        &exits,
        &failure_exits,
        &reachable,
        &mut diagnostics,
    );
    silence::dead_air(graph, map, &exits, &failure_exits, &dag, &mut diagnostics);
    diagnostics
}

/// Exits taken when something went wrong: the caller did not answer (or not
/// usefully), a call-out or a dial failed, a `branch` fell through. The
/// loop and silence analyses treat them apart from the caller's choices.
pub const FAILURE_EXITS: &[&str] = &[
    "exhausted",
    "noinput_exhausted",
    "nomatch_exhausted",
    "visits_exhausted",
    "empty",
    "error",
    "failed",
    "busy",
    "no_answer",
    "timeout",
    "else",
];

/// Is `exit` one of [`FAILURE_EXITS`]?
pub fn is_failure(exit: &str) -> bool {
    FAILURE_EXITS.contains(&exit)
}

/// For every exit in the [`Exits`] table, which failure exit it is, if one
/// (read from the exit names once, so the passes need not ask again).
pub(crate) struct Failures {
    /// 0: not a failure; `i + 1`: `FAILURE_EXITS[i]`.
    roles: Vec<u8>,
}

impl Failures {
    pub fn of(graph: &Graph, exits: &Exits) -> Failures {
        let mut roles = Vec::with_capacity(exits.targets.len());
        for node in &graph.nodes {
            roles.extend(node.kind.exits().iter().map(|(name, _)| {
                FAILURE_EXITS
                    .iter()
                    .position(|f| f == name)
                    .map_or(0, |i| i as u8 + 1)
            }));
        }
        Failures { roles }
    }

    /// Is exit `k` of node `n` a failure exit?
    pub fn at(&self, exits: &Exits, n: usize, k: usize) -> bool {
        self.name(exits, n, k).is_some()
    }

    /// The failure exit that exit `k` of node `n` is (`"exhausted"`…), if any.
    pub fn name(&self, exits: &Exits, n: usize, k: usize) -> Option<&'static str> {
        let role = *self.roles.get(exits.first[n] as usize + k)?;
        role.checked_sub(1).map(|i| FAILURE_EXITS[i as usize])
    }
}

/// Does a `max_visits` bound node `n`? Every loop through it ends, because
/// entering it once too often leaves by `visits_exhausted`.
pub(crate) fn visits_bounded(graph: &Graph, n: usize) -> bool {
    let kind = &graph.nodes[n].kind;
    matches!(kind, NodeKind::Menu { .. } | NodeKind::Gather { .. })
        && kind
            .exits()
            .iter()
            .any(|(name, _)| name == "visits_exhausted")
}

/// Every node's exit targets in one flat table (compressed rows): exit `k`
/// of node `n` is `exits.of(n)[k]`, in `NodeKind::exits()` order, so `k`
/// also indexes `NodeSpans::exits`. Targets outside the graph are dropped
/// from the table's meaning by `of` never yielding them (see `Exits::of`).
pub(crate) struct Exits {
    first: Vec<u32>,
    targets: Vec<u32>,
}

/// "No node": a target that does not exist, an unvisited slot.
const NONE: u32 = u32::MAX;

impl Exits {
    pub fn of(graph: &Graph) -> Exits {
        let n = graph.nodes.len();
        let mut first = Vec::with_capacity(n + 1);
        let mut targets = Vec::with_capacity(n * 2);
        for node in &graph.nodes {
            first.push(targets.len() as u32);
            // A target past the end can only come from a hand-made graph;
            // it is kept as NONE so exit positions still line up with spans.
            targets.extend(
                node.kind
                    .exits()
                    .into_iter()
                    .map(|(_, t)| if t.index() < n { t.0 } else { NONE }),
            );
        }
        first.push(targets.len() as u32);
        Exits { first, targets }
    }

    pub fn len(&self) -> usize {
        self.first.len() - 1
    }

    /// Targets of node `n`'s exits; `NONE` marks a target outside the graph.
    pub fn of_node(&self, n: usize) -> &[u32] {
        &self.targets[self.first[n] as usize..self.first[n + 1] as usize]
    }

    /// Existing targets of node `n`, with the exit's position.
    pub fn targets(&self, n: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.of_node(n)
            .iter()
            .enumerate()
            .filter(|(_, t)| **t != NONE)
            .map(|(k, t)| (k, *t as usize))
    }

    /// The reverse table: for each node, the nodes with an exit to it.
    pub fn reversed(&self) -> Exits {
        let n = self.len();
        let mut count = vec![0u32; n + 1];
        for &t in &self.targets {
            if t != NONE {
                count[t as usize + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let first = count.clone();
        let mut fill = count;
        let mut sources = vec![NONE; *first.last().unwrap_or(&0) as usize];
        for source in 0..n {
            for (_, t) in self.targets(source) {
                sources[fill[t] as usize] = source as u32;
                fill[t] += 1;
            }
        }
        Exits {
            first,
            targets: sources,
        }
    }
}

/// Where node `n`'s name is written (empty if the map is short).
fn name_span(map: &SourceMap, n: usize) -> Span {
    map.nodes.get(n).map(|s| s.name).unwrap_or_default()
}

/// Where exit `k` of node `n` is written, falling back to the node's name.
fn exit_span(map: &SourceMap, n: usize, k: usize) -> Span {
    map.nodes
        .get(n)
        .and_then(|s| s.exits.get(k).copied())
        .unwrap_or_else(|| name_span(map, n))
}

/// The member of `nodes` written first in the source: the one a reader
/// meets first, so the one a diagnostic points at.
fn first_in_source(map: &SourceMap, nodes: &[u32]) -> usize {
    nodes
        .iter()
        .map(|&n| n as usize)
        .min_by_key(|&n| (name_span(map, n).start, n))
        .expect("a component is never empty")
}

/// "`a`, `b` and `c`", listing at most `max` names.
fn name_list<'a>(names: impl ExactSizeIterator<Item = &'a str>, max: usize) -> String {
    let total = names.len();
    let shown: Vec<String> = names.take(max).map(|n| format!("`{n}`")).collect();
    match (shown.len(), total - shown.len()) {
        (0, _) => String::new(),
        (1, 0) => shown[0].clone(),
        (k, 0) => format!("{} and {}", shown[..k - 1].join(", "), shown[k - 1]),
        (_, more) => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Neither speaks nor waits nor connects: `branch`, `set`, `hours`, `http`,
/// `sms`, `split`, `record_call`. A caller passes such a node in silence
/// (W032, E042).
pub(crate) fn mute(kind: &NodeKind) -> bool {
    match kind {
        NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Http { .. }
        | NodeKind::Sms { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. } => true,
        NodeKind::Say { .. }
        | NodeKind::Menu { .. }
        | NodeKind::Gather { .. }
        | NodeKind::Transfer { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Record { .. }
        | NodeKind::Ai { .. }
        | NodeKind::Hangup { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Flow;

    /// A long chain of counter loops with reads: deep enough to overflow a
    /// recursive search, big enough that a quadratic pass would take minutes.
    #[test]
    fn a_hundred_thousand_nodes_check_without_recursion() {
        let mut flow = Flow::new().var_default("n").var("x");
        let blocks = 25_000;
        for i in 0..blocks {
            let next = if i + 1 == blocks {
                "bye".to_string()
            } else {
                format!("ask{}", i + 1)
            };
            flow = flow
                .gather(&format!("ask{i}"), "x", &format!("count{i}"), "bye")
                .set(
                    &format!("count{i}"),
                    &[("n", &["n", "x"])],
                    &format!("check{i}"),
                )
                .branch(
                    &format!("check{i}"),
                    &[(&["n"], &next)],
                    &format!("again{i}"),
                )
                .say(&format!("again{i}"), &format!("count{i}"));
        }
        let (graph, mut map) = flow.hangup("bye").build();
        // 25,000 questions in a row are meant here (W040 would say so).
        map.max_prompts = Some((u32::MAX, crate::source::Span::default()));
        // A recursive walk would overflow the test thread's stack here; how
        // fast it runs is the compile benchmark's business, not a test's.
        let found = super::analyse(&graph, &map);
        assert!(found.is_empty(), "{:?}", &found[..found.len().min(3)]);
    }
}
