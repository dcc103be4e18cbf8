//! E042: dead air. The longest a caller can sit in silence on some path,
//! against each target provider's limit. Silence is the last no-input wait
//! of a `menu`/`gather` that gives up (or a `record` that hears nothing),
//! then every call-out the flow makes before the caller hears anything
//! again (`http` up to its `timeout`, `sms` up to the SMS client's).
//! Prompts, ringing, hold music and an agent's voice are not silence, and a
//! caller's own answer ends a wait early. Loops are followed once (see
//! [`super::dag`]); one backward pass, linear.

use super::dag::Dag;
use super::trail::{self, Trail};
use super::{Exits, Failures, NONE, exit_span};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, NodeKind, Provider};

/// How long an `sms` may take: the runtime's SMS client gives up after this.
pub const SMS_TIMEOUT_MS: u64 = 10_000;

/// The longest silence each provider sits through. Twilio fails a webhook
/// not answered in 15 s (error 11205), so the runtime must hold the caller
/// — in silence — past it. Exotel documents no Passthru limit; its one
/// documented answer limit is the voicebot's 10 s (community code gives up
/// on dynamic applet URLs after about 5 s).
pub fn limit_ms(provider: Provider) -> u64 {
    match provider {
        Provider::Twilio => 15_000,
        Provider::Exotel => 10_000,
    }
}

pub(crate) fn dead_air(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    failures: &Failures,
    dag: &Dag,
    out: &mut Vec<Diagnostic>,
) {
    let silence_at =
        |v: usize, k: usize| silent_ms(&graph.nodes[v].kind, failures.name(exits, v, k));
    let Some(limit) = graph.targets.iter().map(|&p| limit_ms(p)).min() else {
        return;
    };
    let n = graph.nodes.len();
    // The silence from entering a node until the caller hears something,
    // and the exit that makes it longest.
    let mut run = vec![0u64; n];
    let mut longest = vec![NONE; n];
    let after = |run: &[u64], v: usize, k: usize, t: usize| {
        if dag.is_back(v, k) { 0 } else { run[t] }
    };
    for &v in &dag.post_order {
        let v = v as usize;
        let kind = &graph.nodes[v].kind;
        if speaks(kind) {
            continue;
        }
        for (k, t) in exits.targets(v) {
            let total = silence_at(v, k).saturating_add(after(&run, v, k, t));
            if longest[v] == NONE || total > run[v] {
                run[v] = total;
                longest[v] = k as u32;
            }
        }
    }

    let start = graph.start.index();
    let mut origins: Vec<(usize, Option<usize>, u64)> = Vec::new();
    if start < n && run[start] > limit {
        origins.push((start, None, run[start]));
    }
    for &v in &dag.post_order {
        let v = v as usize;
        let kind = &graph.nodes[v].kind;
        if !speaks(kind) {
            continue;
        }
        let worst = exits
            .targets(v)
            .map(|(k, t)| (k, silence_at(v, k).saturating_add(after(&run, v, k, t))))
            .max_by_key(|&(k, ms)| (ms, std::cmp::Reverse(k)));
        if let Some((k, ms)) = worst
            && ms > limit
        {
            origins.push((v, Some(k), ms));
        }
    }
    // Report in source order.
    origins.sort_by_key(|&(v, _, _)| (super::name_span(map, v).start, v));
    for (v, k, ms) in origins {
        let mut way: Trail = Vec::new();
        let mut at = match k {
            Some(k) => {
                way.push((v, k));
                (!dag.is_back(v, k)).then(|| exits.of_node(v)[k] as usize)
            }
            None => Some(v),
        };
        let mut last = None;
        while let Some(x) = at {
            let k = longest[x];
            if speaks(&graph.nodes[x].kind) || k == NONE {
                last = Some(x);
                break;
            }
            way.push((x, k as usize));
            at = (!dag.is_back(x, k as usize)).then(|| exits.of_node(x)[k as usize] as usize);
        }
        let steps: Vec<String> = way
            .iter()
            .filter_map(|&(n, k)| {
                let ms = silence_at(n, k);
                (ms > 0).then(|| format!("`{}` {}", graph.nodes[n].name, seconds(ms)))
            })
            .collect();
        let stretch = Stretch {
            way,
            last,
            ms,
            from_start: k.is_none(),
            steps,
        };
        out.push(report(graph, map, exits, &stretch));
    }
}

/// One silence too long: where it starts and the way it goes.
struct Stretch {
    way: Trail,
    /// Where the caller hears something again (or the loop it closes).
    last: Option<usize>,
    ms: u64,
    /// From the start of the call, not from a node the caller heard.
    from_start: bool,
    /// "`lookup` 8 s" for each step that adds silence.
    steps: Vec<String>,
}

fn report(graph: &Graph, map: &SourceMap, exits: &Exits, stretch: &Stretch) -> Diagnostic {
    let Stretch {
        way,
        last,
        ms,
        from_start,
        steps,
    } = stretch;
    let (ms, last, from_start) = (*ms, *last, *from_start);
    let over: Vec<String> = graph
        .targets
        .iter()
        .filter(|&&p| ms > limit_ms(p))
        .map(|&p| format!("{} ({})", display_name(p), seconds(limit_ms(p))))
        .collect();
    let (first, k) = way[0];
    let name = &graph.nodes[first].name;
    let message = if from_start {
        format!(
            "a caller can hear nothing for {} from the start of the call",
            seconds(ms)
        )
    } else {
        format!(
            "a caller can hear nothing for {} after `{name}`",
            seconds(ms)
        )
    };
    let mut diagnostic = Diagnostic::new(Code::DeadAir, message);
    let primary = if from_start {
        super::name_span(map, first)
    } else {
        exit_span(map, first, k)
    };
    diagnostic = diagnostic.label(primary, format!("silence from here: {}", seconds(ms)));
    let rest = if from_start { &way[..] } else { &way[1..] };
    diagnostic = trail::label_exits(diagnostic, graph, map, rest, exits);
    diagnostic.help(format!(
        "{} ({}) is longer than {} wait{}; shorten the timeouts, or say something \
         before a slow call-out (\"One moment while I look that up.\")",
        trail::describe(graph, way, last),
        steps.join(" + "),
        over.join(" and "),
        if over.len() == 1 { "s" } else { "" }
    ))
}

fn display_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Twilio => "Twilio",
        Provider::Exotel => "Exotel",
    }
}

/// "6 s", "2.5 s".
fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// Does the caller hear something on entering this node (so a silence
/// before it ends there)? A `hangup` ends the call, and the silence with it.
fn speaks(kind: &NodeKind) -> bool {
    !super::mute(kind)
}

/// Silence a node adds on leaving by an exit (`failure`: the failure exit's
/// name, if it is one): the wait for an answer that never came, or a
/// call-out's time.
fn silent_ms(kind: &NodeKind, failure: Option<&str>) -> u64 {
    match kind {
        NodeKind::Menu { timeout_ms, .. } | NodeKind::Gather { timeout_ms, .. } => match failure {
            Some("exhausted" | "noinput_exhausted") => *timeout_ms,
            _ => 0,
        },
        NodeKind::Record { timeout_s, .. } if failure == Some("empty") => {
            u64::from(*timeout_s) * 1000
        }
        NodeKind::Http { timeout_ms, .. } => *timeout_ms,
        NodeKind::Sms { .. } => SMS_TIMEOUT_MS,
        NodeKind::Say { .. }
        | NodeKind::Record { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Transfer { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Ai { .. }
        | NodeKind::Hangup { .. } => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Flow, node_of, only};
    use crate::diagnostic::Code;
    use crate::graph::Provider;

    fn slow(ms: u64, targets: &[Provider]) -> Flow {
        Flow::new()
            .menu("main", &["bye"], "lookup")
            .http("lookup", None, "save", "save")
            .http("save", None, "thanks", "thanks")
            .say("thanks", "bye")
            .hangup("bye")
            .timeout("lookup", ms)
            .targets(targets)
    }

    #[test]
    fn silence_after_a_menu_gives_up_adds_its_call_outs() {
        // 5 s of no input + 8 s + 3 s = 16 s: past Twilio's 15 s.
        let found = only(slow(8_000, &[Provider::Twilio]), Code::DeadAir);
        assert_eq!(found.len(), 1, "{found:#?}");
        let d = &found[0];
        assert_eq!(d.message, "a caller can hear nothing for 16 s after `main`");
        // On main's `exhausted` exit, then lookup's and save's exits.
        assert_eq!(d.span().start, 110);
        let on: Vec<_> = d.labels[1..].iter().map(|l| node_of(l.span)).collect();
        assert_eq!(on, [1, 2]);
        let help = d.help.as_deref().unwrap();
        assert!(
            help.starts_with(
                "`main` (exhausted) → `lookup` (ok) → `save` (ok) → `thanks` \
                 (`main` 5 s + `lookup` 8 s + `save` 3 s) is longer than Twilio (15 s) waits"
            ),
            "{help}"
        );
    }

    #[test]
    fn each_provider_has_its_own_limit() {
        assert!(only(slow(6_000, &[Provider::Twilio]), Code::DeadAir).is_empty());
        let found = only(
            slow(6_000, &[Provider::Twilio, Provider::Exotel]),
            Code::DeadAir,
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("Exotel (10 s) waits")
        );
    }

    #[test]
    fn a_prompt_breaks_the_silence() {
        let flow = Flow::new()
            .menu("main", &["bye"], "lookup")
            .http("lookup", None, "wait", "wait")
            .say("wait", "save")
            .http("save", None, "bye", "bye")
            .hangup("bye")
            .timeout("lookup", 9_000)
            .timeout("save", 14_000)
            .targets(&[Provider::Twilio]);
        assert!(only(flow, Code::DeadAir).is_empty());
    }

    #[test]
    fn silence_from_the_start_of_the_call() {
        let flow = Flow::new()
            .http("lookup", None, "main", "main")
            .menu("main", &["bye"], "bye")
            .hangup("bye")
            .timeout("lookup", 20_000)
            .targets(&[Provider::Twilio]);
        let found = only(flow, Code::DeadAir);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "a caller can hear nothing for 20 s from the start of the call"
        );
    }
}
