//! W041: when an `ai` agent fails (the socket drops, the agent gives up),
//! the caller should still reach a person: every way on from its `failed`
//! exit must come to a `transfer` or a `queue`. At a `menu` the caller
//! chooses, so one choice leading to a person is enough there — but its
//! failure exits (no answer) must lead to one too. At an `hours` node only
//! `open` must: out of hours there is nobody to reach, and a voicemail is
//! the best a flow can do.
//!
//! "Leads to a person" is a least fixed point computed backwards from the
//! `transfer` and `queue` nodes, each exit looked at once: linear.

use super::trail;
use super::{Exits, Failures, exit_span};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, NodeKind};

pub(crate) fn ai_without_person(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    failures: &Failures,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let agents: Vec<usize> = (0..graph.nodes.len())
        .filter(|&n| reachable[n] && matches!(graph.nodes[n].kind, NodeKind::Ai { .. }))
        .collect();
    if agents.is_empty() {
        return;
    }
    let person = reaches_person(graph, exits, failures);
    for ai in agents {
        let names = graph.nodes[ai].kind.exits();
        let Some(k) = names.iter().position(|(name, _)| name == "failed") else {
            continue;
        };
        let Some(&to) = exits.of_node(ai).get(k) else {
            continue;
        };
        if to == super::NONE || person[to as usize] {
            continue;
        }
        let to = to as usize;
        let ends = |x: usize| exits.of_node(x).is_empty();
        let mut way = vec![(ai, k)];
        let mut last = Some(to);
        if !ends(to)
            && let Some(rest) =
                trail::shortest(exits, to, |x| !person[x], |_, _, t| !person[t] && ends(t))
        {
            last = rest.last().map(|&(n, k)| exits.of_node(n)[k] as usize);
            way.extend(rest);
        }
        let name = &graph.nodes[ai].name;
        let diagnostic = Diagnostic::new(
            Code::AiNoPerson,
            format!("when `{name}` fails, the caller may never reach a person"),
        )
        .label(
            exit_span(map, ai, k),
            "an agent that fails leaves the caller here",
        );
        let diagnostic = trail::label_exits(diagnostic, graph, map, &way[1..], exits);
        out.push(diagnostic.help(format!(
            "{}: a caller the agent could not help should be able to talk to someone; \
             lead `failed` to a `transfer` or a `queue` (and their own failures to another \
             person or a voicemail)",
            trail::describe(graph, &way, last)
        )));
    }
}

/// For each node: does every way on (every failure, and at a `menu` at least
/// one choice) come to a `transfer` or a `queue`?
fn reaches_person(graph: &Graph, exits: &Exits, failures: &Failures) -> Vec<bool> {
    let n = graph.nodes.len();
    let from = exits.reversed();
    let mut person = vec![false; n];
    // Exits still to come to a person, and (menus) whether a choice has.
    let mut pending = vec![0u32; n];
    let mut choice = vec![true; n];
    let mut todo = Vec::new();
    // The last person-node each node was looked at from: a node with two
    // exits to the same place is listed twice in the reversed table.
    let mut looked = vec![super::NONE; n];
    for (v, node) in graph.nodes.iter().enumerate() {
        match node.kind {
            NodeKind::Transfer { .. } | NodeKind::Queue { .. } => {
                person[v] = true;
                todo.push(v);
            }
            NodeKind::Menu { .. } => {
                choice[v] = false;
                pending[v] = (0..exits.of_node(v).len())
                    .filter(|&k| failures.at(exits, v, k))
                    .count() as u32;
            }
            NodeKind::Hangup { .. } => pending[v] = 1, // never: no exit leads on
            NodeKind::Hours { .. } => pending[v] = 1,  // `open`
            NodeKind::Say { .. }
            | NodeKind::Gather { .. }
            | NodeKind::Branch { .. }
            | NodeKind::Set { .. }
            | NodeKind::Split { .. }
            | NodeKind::RecordCall { .. }
            | NodeKind::Record { .. }
            | NodeKind::Http { .. }
            | NodeKind::Sms { .. }
            | NodeKind::Ai { .. } => pending[v] = exits.of_node(v).len() as u32,
        }
    }
    while let Some(t) = todo.pop() {
        for &v in from.of_node(t) {
            let v = v as usize;
            if person[v] || looked[v] == t as u32 {
                continue;
            }
            looked[v] = t as u32;
            for k in 0..exits.of_node(v).len() {
                if exits.of_node(v)[k] as usize != t {
                    continue;
                }
                match graph.nodes[v].kind {
                    NodeKind::Menu { .. } if !failures.at(exits, v, k) => choice[v] = true,
                    NodeKind::Hours { .. } if k != 0 => {}
                    _ => pending[v] = pending[v].saturating_sub(1),
                }
            }
            if pending[v] == 0 && choice[v] && !person[v] {
                person[v] = true;
                todo.push(v);
            }
        }
    }
    person
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Flow, codes, node_of, only};
    use crate::diagnostic::Code;

    #[test]
    fn an_agent_that_fails_into_a_goodbye_leaves_the_caller_alone() {
        let flow = Flow::new()
            .ai("agent", "bye", "sorry")
            .say("sorry", "bye")
            .hangup("bye");
        let found = only(flow, Code::AiNoPerson);
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(
            d.message,
            "when `agent` fails, the caller may never reach a person"
        );
        // On the `failed` exit (exit 1 of node 0), then the way on.
        assert_eq!(d.span().start, 110);
        assert_eq!(d.labels.len(), 2);
        assert_eq!(node_of(d.labels[1].span), 1);
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .starts_with("`agent` (failed) → `sorry` → `bye`:")
        );
    }

    #[test]
    fn a_transfer_after_the_failure_is_a_person() {
        let flow = Flow::new()
            .ai("agent", "bye", "sorry")
            .say("sorry", "desk")
            .transfer("desk", "bye", "bye")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }

    #[test]
    fn a_menu_needs_one_choice_to_a_person_and_no_failure_away_from_one() {
        let offer = |exhausted: &str| {
            Flow::new()
                .ai("agent", "bye", "offer")
                .menu("offer", &["desk", "bye"], exhausted)
                .transfer("desk", "bye", "bye")
                .hangup("bye")
        };
        assert_eq!(codes(offer("desk")), []);
        assert_eq!(codes(offer("bye")), [Code::AiNoPerson]);
    }

    #[test]
    fn out_of_hours_a_voicemail_will_do() {
        let flow = |closed: &str| {
            Flow::new()
                .ai("agent", "bye", "desk_hours")
                .hours("desk_hours", "desk", closed)
                .transfer("desk", "bye", "voicemail")
                .record("voicemail", "bye", "bye")
                .hangup("bye")
        };
        assert_eq!(codes(flow("voicemail")), []);
        // Open, the caller must still reach the person.
        let open_to_voicemail = Flow::new()
            .ai("agent", "bye", "desk_hours")
            .hours("desk_hours", "voicemail", "desk")
            .transfer("desk", "bye", "voicemail")
            .record("voicemail", "bye", "bye")
            .hangup("bye");
        assert_eq!(only(open_to_voicemail, Code::AiNoPerson).len(), 1);
    }

    #[test]
    fn a_voicemail_is_not_a_person() {
        let flow = Flow::new()
            .ai("agent", "bye", "voicemail")
            .record("voicemail", "bye", "bye")
            .hangup("bye");
        assert_eq!(codes(flow), [Code::AiNoPerson]);
    }

    #[test]
    fn a_call_out_that_can_fail_before_the_person_is_not_enough() {
        let flow = Flow::new()
            .ai("agent", "bye", "log")
            .http("log", None, "desk", "bye")
            .transfer("desk", "bye", "bye")
            .hangup("bye");
        assert_eq!(only(flow, Code::AiNoPerson).len(), 1);
    }
}
