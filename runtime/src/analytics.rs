//! Figures per flow from the calls' traces: how many calls, how often each
//! node was entered, which exits callers took out of it, where callers hung
//! up, how often they said nothing or something that did not match,
//! how transfers and queues went, and how long calls lasted. Pure: the server reads the calls, this
//! counts them (for `/api/flows/{flow}/analytics` and the console).

use std::collections::BTreeMap;

use ivr_compiler::Graph;
use serde::Serialize;

use crate::store::history::{CallDetail, CallStatus, Visit};

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Analytics {
    pub flow: String,
    /// Calls that started in the window.
    pub calls: usize,
    /// Of those, still in progress.
    pub live: usize,
    pub statuses: BTreeMap<&'static str, usize>,
    /// Per node, in the flow's order.
    pub nodes: Vec<NodeFigures>,
    /// Seconds from start to end of the calls that ended (time in flow).
    pub duration: Option<Durations>,
    /// Transfers (`transfer`/`dial` nodes) by how they ended.
    pub transfers: Transfers,
    /// Callers who waited in a queue: how it ended, and how long they waited.
    pub queues: Queues,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Transfers {
    pub answered: usize,
    pub busy: usize,
    pub no_answer: usize,
    pub failed: usize,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Queues {
    pub bridged: usize,
    pub timeout: usize,
    pub failed: usize,
    /// Seconds from joining the queue to leaving it.
    pub wait: Option<Durations>,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct NodeFigures {
    pub node: String,
    pub kind: &'static str,
    /// Times a caller arrived at the node.
    pub entries: usize,
    /// Exit name → times taken, and its share of the node's exits (%).
    pub exits: BTreeMap<String, ExitFigure>,
    /// Calls that ended while waiting here (the caller hung up or was cut
    /// off), not counting nodes whose purpose is to end the call.
    pub hung_up: usize,
    /// Times the caller answered here (keys, words or silence).
    pub answers: usize,
    /// Of those, silences, and what the node did not accept.
    pub no_input: usize,
    pub no_match: usize,
    /// `no_input` and `no_match` as a share of `answers` (%).
    pub no_input_rate: f64,
    pub no_match_rate: f64,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct ExitFigure {
    pub taken: usize,
    pub percent: f64,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct Durations {
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
}

/// Count `calls` (the flow's calls in the window, any version) against the
/// nodes of `graph` (the version serving now). Nodes of older versions that
/// are gone now are counted under their name all the same.
pub fn of_flow(graph: &Graph, calls: &[CallDetail]) -> Analytics {
    let mut nodes: Vec<NodeFigures> = graph
        .nodes
        .iter()
        .map(|node| NodeFigures {
            node: node.name.clone(),
            kind: node.kind.keyword(),
            ..NodeFigures::default()
        })
        .collect();
    let mut index: BTreeMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.node.clone(), i))
        .collect();
    let mut figures = Analytics {
        flow: graph.flow.clone(),
        ..Analytics::default()
    };
    let mut durations = Vec::new();
    let mut waits = Vec::new();
    for call in calls {
        figures.calls += 1;
        *figures
            .statuses
            .entry(call.summary.status.as_str())
            .or_default() += 1;
        if !call.summary.status.is_final() {
            figures.live += 1;
        }
        if let Some(ms) = call.summary.duration_ms {
            durations.push(ms as f64 / 1000.0);
        }
        let mut previous: Option<&Visit> = None;
        for visit in &call.trace {
            let i = slot(&mut index, &mut nodes, &visit.node);
            // A node that waited (exit "") and is left in the next turn is one
            // entry seen twice in the trace.
            let continues = previous.is_some_and(|p| p.node == visit.node && p.exit.is_empty());
            if !continues {
                nodes[i].entries += 1;
            }
            if !visit.exit.is_empty() {
                nodes[i].exits.entry(visit.exit.clone()).or_default().taken += 1;
            }
            if let Some(event) = &visit.event {
                answered(&mut nodes[i], event, &visit.exit);
                figures.transfers.count(event);
                if figures.queues.count(event)
                    && let Some(p) = previous.filter(|p| continues && p.at <= visit.at)
                {
                    waits.push((visit.at - p.at) as f64 / 1000.0);
                }
            }
            previous = Some(visit);
        }
        if let Some(last) = call.trace.last()
            && last.exit.is_empty()
            && call.summary.status.is_final()
            && call.summary.status != CallStatus::Ringing
        {
            let i = slot(&mut index, &mut nodes, &last.node);
            if nodes[i].kind != "hangup" {
                nodes[i].hung_up += 1;
            }
        }
    }
    for node in &mut nodes {
        let total: usize = node.exits.values().map(|e| e.taken).sum();
        for exit in node.exits.values_mut() {
            exit.percent = percent(exit.taken, total);
        }
        node.no_input_rate = percent(node.no_input, node.answers);
        node.no_match_rate = percent(node.no_match, node.answers);
    }
    figures.nodes = nodes;
    figures.duration = spread(durations);
    figures.queues.wait = spread(waits);
    figures
}

/// `part` of `whole` in %, to a tenth; 0 of nothing.
fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (1000.0 * part as f64 / whole as f64).round() / 10.0
}

/// Count an answer the caller gave at `node` (the trace's `event`): a
/// silence is no input; keys or words the node asked again after, or gave
/// up on, are no match.
fn answered(node: &mut NodeFigures, event: &str, exit: &str) {
    match event {
        "no_input" => {
            node.answers += 1;
            node.no_input += 1;
        }
        "digits" | "speech" => {
            node.answers += 1;
            if matches!(exit, "" | "exhausted" | "nomatch_exhausted") {
                node.no_match += 1;
            }
        }
        _ => {}
    }
}

impl Transfers {
    fn count(&mut self, event: &str) {
        match event {
            "dial_answered" => self.answered += 1,
            "dial_busy" => self.busy += 1,
            "dial_no_answer" => self.no_answer += 1,
            "dial_failed" => self.failed += 1,
            _ => {}
        }
    }
}

impl Queues {
    /// Count a queue's outcome; true if `event` was one.
    fn count(&mut self, event: &str) -> bool {
        match event {
            "queue_bridged" => self.bridged += 1,
            "queue_timeout" => self.timeout += 1,
            "queue_failed" => self.failed += 1,
            _ => return false,
        }
        true
    }
}

/// The figures of the node named `name`, made for a node the current
/// version no longer has.
fn slot(index: &mut BTreeMap<String, usize>, nodes: &mut Vec<NodeFigures>, name: &str) -> usize {
    *index.entry(name.to_string()).or_insert_with(|| {
        nodes.push(NodeFigures {
            node: name.to_string(),
            kind: "gone",
            ..NodeFigures::default()
        });
        nodes.len() - 1
    })
}

fn spread(mut seconds: Vec<f64>) -> Option<Durations> {
    if seconds.is_empty() {
        return None;
    }
    seconds.sort_by(f64::total_cmp);
    let rank = |q: f64| seconds[((seconds.len() - 1) as f64 * q).round() as usize];
    Some(Durations {
        mean: seconds.iter().sum::<f64>() / seconds.len() as f64,
        median: rank(0.5),
        p90: rank(0.9),
        max: seconds[seconds.len() - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Caller, Direction};
    use crate::store::history::CallSummary;

    const FLOW: &str = r#"
flow desk {
  language "en-IN"
  targets twilio
  start main
  menu main {
    prompt "Press 1 for sales, 2 to leave."
    "1" -> sales
    "2" -> bye
    exhausted -> bye
  }
  transfer sales {
    to "+918045671201"
    answered -> bye
    busy -> bye
    no_answer -> bye
    failed -> bye
  }
  hangup bye {
    text "Goodbye."
  }
}
"#;

    fn call(status: CallStatus, duration_s: Option<i64>, path: &[(&str, &str)]) -> CallDetail {
        CallDetail {
            summary: CallSummary {
                call_id: "CA".into(),
                flow: "desk".into(),
                version: "v".into(),
                caller: Caller {
                    from: "+1".into(),
                    to: "+2".into(),
                    direction: Direction::Inbound,
                    answered_by: None,
                },
                status,
                started_at: 0,
                ended_at: duration_s.map(|s| s * 1000),
                duration_ms: duration_s.map(|s| s * 1000),
            },
            trace: path
                .iter()
                .map(|(node, exit)| Visit::new(*node, *exit, 0))
                .collect(),
            transcripts: Vec::new(),
        }
    }

    /// A call whose visits carry the event that woke them, and a time.
    fn traced(path: &[(&str, &str, Option<&str>, i64)]) -> CallDetail {
        let mut call = call(CallStatus::Completed, Some(60), &[]);
        call.trace = path
            .iter()
            .map(|(node, exit, event, at)| Visit {
                event: event.map(String::from),
                ..Visit::new(*node, *exit, *at)
            })
            .collect();
        call
    }

    #[test]
    fn no_input_no_match_transfers_and_queue_waits_are_counted() {
        let graph = ivr_compiler::compile(FLOW, ivr_compiler::Syntax::Ivr)
            .graph
            .unwrap();
        let calls = [
            // Pressed 9 (asked again), then 1; the team was busy.
            traced(&[
                ("main", "", Some("started"), 0),
                ("main", "", Some("digits"), 1),
                ("main", "1", Some("digits"), 2),
                ("sales", "", None, 2),
                ("sales", "busy", Some("dial_busy"), 3),
                ("bye", "", None, 3),
            ]),
            // Silence, then a key it did not take, and it gave up.
            traced(&[
                ("main", "", Some("started"), 0),
                ("main", "", Some("no_input"), 1),
                ("main", "exhausted", Some("digits"), 2),
                ("bye", "", None, 2),
            ]),
            // Pressed 1, answered; then queued 30 s somewhere (a node this
            // version no longer has) and bridged.
            traced(&[
                ("main", "", Some("started"), 0),
                ("main", "1", Some("digits"), 1),
                ("sales", "", None, 1),
                ("sales", "answered", Some("dial_answered"), 2),
                ("line", "", None, 10_000),
                ("line", "next", Some("queue_bridged"), 40_000),
            ]),
        ];
        let a = of_flow(&graph, &calls);
        let main = node(&a, "main");
        assert_eq!((main.answers, main.no_input, main.no_match), (5, 1, 2));
        assert_eq!((main.no_input_rate, main.no_match_rate), (20.0, 40.0));
        assert_eq!(node(&a, "bye").answers, 0);
        assert_eq!(
            a.transfers,
            Transfers {
                answered: 1,
                busy: 1,
                ..Transfers::default()
            }
        );
        assert_eq!((a.queues.bridged, a.queues.timeout), (1, 0));
        assert_eq!(a.queues.wait.as_ref().unwrap().max, 30.0);
    }

    fn node<'a>(a: &'a Analytics, name: &str) -> &'a NodeFigures {
        a.nodes.iter().find(|n| n.node == name).unwrap()
    }

    #[test]
    fn entries_exits_hang_ups_and_durations_are_counted_per_node() {
        let graph = ivr_compiler::compile(FLOW, ivr_compiler::Syntax::Ivr)
            .graph
            .unwrap();
        let done = CallStatus::Completed;
        let calls = [
            // Pressed 1, the team answered, goodbye.
            call(
                done,
                Some(30),
                &[
                    ("main", ""),
                    ("main", "1"),
                    ("sales", ""),
                    ("sales", "answered"),
                    ("bye", ""),
                ],
            ),
            // Pressed 2.
            call(done, Some(10), &[("main", ""), ("main", "2"), ("bye", "")]),
            // Hung up while the menu waited.
            call(done, Some(5), &[("main", "")]),
            // Still listening.
            call(CallStatus::InProgress, None, &[("main", "")]),
        ];
        let a = of_flow(&graph, &calls);
        assert_eq!((a.calls, a.live), (4, 1));
        assert_eq!(a.statuses["completed"], 3);
        let main = node(&a, "main");
        assert_eq!(main.entries, 4, "a wait and its answer are one entry");
        assert_eq!(main.exits["1"].taken, 1);
        assert_eq!(main.exits["1"].percent, 50.0);
        assert_eq!(main.hung_up, 1, "the live call has not hung up");
        assert_eq!(node(&a, "sales").exits["answered"].percent, 100.0);
        let bye = node(&a, "bye");
        assert_eq!(
            (bye.entries, bye.hung_up),
            (2, 0),
            "ending at a hangup node is no hang-up"
        );
        let d = a.duration.unwrap();
        assert_eq!((d.median, d.max), (10.0, 30.0));
        assert_eq!(d.mean, 15.0);
    }

    #[test]
    fn nodes_an_older_version_had_are_still_counted() {
        let graph = ivr_compiler::compile(FLOW, ivr_compiler::Syntax::Ivr)
            .graph
            .unwrap();
        let a = of_flow(
            &graph,
            &[call(CallStatus::Completed, Some(1), &[("old_menu", "")])],
        );
        let old = node(&a, "old_menu");
        assert_eq!((old.kind, old.entries, old.hung_up), ("gone", 1, 1));
    }
}
