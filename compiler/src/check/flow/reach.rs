//! Who can get where: nodes no call ever reaches (W010), and callers who can
//! never reach a hangup (E012).

use std::collections::HashSet;

use super::scc::components;
use super::{Exits, NONE, first_in_source, name_list, name_span};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, NodeKind};

/// Which nodes a call can reach from `graph.start`.
pub(crate) fn reachable(graph: &Graph, exits: &Exits) -> Vec<bool> {
    let mut seen = vec![false; graph.nodes.len()];
    let start = graph.start.index();
    if start < seen.len() {
        seen[start] = true;
        walk(&mut seen, vec![start], |n| exits.targets(n).map(|(_, t)| t));
    }
    seen
}

/// Mark everything reachable from `todo` (already marked) through `next`.
fn walk<I: Iterator<Item = usize>>(
    seen: &mut [bool],
    mut todo: Vec<usize>,
    next: impl Fn(usize) -> I,
) {
    while let Some(n) = todo.pop() {
        for t in next(n) {
            if !seen[t] {
                seen[t] = true;
                todo.push(t);
            }
        }
    }
}

/// W010: one warning per unreachable node. An inlined module node is only
/// reported when no copy of it (no node written at the same place) is
/// reachable, and then once.
pub(crate) fn unreachable(
    graph: &Graph,
    map: &SourceMap,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let used: HashSet<_> = (0..graph.nodes.len())
        .filter(|&n| reachable[n])
        .map(|n| name_span(map, n))
        .collect();
    let mut reported = HashSet::new();
    let start = graph
        .nodes
        .get(graph.start.index())
        .map_or("", |n| n.name.as_str());
    for (n, node) in graph.nodes.iter().enumerate() {
        let span = name_span(map, n);
        if reachable[n] || used.contains(&span) || !reported.insert(span) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::Unreachable,
                format!("node `{}` is never reached", node.name),
            )
            .label(span, format!("no path from `{start}` leads here"))
            .help(format!(
                "add an exit that goes to `{}`, or delete the node",
                node.name
            )),
        );
    }
}

/// E012: reachable nodes from which no hangup can be reached. A caller who
/// gets there circles for ever. Every node but a hangup has an exit, so such
/// a caller always ends up in a loop of trapped nodes that no exit leaves
/// (a "sink" component); one error per such loop says where the caller gets
/// stuck, and fixing those loops frees every trapped node.
pub(crate) fn trapped(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let n = graph.nodes.len();
    let mut can_end = vec![false; n];
    let hangups: Vec<usize> = (0..n)
        .filter(|&i| matches!(graph.nodes[i].kind, NodeKind::Hangup { .. }))
        .collect();
    for &h in &hangups {
        can_end[h] = true;
    }
    let sources = exits.reversed();
    walk(&mut can_end, hangups, |t| {
        sources.of_node(t).iter().map(|&s| s as usize)
    });

    let is_trapped = |i: usize| reachable[i] && !can_end[i];
    if !(0..n).any(is_trapped) {
        return;
    }
    let parts = components(exits, is_trapped);
    for c in 0..parts.len() {
        let members = parts.members(c);
        // Trapped nodes only lead to trapped nodes; a sink leads nowhere else.
        let sink = members.iter().all(|&m| {
            exits
                .of_node(m as usize)
                .iter()
                .all(|&t| t == NONE || parts.of[t as usize] == c as u32)
        });
        if !sink {
            continue;
        }
        let first = first_in_source(map, members);
        let name = graph.nodes[first].name.as_str();
        // In source order, as the reader meets them.
        let mut in_order: Vec<usize> = members.iter().map(|&m| m as usize).collect();
        in_order.sort_by_key(|&m| (name_span(map, m).start, m));
        let names = || in_order.iter().map(|&m| graph.nodes[m].name.as_str());
        let mut diagnostic = Diagnostic::new(
            Code::TrappedCaller,
            format!("a caller who reaches `{name}` can never hang up"),
        )
        .label(name_span(map, first), "the caller is stuck from here on");
        for &m in in_order.iter().filter(|&&m| m != first).take(8) {
            diagnostic = diagnostic.label(name_span(map, m), "part of the same trap");
        }
        let help = if members.len() == 1 {
            format!(
                "every exit of `{name}` leads back to `{name}`, so the call never reaches a \
                 hangup; add an exit to a hangup"
            )
        } else {
            let list = name_list(names(), 6);
            format!(
                "every exit of {list} leads back to one of them, so the call never reaches a \
                 hangup; add an exit to a hangup"
            )
        };
        out.push(diagnostic.help(help));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Flow, codes, node_of, only};
    use crate::diagnostic::Code;

    #[test]
    fn a_connected_flow_has_nothing_to_say() {
        let flow = Flow::new()
            .say("welcome", "main")
            .menu("main", &["main", "bye"], "bye")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }

    #[test]
    fn each_unreachable_node_is_warned_about_at_its_name() {
        let flow = Flow::new()
            .say("welcome", "bye")
            .hangup("bye")
            .say("orphan", "lost")
            .say("lost", "bye");
        let found = only(flow, Code::Unreachable);
        let nodes: Vec<_> = found.iter().map(|d| node_of(d.span())).collect();
        assert_eq!(nodes, [2, 3]);
        assert_eq!(found[0].message, "node `orphan` is never reached");
        assert_eq!(found[0].span().len(), "orphan".len());
    }

    #[test]
    fn a_menu_that_only_loops_traps_the_caller() {
        let flow = Flow::new()
            .say("welcome", "main")
            .menu("main", &["main"], "main")
            .hangup("bye");
        let found = only(flow, Code::TrappedCaller);
        assert_eq!(found.len(), 1);
        assert_eq!(node_of(found[0].span()), 1);
        let help = found[0].help.as_deref().unwrap();
        assert!(
            help.contains("every exit of `main` leads back to `main`"),
            "{help}"
        );
    }

    #[test]
    fn a_trap_is_reported_once_where_the_caller_circles_not_on_the_way_in() {
        // welcome → intro → (ask ⇄ confirm): ask is where the trap starts.
        let flow = Flow::new()
            .menu("welcome", &["intro"], "bye")
            .say("intro", "ask")
            .gather("confirm", "x", "ask", "ask")
            .menu("ask", &["confirm"], "confirm")
            .hangup("bye");
        let found = only(flow, Code::TrappedCaller);
        assert_eq!(found.len(), 1, "{found:#?}");
        let labelled: Vec<_> = found[0].labels.iter().map(|l| node_of(l.span)).collect();
        assert_eq!(labelled, [2, 3]);
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("`confirm` and `ask`")
        );
    }

    #[test]
    fn two_separate_traps_are_two_errors() {
        let flow = Flow::new()
            .menu("welcome", &["a", "b"], "bye")
            .menu("a", &["a"], "a")
            .menu("b", &["b"], "b")
            .hangup("bye");
        assert_eq!(only(flow, Code::TrappedCaller).len(), 2);
    }

    #[test]
    fn an_unreachable_trap_is_only_unreachable() {
        let flow =
            Flow::new()
                .say("welcome", "bye")
                .hangup("bye")
                .menu("stuck", &["stuck"], "stuck");
        assert_eq!(codes(flow), [Code::Unreachable]);
    }

    #[test]
    fn a_flow_without_any_hangup_traps_from_the_start() {
        let flow = Flow::new().menu("main", &["main"], "main");
        assert_eq!(codes(flow), [Code::TrappedCaller]);
    }
}
