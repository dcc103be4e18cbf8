//! E011: loops that never wait for the caller. A `say`, `play`, `branch`,
//! `set`, `hours`, `http` or `sms` node runs and moves on at once, so a loop
//! made only of them spins for ever (and, for `say`, talks for ever).
//!
//! The rule, precisely: take the reachable nodes that do not wait
//! (`NodeKind::waits()` is false) and their strongly connected components.
//! A component is a *counter loop*, which can end, when it holds a `branch`
//! that (1) has an exit leaving the component and (2) whose conditions read
//! a variable that a node of the same component assigns (a `set`, or an
//! `http … into`) — `attempts = attempts + 1` … `when attempts < 3`. Such
//! branches are the loop's guards. Every loop that does not pass through a
//! guard is reported: the components of the non-waiting nodes minus the
//! guards that are still loops. Two linear passes.

use std::collections::HashSet;

use super::scc::components;
use super::{Exits, NONE, exit_span, first_in_source, name_span};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, NodeKind};

pub(crate) fn endless(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let n = graph.nodes.len();
    let spins = |i: usize| reachable[i] && !graph.nodes[i].kind.waits();
    let parts = components(exits, spins);

    let mut guard = vec![false; n];
    for c in 0..parts.len() {
        if !parts.is_loop(c, exits) {
            continue;
        }
        let members = parts.members(c);
        let assigned: HashSet<&str> = members
            .iter()
            .filter_map(|&m| map.nodes.get(m as usize))
            .flat_map(|spans| spans.writes.iter().map(|w| w.var.as_str()))
            .collect();
        for &m in members {
            let m = m as usize;
            let is_branch = matches!(graph.nodes[m].kind, NodeKind::Branch { .. });
            let leaves = exits
                .of_node(m)
                .iter()
                .any(|&t| t == NONE || parts.of[t as usize] != c as u32);
            let reads_counter = map
                .nodes
                .get(m)
                .is_some_and(|s| s.reads.iter().any(|(v, _)| assigned.contains(v.as_str())));
            guard[m] = is_branch && leaves && reads_counter;
        }
    }

    let endless = components(exits, |i| spins(i) && !guard[i]);
    let mut path = Path::new(n);
    for c in 0..endless.len() {
        if !endless.is_loop(c, exits) {
            continue;
        }
        let members = endless.members(c);
        let first = first_in_source(map, members);
        let cycle = path.cycle(exits, first, |t| endless.of[t] == c as u32);
        out.push(report(graph, map, &cycle));
    }
}

/// One diagnostic for a loop: `cycle` is a list of (node, exit taken), the
/// last exit leading back to the first node.
fn report(graph: &Graph, map: &SourceMap, cycle: &[(usize, usize)]) -> Diagnostic {
    let name = |n: usize| graph.nodes[n].name.as_str();
    let (first, _) = cycle[0];
    let mut diagnostic = Diagnostic::new(
        Code::EndlessLoop,
        format!("endless loop through `{}`", name(first)),
    )
    .label(
        name_span(map, first),
        "this loop never waits for the caller",
    );
    for (i, &(n, k)) in cycle.iter().enumerate().take(8) {
        let to = cycle.get(i + 1).map_or(first, |&(t, _)| t);
        diagnostic = diagnostic.label(exit_span(map, n, k), format!("goes on to `{}`", name(to)));
    }
    const SHOWN: usize = 8;
    let mut route: Vec<String> = cycle
        .iter()
        .take(SHOWN)
        .map(|&(n, _)| format!("`{}`", name(n)))
        .collect();
    if cycle.len() > SHOWN {
        route.push("…".into());
    }
    route.push(format!("`{}`", name(first)));
    diagnostic.help(format!(
        "{} runs without waiting for the caller, so it never stops; make the loop wait \
         (a menu, gather, …), or leave it from a branch on a variable the loop changes \
         (a counter: `attempts = attempts + 1`, `when attempts >= 3 -> …`)",
        route.join(" → ")
    ))
}

/// Finds a shortest loop from a node back to itself inside a component;
/// breadth-first, touching only the component's nodes, so finding one loop
/// per component costs the components' sizes in total.
struct Path {
    /// For a visited node: the node and exit it was reached through.
    came_from: Vec<(u32, u32)>,
}

impl Path {
    fn new(n: usize) -> Path {
        Path {
            came_from: vec![(NONE, NONE); n],
        }
    }

    fn cycle(
        &mut self,
        exits: &Exits,
        from: usize,
        inside: impl Fn(usize) -> bool,
    ) -> Vec<(usize, usize)> {
        let mut queue = std::collections::VecDeque::from([from]);
        let mut touched = Vec::new();
        let mut closing = None;
        'search: while let Some(v) = queue.pop_front() {
            for (k, t) in exits.targets(v) {
                if t == from {
                    closing = Some((v, k));
                    break 'search;
                }
                if inside(t) && self.came_from[t].0 == NONE {
                    self.came_from[t] = (v as u32, k as u32);
                    touched.push(t);
                    queue.push_back(t);
                }
            }
        }
        let (mut v, k) = closing.expect("a node in a loop component leads back to itself");
        let mut cycle = vec![(v, k)];
        while v != from {
            let (p, k) = self.came_from[v];
            v = p as usize;
            cycle.push((v, k as usize));
        }
        cycle.reverse();
        for t in touched {
            self.came_from[t] = (NONE, NONE);
        }
        cycle
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Flow, codes, node_of, only};
    use crate::diagnostic::Code;

    #[test]
    fn says_that_lead_to_each_other_loop_for_ever() {
        let flow = Flow::new()
            .menu("main", &["a"], "bye")
            .say("a", "b")
            .branch("b", &[(&[], "bye")], "a")
            .hangup("bye");
        let found = only(flow, Code::EndlessLoop);
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.message, "endless loop through `a`");
        assert_eq!(node_of(d.span()), 1);
        // Then one label per exit on the loop: a's `next`, b's `else`.
        let exits: Vec<_> = d.labels[1..].iter().map(|l| l.span.start).collect();
        assert_eq!(exits, [1100, 2110]);
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .starts_with("`a` → `b` → `a` runs")
        );
    }

    #[test]
    fn a_loop_through_a_menu_waits_for_the_caller() {
        let flow = Flow::new()
            .menu("main", &["a"], "bye")
            .say("a", "main")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }

    #[test]
    fn a_node_that_goes_to_itself_is_a_loop() {
        let flow = Flow::new().http("poll", None, "poll", "bye").hangup("bye");
        let found = only(flow, Code::EndlessLoop);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), 2);
    }

    #[test]
    fn a_counter_loop_can_end() {
        let flow = Flow::new()
            .var_default("tries")
            .set("count", &[("tries", &["tries"])], "check")
            .branch("check", &[(&["tries"], "bye")], "again")
            .say("again", "count")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }

    #[test]
    fn a_branch_on_a_variable_the_loop_never_changes_is_no_way_out() {
        let flow = Flow::new()
            .var_default("tries")
            .var_default("vip")
            .set("count", &[("tries", &["tries"])], "check")
            .branch("check", &[(&["vip"], "bye")], "again")
            .say("again", "count")
            .hangup("bye");
        assert_eq!(codes(flow), [Code::EndlessLoop]);
    }

    #[test]
    fn a_counter_branch_that_stays_in_the_loop_is_no_way_out() {
        let flow = Flow::new()
            .var_default("tries")
            .say("start", "count")
            .set("count", &[("tries", &["tries"])], "check")
            .branch("check", &[(&["tries"], "count")], "count")
            .menu("unused", &["start"], "bye")
            .hangup("bye");
        let found = only(flow, Code::EndlessLoop);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_loop_that_bypasses_the_counter_branch_is_still_endless() {
        // count ⇄ check is a counter loop, but `check` can also go round
        // `count → spin → count` without passing the branch.
        let flow = Flow::new()
            .var_default("tries")
            .set("count", &[("tries", &["tries"])], "fork")
            .branch("fork", &[(&[], "check")], "spin")
            .say("spin", "count")
            .branch("check", &[(&["tries"], "bye")], "count")
            .hangup("bye");
        let found = only(flow, Code::EndlessLoop);
        assert_eq!(found.len(), 1, "{found:#?}");
        let on_loop: Vec<_> = found[0].labels.iter().map(|l| node_of(l.span)).collect();
        assert_eq!(on_loop, [0, 0, 1, 2]);
    }

    #[test]
    fn an_http_answer_can_end_a_polling_loop() {
        let flow = Flow::new()
            .var("status")
            .http("poll", Some("status"), "ready", "bye")
            .branch("ready", &[(&["status"], "bye")], "wait")
            .say("wait", "poll")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }
}
