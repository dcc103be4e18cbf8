//! Where failures lead: a failure that ends the call in silence (W032), and
//! a failed call-out or transfer that hangs up while the flow has a person,
//! a queue or a voicemail to fall back on (W033).
//!
//! Both ask "does every path from here end in a hangup without giving the
//! caller anything?". That is a backward fixpoint: a hangup is doomed, and a
//! node that neither waits for the caller nor connects them anywhere is
//! doomed once all its exits are. Counting each node's undoomed exits makes
//! it one pass over the reversed exits: linear, no recursion.

use super::{Exits, FAILURE_EXITS, NONE, exit_span, mute, name_span};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, NodeKind};

pub(crate) fn analyse(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    // Says nothing and connects no one: the caller only hears silence here.
    let silent = |kind: &NodeKind| match kind {
        NodeKind::Hangup { prompt } => prompt.is_none(),
        other => mute(other),
    };
    // Gives the caller nothing to do or no one to talk to: the call goes on
    // to wherever its exits lead.
    let passes = |kind: &NodeKind| match kind {
        NodeKind::Hangup { .. } => true,
        NodeKind::Say { .. } => true,
        other => mute(other),
    };
    let ends_silently = doomed(graph, exits, silent);
    let ends = doomed(graph, exits, passes);
    let fallbacks = Fallbacks::of(graph, map, reachable);

    for (n, node) in graph.nodes.iter().enumerate() {
        if !reachable[n] {
            continue;
        }
        for (k, (exit, target)) in node.kind.exits().into_iter().enumerate() {
            let t = target.index();
            if t >= graph.nodes.len() {
                continue;
            }
            let exit = if exit.starts_with("when#") {
                "when"
            } else {
                exit.as_str()
            };
            if failed_call_out(&node.kind, exit)
                && ends[t]
                && !same_as_success(&node.kind, target)
                && let Some(best) = fallbacks.besides(n)
            {
                out.push(error_hangup(graph, map, (n, k, exit), t, best));
                continue;
            }
            if FAILURE_EXITS.contains(&exit) && ends_silently[t] {
                out.push(silent_failure(graph, map, (n, k, exit), t));
            }
        }
    }
}

/// What a caller can fall back on: a person, a queue, a voicemail.
fn fallback(kind: &NodeKind) -> Option<&'static str> {
    match kind {
        NodeKind::Transfer { .. } => Some("a person"),
        NodeKind::Queue { .. } => Some("a queue"),
        NodeKind::Record { .. } => Some("a voicemail"),
        NodeKind::Say { .. }
        | NodeKind::Menu { .. }
        | NodeKind::Gather { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Http { .. }
        | NodeKind::Sms { .. }
        | NodeKind::Ai { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hangup { .. } => None,
    }
}

/// The `error`/`failed` exit of a call-out or a transfer (W033).
fn failed_call_out(kind: &NodeKind, exit: &str) -> bool {
    match kind {
        NodeKind::Http { .. } => exit == "error",
        NodeKind::Sms { .. } | NodeKind::Ai { .. } | NodeKind::Transfer { .. } => exit == "failed",
        NodeKind::Say { .. }
        | NodeKind::Menu { .. }
        | NodeKind::Gather { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Record { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hangup { .. } => false,
    }
}

/// A notification (`http`, `sms`) whose failure goes where its success
/// goes: the author chose to carry on either way (a backend reconciles, a
/// text is a courtesy), so the caller is not dropped *because* of it.
fn same_as_success(kind: &NodeKind, failure: crate::graph::NodeId) -> bool {
    match kind {
        NodeKind::Http { ok, .. } => *ok == failure,
        NodeKind::Sms { sent, .. } => *sent == failure,
        NodeKind::Say { .. }
        | NodeKind::Menu { .. }
        | NodeKind::Gather { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Transfer { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Record { .. }
        | NodeKind::Ai { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hangup { .. } => false,
    }
}

/// Nodes from which every path ends in a hangup through nodes that `passes`
/// (a hangup must pass too). A loop of passing nodes never ends, so it is
/// not doomed (E011 reports it).
fn doomed(graph: &Graph, exits: &Exits, passes: impl Fn(&NodeKind) -> bool) -> Vec<bool> {
    let n = graph.nodes.len();
    let mut doomed = vec![false; n];
    // Exits not yet known to be doomed; a target outside the graph never is.
    let mut open: Vec<u32> = (0..n).map(|i| exits.of_node(i).len() as u32).collect();
    let mut todo: Vec<usize> = Vec::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        if matches!(node.kind, NodeKind::Hangup { .. }) && passes(&node.kind) {
            doomed[i] = true;
            todo.push(i);
        }
    }
    let sources = exits.reversed();
    while let Some(t) = todo.pop() {
        for &s in sources.of_node(t) {
            let s = s as usize;
            if doomed[s] || !passes(&graph.nodes[s].kind) {
                continue;
            }
            // One decrement per exit: a node with two exits to `t` is listed twice.
            open[s] -= 1;
            if open[s] == 0 && !exits.of_node(s).contains(&NONE) {
                doomed[s] = true;
                todo.push(s);
            }
        }
    }
    doomed
}

fn silent_failure(
    graph: &Graph,
    map: &SourceMap,
    (n, k, exit): (usize, usize, &str),
    t: usize,
) -> Diagnostic {
    let node = &graph.nodes[n].name;
    let target = &graph.nodes[t].name;
    let what = match exit {
        "else" => "when no condition holds".to_string(),
        _ => format!("after `{exit}`"),
    };
    let ends = if matches!(graph.nodes[t].kind, NodeKind::Hangup { .. }) {
        format!("`{target}` hangs up without a word")
    } else {
        format!("every way on from `{target}` hangs up without a word")
    };
    Diagnostic::new(
        Code::SilentFailure,
        format!("{what}, `{node}` ends the call in silence"),
    )
    .label(exit_span(map, n, k), ends)
    .help(format!(
        "tell the caller what happened before the call ends: lead `{exit}` to a `say` \
         that explains (or to a person), or give the hangup a `text`"
    ))
}

/// The fallbacks a failure could lead to: the first two people (a transfer
/// or a queue) and the first two voicemails in source order, so that one
/// other than the failing node itself is found in constant time.
struct Fallbacks {
    people: Vec<usize>,
    voicemails: Vec<usize>,
}

impl Fallbacks {
    fn of(graph: &Graph, map: &SourceMap, reachable: &[bool]) -> Fallbacks {
        let mut people = Vec::new();
        let mut voicemails = Vec::new();
        for (n, node) in graph.nodes.iter().enumerate() {
            if !reachable[n] {
                continue;
            }
            match fallback(&node.kind) {
                Some(_) if matches!(node.kind, NodeKind::Record { .. }) => voicemails.push(n),
                Some(_) => people.push(n),
                None => {}
            }
        }
        // The two written first: a reader meets them first.
        let first_two = |nodes: &mut Vec<usize>| {
            nodes.sort_by_key(|&n| (name_span(map, n).start, n));
            nodes.truncate(2);
        };
        first_two(&mut people);
        first_two(&mut voicemails);
        Fallbacks { people, voicemails }
    }

    /// A person before a voicemail: the caller came to be helped.
    fn besides(&self, n: usize) -> Option<usize> {
        let other = |nodes: &[usize]| nodes.iter().copied().find(|&f| f != n);
        other(&self.people).or_else(|| other(&self.voicemails))
    }
}

fn error_hangup(
    graph: &Graph,
    map: &SourceMap,
    (n, k, exit): (usize, usize, &str),
    t: usize,
    best: usize,
) -> Diagnostic {
    let node = &graph.nodes[n];
    let target = &graph.nodes[t].name;
    let best_node = &graph.nodes[best];
    let what = match node.kind {
        NodeKind::Transfer { .. } => "the transfer fails",
        NodeKind::Sms { .. } => "the text message fails",
        _ => "the call-out fails",
    };
    Diagnostic::new(
        Code::ErrorHangup,
        format!("when {what}, `{}` hangs up on the caller", node.name),
    )
    .label(
        exit_span(map, n, k),
        format!("`{exit}` leads to `{target}`, which ends the call"),
    )
    .label(
        name_span(map, best),
        format!(
            "{} the caller could fall back on",
            fallback(&best_node.kind).unwrap_or("a fallback")
        ),
    )
    .help(format!(
        "lead `{exit}` to `{}` (or a `say` on the way there), so a failure does not drop the caller",
        best_node.name
    ))
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Diagnostic};
    use crate::{Syntax, compile};

    fn found(body: &str, code: Code) -> Vec<Diagnostic> {
        let text = format!(
            "flow f {{\n  language \"en-IN\"\n  targets twilio\n  var order: json\n{body}\n}}\n"
        );
        compile(&text, Syntax::Ivr)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == code)
            .collect()
    }

    const MENU: &str = "  start main\n  menu main {\n    prompt \"Press 1.\"\n    \"1\" -> thanks\n    exhausted -> END\n  }\n  hangup thanks { text \"Thanks.\" }\n";

    #[test]
    fn a_menu_that_gives_up_in_silence_is_warned_about() {
        let body = format!("{}  hangup quiet {{}}\n", MENU.replace("END", "quiet"));
        let found = found(&body, Code::SilentFailure);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "after `exhausted`, `main` ends the call in silence"
        );
    }

    #[test]
    fn silence_through_mute_nodes_counts_but_a_goodbye_does_not() {
        let through = format!(
            "{}  set note {{\n    order = null\n    next -> quiet\n  }}\n  hangup quiet {{}}\n",
            MENU.replace("END", "note")
        );
        assert_eq!(found(&through, Code::SilentFailure).len(), 1);
        let said = format!(
            "{}  say sorry {{\n    text \"Sorry.\"\n    next -> quiet\n  }}\n  hangup quiet {{}}\n",
            MENU.replace("END", "sorry")
        );
        assert_eq!(found(&said, Code::SilentFailure), []);
        let goodbye = MENU.replace("END", "thanks");
        assert_eq!(found(&goodbye, Code::SilentFailure), []);
    }

    #[test]
    fn a_branch_that_may_still_speak_is_not_silent() {
        let body = format!(
            "{}  branch check {{\n    when order.x == 1 -> thanks\n    else -> quiet\n  }}\n  hangup quiet {{}}\n",
            MENU.replace("END", "check")
        );
        // Only the `else` itself ends in silence, and only it is reported.
        let found = found(&body, Code::SilentFailure);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.starts_with("when no condition holds"));
    }

    const HTTP: &str = "  start lookup\n  http lookup {\n    url \"https://api.example.com/x\"\n    into order\n    ok -> main\n    error -> END\n  }\n  menu main {\n    prompt \"Press 1 for an agent.\"\n    \"1\" -> agent\n    exhausted -> bye\n  }\n  transfer agent {\n    to \"+919876543210\"\n    answered -> bye\n    busy -> bye\n    no_answer -> bye\n    failed -> bye\n  }\n  hangup bye { text \"Goodbye.\" }\n";

    #[test]
    fn a_failed_call_out_that_hangs_up_beside_a_person_is_warned_about() {
        let body = format!(
            "{}  say sorry {{\n    text \"Sorry, something went wrong.\"\n    next -> bye\n  }}\n",
            HTTP.replace("END", "sorry")
        );
        let found = found(&body, Code::ErrorHangup);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "when the call-out fails, `lookup` hangs up on the caller"
        );
        assert_eq!(found[0].labels.len(), 2);
        assert!(found[0].help.as_deref().unwrap().contains("`agent`"));
    }

    #[test]
    fn a_failed_call_out_that_offers_a_person_is_fine() {
        let body = HTTP.replace("END", "agent");
        assert_eq!(found(&body, Code::ErrorHangup), []);
        // The transfer's own `failed` has no other person to go to.
        assert_eq!(found(&body, Code::SilentFailure), []);
    }

    #[test]
    fn a_notification_that_carries_on_either_way_is_a_choice() {
        let body = "  start main\n  menu main {\n    prompt \"Press 1 to confirm, 2 for an agent.\"\n    \"1\" -> lookup\n    \"2\" -> agent\n    exhausted -> bye\n  }\n  http lookup {\n    url \"https://api.example.com/x\"\n    ok -> thanks\n    error -> thanks\n  }\n  say thanks {\n    text \"Thanks.\"\n    next -> bye\n  }\n  transfer agent {\n    to \"+919876543210\"\n    answered -> bye\n    busy -> bye\n    no_answer -> bye\n    failed -> bye\n  }\n  hangup bye { text \"Goodbye.\" }\n";
        assert_eq!(found(body, Code::ErrorHangup), []);
        // Hanging up only on failure is still reported.
        let body = body.replace("error -> thanks", "error -> bye");
        assert_eq!(found(&body, Code::ErrorHangup).len(), 1);
    }

    #[test]
    fn a_failed_transfer_falls_back_on_another_fallback_than_itself() {
        let body = "  var message: string\n  start agent\n  transfer agent {\n    to \"+919876543210\"\n    answered -> bye\n    busy -> voicemail\n    no_answer -> voicemail\n    failed -> bye\n  }\n  record voicemail {\n    prompt \"Leave a message.\"\n    into message\n    done -> bye\n    empty -> bye\n  }\n  hangup bye { text \"Goodbye.\" }\n";
        let found = found(body, Code::ErrorHangup);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "when the transfer fails, `agent` hangs up on the caller"
        );
        assert!(found[0].labels[1].message.contains("a voicemail"));
        assert!(found[0].help.as_deref().unwrap().contains("`voicemail`"));
    }

    #[test]
    fn without_a_fallback_a_failed_call_out_may_hang_up() {
        let body = "  start lookup\n  http lookup {\n    url \"https://api.example.com/x\"\n    into order\n    ok -> bye\n    error -> bye\n  }\n  hangup bye { text \"Goodbye.\" }\n";
        assert_eq!(found(body, Code::ErrorHangup), []);
    }
}
