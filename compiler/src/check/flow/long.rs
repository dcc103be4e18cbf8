//! W040: a caller should reach a person (`transfer`, `queue`), a voicemail
//! (`record`) or the end of the call (`hangup`) within `max_prompts`
//! prompts (default [`DEFAULT_MAX_PROMPTS`]). A prompt is what the caller
//! hears before acting again: a `say`, an `ai` conversation, each attempt
//! of a `menu`/`gather` (one when answered, all of its attempts when it
//! gives up). Loops are followed once (see [`super::dag`]).

use super::dag::Dag;
use super::trail::{self, Trail};
use super::{Exits, Failures, NONE};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, NodeKind};

/// Enough for a greeting, two menu levels and a couple of retries.
pub const DEFAULT_MAX_PROMPTS: u32 = 12;

pub(crate) fn long_paths(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    failures: &Failures,
    dag: &Dag,
    out: &mut Vec<Diagnostic>,
) {
    let Some(worst) = worst_prompts(graph, exits, failures, dag) else {
        return;
    };
    let (limit, setting) = match map.max_prompts {
        Some((n, span)) => (n, Some(span)),
        None => (DEFAULT_MAX_PROMPTS, None),
    };
    let (count, trail, end) = worst;
    if count <= limit {
        return;
    }
    let start = graph.start.index();
    let mut diagnostic = Diagnostic::new(
        Code::LongPath,
        format!(
            "a caller can hear {count} prompts before reaching a person, a voicemail or a goodbye"
        ),
    )
    .label(
        super::name_span(map, start),
        format!("from here, the longest way takes {count} prompts"),
    );
    diagnostic = trail::label_exits(diagnostic, graph, map, &trail, exits);
    if let Some(span) = setting {
        diagnostic = diagnostic.label(span, format!("the flow allows {limit}"));
    }
    let allowed = match setting {
        Some(_) => format!("the flow allows {limit}"),
        None => format!("the default is {limit} (`max_prompts`)"),
    };
    out.push(diagnostic.help(format!(
        "{}; {allowed}: offer a person or a voicemail sooner, flatten the menus or give them \
         fewer attempts, or set `max_prompts {count}` in the flow header if this is meant",
        trail::describe(graph, &trail, end)
    )));
}

/// The most prompts on any path from the start, that path, and the node it
/// ends at (`None` when it ends by closing a loop).
pub(crate) fn worst_prompts(
    graph: &Graph,
    exits: &Exits,
    failures: &Failures,
    dag: &Dag,
) -> Option<(u32, Trail, Option<usize>)> {
    let n = graph.nodes.len();
    let mut worst = vec![0u32; n];
    let mut choice = vec![NONE; n];
    for &v in &dag.post_order {
        let v = v as usize;
        let kind = &graph.nodes[v].kind;
        if arrives(kind) {
            continue;
        }
        for (k, t) in exits.targets(v) {
            let after = if dag.is_back(v, k) { 0 } else { worst[t] };
            let total = prompts(kind, failures.name(exits, v, k)).saturating_add(after);
            if choice[v] == NONE || total > worst[v] {
                worst[v] = total;
                choice[v] = k as u32;
            }
        }
    }
    let start = graph.start.index();
    if start >= n {
        return None;
    }
    let mut trail = Vec::new();
    let mut at = start;
    loop {
        let k = choice[at];
        if k == NONE {
            return Some((worst[start], trail, Some(at)));
        }
        trail.push((at, k as usize));
        let t = exits.of_node(at)[k as usize];
        if dag.is_back(at, k as usize) || t == NONE {
            return Some((worst[start], trail, None));
        }
        at = t as usize;
    }
}

/// Does a caller who gets here get somewhere: a person, a voicemail, the end?
pub(crate) fn arrives(kind: &NodeKind) -> bool {
    match kind {
        NodeKind::Transfer { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Record { .. }
        | NodeKind::Hangup { .. } => true,
        NodeKind::Say { .. }
        | NodeKind::Menu { .. }
        | NodeKind::Gather { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Http { .. }
        | NodeKind::Sms { .. }
        | NodeKind::Ai { .. } => false,
    }
}

/// Prompts a caller hears at a node that is left by `failure` (the failure
/// exit's name) or, when `None`, by an answer.
fn prompts(kind: &NodeKind, failure: Option<&str>) -> u32 {
    match kind {
        NodeKind::Say { .. } | NodeKind::Ai { .. } => 1,
        NodeKind::Menu {
            max_noinput,
            max_nomatch,
            ..
        } => match failure {
            None => 1,
            Some("noinput_exhausted") => *max_noinput,
            Some("nomatch_exhausted") => *max_nomatch,
            Some("visits_exhausted") => 0,
            Some(_) => (*max_noinput).max(*max_nomatch),
        },
        NodeKind::Gather { max_attempts, .. } => match failure {
            None => 1,
            Some("visits_exhausted") => 0,
            Some(_) => *max_attempts,
        },
        NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Http { .. }
        | NodeKind::Sms { .. }
        | NodeKind::Transfer { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Record { .. }
        | NodeKind::Hangup { .. } => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Flow, codes, node_of, only};
    use crate::diagnostic::Code;
    use crate::source::Span;

    /// `levels` menus in a row, each answered, then a goodbye.
    fn menus(levels: usize) -> Flow {
        let mut flow = Flow::new();
        for i in 0..levels {
            let next = if i + 1 == levels {
                "bye".to_string()
            } else {
                format!("m{}", i + 1)
            };
            flow = flow.menu(&format!("m{i}"), &[&next], "bye");
        }
        flow.hangup("bye")
    }

    #[test]
    fn twelve_prompts_are_allowed_by_default_thirteen_are_not() {
        // Nine menus answered, the tenth given up on after 3 attempts: 12.
        assert_eq!(codes(menus(10)), []);
        let found = only(menus(11), Code::LongPath);
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(
            d.message,
            "a caller can hear 13 prompts before reaching a person, a voicemail or a goodbye"
        );
        assert_eq!(node_of(d.span()), 0);
        assert!(d.help.as_deref().unwrap().contains("the default is 12"));
    }

    #[test]
    fn a_menu_that_gives_up_counts_every_attempt() {
        // m0 exhausted: 3 attempts, then 10 answered menus: 13 (the last
        // one's 3 attempts would make 15: it leads to `bye` on a choice).
        let mut flow = Flow::new().menu("m0", &["bye"], "m1");
        for i in 1..=10 {
            let next = if i == 10 {
                "bye".to_string()
            } else {
                format!("m{}", i + 1)
            };
            flow = flow.menu(&format!("m{i}"), &[&next], "quit");
        }
        let flow = flow.say("quit", "bye");
        let found = only(flow.hangup("bye"), Code::LongPath);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains(" 16 prompts"),
            "{}",
            found[0].message
        );
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .starts_with("`m0` (exhausted) → `m1` (1) → `m2` (1)")
        );
    }

    #[test]
    fn a_person_ends_the_count() {
        let mut flow = Flow::new().menu("m0", &["agent"], "bye");
        flow = flow.transfer("agent", "m1", "m1");
        for i in 1..=12 {
            let next = if i == 12 {
                "bye".to_string()
            } else {
                format!("m{}", i + 1)
            };
            flow = flow.menu(&format!("m{i}"), &[&next], "bye");
        }
        assert_eq!(codes(flow.hangup("bye")), []);
    }

    #[test]
    fn max_prompts_sets_the_limit() {
        let (graph, mut map) = menus(4).build();
        map.max_prompts = Some((3, Span::new(9000, 9013)));
        let found: Vec<_> = super::super::analyse(&graph, &map)
            .into_iter()
            .filter(|d| d.code == Code::LongPath)
            .collect();
        assert_eq!(found.len(), 1);
        let last = found[0].labels.last().unwrap();
        assert_eq!(
            (last.span.start, last.message.as_str()),
            (9000, "the flow allows 3")
        );
    }

    #[test]
    fn a_loop_is_followed_once() {
        // main → a → b → c → main: 1 + 3 prompts, then it would go round.
        let flow = Flow::new()
            .menu("main", &["a"], "bye")
            .say("a", "b")
            .say("b", "c")
            .say("c", "main")
            .hangup("bye");
        let (graph, _) = flow.build();
        let exits = super::super::Exits::of(&graph);
        let dag = super::super::dag::Dag::of(&graph, &exits);
        let failures = super::super::Failures::of(&graph, &exits);
        let (count, trail, end) = super::worst_prompts(&graph, &exits, &failures, &dag).unwrap();
        assert_eq!(count, 4);
        assert_eq!(trail, [(0, 0), (1, 0), (2, 0), (3, 0)]);
        assert_eq!(end, None);
    }

    /// Three menus in a row: two answered, the last given up on (3 attempts): 5.
    const DEEP_IVR: &str = r#"
flow f {
  language "en-IN"
  targets twilio
  max_prompts 4
  start m1
  menu m1 {
    prompt "1?"
    "1" -> m2
    exhausted -> bye
  }
  menu m2 {
    prompt "1?"
    "1" -> m3
    exhausted -> bye
  }
  menu m3 {
    prompt "1?"
    "1" -> bye
    exhausted -> bye
  }
  hangup bye {
    text "Bye."
  }
}
"#;

    const DEEP_YAML: &str = r#"
flow: f
language: en-IN
targets: [twilio]
max_prompts: 4
start: m1
nodes:
  - menu: m1
    prompt: "1?"
    exits: { "1": m2, exhausted: bye }
  - menu: m2
    prompt: "1?"
    exits: { "1": m3, exhausted: bye }
  - menu: m3
    prompt: "1?"
    exits: { "1": bye, exhausted: bye }
  - hangup: bye
    text: Bye.
"#;

    #[test]
    fn max_prompts_is_a_flow_setting_in_both_syntaxes() {
        for (text, syntax) in [
            (DEEP_IVR, crate::Syntax::Ivr),
            (DEEP_YAML, crate::Syntax::Yaml),
        ] {
            let compiled = crate::compile(text, syntax);
            let found: Vec<_> = compiled.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(
                found,
                [Code::LongPath],
                "{syntax:?}: {:?}",
                compiled.diagnostics
            );
            assert!(compiled.diagnostics[0].message.contains(" 5 prompts"));
        }
        let raised = crate::compile(
            &DEEP_IVR.replace("max_prompts 4", "max_prompts 5"),
            crate::Syntax::Ivr,
        );
        assert!(raised.diagnostics.is_empty(), "{:?}", raised.diagnostics);
        let zero = crate::compile(
            &DEEP_IVR.replace("max_prompts 4", "max_prompts 0"),
            crate::Syntax::Ivr,
        );
        assert_eq!(zero.diagnostics[0].code, Code::InvalidValue);
        assert!(zero.diagnostics[0].message.contains("max_prompts"));
    }
}
