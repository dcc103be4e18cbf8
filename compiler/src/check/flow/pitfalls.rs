//! E039: what a provider would refuse or get wrong at run time, found on
//! the whole graph.
//!
//! - Twilio: a `transfer` dialling a SIP address beside anything else (one
//!   `<Sip>` per `<Dial>`, nothing beside it); a first turn whose TwiML would
//!   pass 64 kB (error 11750: the caller hears only an apology).
//! - Exotel: a menu choice `#` (the Gather applet's default finish key ends
//!   the input, so `#` never arrives as a choice); a `set` that switches the
//!   call's language (one text-to-speech language per app).
//!
//! Agent URLs are checked while lowering, where the URL's span is known.

use super::{Exits, exit_span, name_span};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, NodeKind, Prompt, Provider, Segment, Template};

/// Twilio refuses a response over 64 kB.
pub(crate) const TWIML_LIMIT: usize = 64 * 1024;

/// A `say` of several prompts is spelled out at most this many times (the
/// engine's own bound).
const MAX_LOOPS: u32 = 100;

pub(crate) fn provider_pitfalls(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let twilio = graph.targets.contains(&Provider::Twilio);
    let exotel = graph.targets.contains(&Provider::Exotel);
    for (n, node) in graph.nodes.iter().enumerate() {
        if !reachable[n] {
            continue;
        }
        match &node.kind {
            NodeKind::Transfer { to, .. } if twilio => mixed_dial(&node.name, to, map, n, out),
            // With a finish key of its own the app is told it; without one
            // Exotel's `#` applies.
            NodeKind::Menu { choices, entry, .. }
                if exotel && entry.as_ref().is_none_or(|e| e.finish_key.is_none()) =>
            {
                for (k, choice) in choices.iter().enumerate() {
                    let keys = std::iter::once(&choice.key).chain(&choice.also);
                    if choice.pattern.is_none() && keys.into_iter().any(|key| key.contains('#')) {
                        out.push(
                            Diagnostic::new(
                                Code::ProviderPitfall,
                                format!("exotel can never deliver `#` to menu `{}`", node.name),
                            )
                            .label(exit_span(map, n, k), "`#` ends the input on exotel")
                            .help("Exotel's Gather applet finishes input on `#`, so a caller pressing it is heard as pressing nothing: use another key, or remove `exotel` from `targets`"),
                        );
                    }
                }
            }
            NodeKind::Set { assigns, .. }
                if exotel && assigns.iter().any(|a| a.var == "language") =>
            {
                out.push(
                    Diagnostic::new(
                        Code::ProviderPitfall,
                        format!(
                            "`set {}` switches the call's language, which exotel cannot do",
                            node.name
                        ),
                    )
                    .label(name_span(map, n), "assigns `language`")
                    .help("an Exotel app speaks one text-to-speech language, set in its account: the new language's text would be read by the old voice. Remove `exotel` from `targets`, or serve each language from its own flow"),
                );
            }
            _ => {}
        }
    }
    if twilio {
        first_turn_size(graph, map, exits, out);
    }
}

/// A `transfer` whose targets include a SIP address and anything else.
fn mixed_dial(name: &str, to: &[Template], map: &SourceMap, n: usize, out: &mut Vec<Diagnostic>) {
    let sip = to.iter().filter(|t| is_sip(t)).count();
    if sip == 0 || to.len() == 1 {
        return;
    }
    let what = if sip == to.len() {
        format!("{sip} SIP addresses")
    } else {
        "a SIP address and a phone number".to_string()
    };
    out.push(
        Diagnostic::new(
            Code::ProviderPitfall,
            format!("`transfer {name}` dials {what} together, which twilio cannot"),
        )
        .label(name_span(map, n), "one `<Dial>` for all of them")
        .help("Twilio's `<Dial>` takes one `<Sip>` and nothing beside it: dial the SIP address in a transfer of its own, and lead its `no_answer`/`failed` exits to a transfer for the numbers"),
    );
}

fn is_sip(t: &Template) -> bool {
    matches!(t.0.first(), Some(Segment::Text(s)) if s.trim_start().starts_with("sip:"))
}

/// The first turn's TwiML: every node from the start up to the first that
/// waits, along the longest way. A lower bound — holes count as empty — so a
/// warning here is certain.
fn first_turn_size(graph: &Graph, map: &SourceMap, exits: &Exits, out: &mut Vec<Diagnostic>) {
    let n = graph.nodes.len();
    let start = graph.start.index();
    if start >= n {
        return;
    }
    // Longest byte count from each node to the end of its turn, computed
    // after its successors (iterative, so long chains cannot overflow).
    let mut best: Vec<Option<usize>> = vec![None; n];
    let mut next_of: Vec<Option<usize>> = vec![None; n];
    let mut on_stack = vec![false; n];
    let mut stack = vec![(start, false)];
    while let Some((node, expanded)) = stack.pop() {
        if best[node].is_some() {
            continue;
        }
        let kind = &graph.nodes[node].kind;
        let own = bytes(kind);
        if ends_turn(kind) {
            best[node] = Some(own);
            continue;
        }
        if !expanded {
            on_stack[node] = true;
            stack.push((node, true));
            for (_, t) in exits.targets(node) {
                // A loop back into the turn is E011's business, not ours.
                if best[t].is_none() && !on_stack[t] {
                    stack.push((t, false));
                }
            }
            continue;
        }
        on_stack[node] = false;
        let (after, via) = exits
            .targets(node)
            .filter_map(|(_, t)| Some((best[t]?, t)))
            .max()
            .map_or((0, None), |(b, t)| (b, Some(t)));
        best[node] = Some(own.saturating_add(after));
        next_of[node] = via;
    }
    let total = best[start].unwrap_or(0);
    if total <= TWIML_LIMIT {
        return;
    }
    // Point at the node that pushes the turn over the limit.
    let mut at = start;
    let mut so_far = 0usize;
    loop {
        so_far = so_far.saturating_add(bytes(&graph.nodes[at].kind));
        match next_of[at] {
            Some(next) if so_far <= TWIML_LIMIT => at = next,
            _ => break,
        }
    }
    let kib = |b: usize| b.div_ceil(1024);
    out.push(
        Diagnostic::new(
            Code::ProviderPitfall,
            format!(
                "the first turn's TwiML would be at least {} kB, over twilio's 64 kB",
                kib(total)
            ),
        )
        .label(
            name_span(map, at),
            format!(
                "`{}` brings it to {} kB",
                graph.nodes[at].name,
                kib(so_far)
            ),
        )
        .help("Twilio refuses a response over 64 kB (error 11750) and the caller hears only an apology: shorten the text, lower `loop`, or play a recording with `audio`"),
    );
}

/// Does the turn stop at this node (it waits, or asks the server for work)?
fn ends_turn(kind: &NodeKind) -> bool {
    kind.waits() || matches!(kind, NodeKind::Http { .. } | NodeKind::Sms { .. })
}

/// What a node adds to the TwiML of its turn, at least (first attempt).
fn bytes(kind: &NodeKind) -> usize {
    const VERB: usize = 200;
    match kind {
        NodeKind::Say { prompts, loops, .. } => {
            let once: usize = prompts.iter().map(prompt_bytes).sum();
            match prompts.len() {
                0 | 1 => once,
                _ => once.saturating_mul((*loops).clamp(1, MAX_LOOPS) as usize),
            }
        }
        NodeKind::Menu { prompts, .. } | NodeKind::Gather { prompts, .. } => {
            VERB + prompts.first().map_or(0, prompt_bytes)
        }
        NodeKind::Transfer { prompt, .. }
        | NodeKind::Queue { prompt, .. }
        | NodeKind::Record { prompt, .. }
        | NodeKind::Hangup { prompt } => VERB + prompt.as_ref().map_or(0, prompt_bytes),
        NodeKind::Ai { greeting, .. } => VERB + greeting.as_ref().map_or(0, prompt_bytes),
        NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Http { .. }
        | NodeKind::Sms { .. } => 0,
    }
}

/// One prompt's TwiML, at least: `<Say language=… voice=…>text</Say>`.
fn prompt_bytes(prompt: &Prompt) -> usize {
    const SAY: usize = 50;
    let literal = |t: &Template| -> usize {
        t.0.iter()
            .map(|s| match s {
                Segment::Text(text) => text.len(),
                Segment::Var(_) | Segment::Spoken { .. } => 0,
            })
            .sum()
    };
    match prompt {
        Prompt::Text(texts) => SAY + texts.iter().map(|(_, t)| literal(t)).max().unwrap_or(0),
        Prompt::Plain(t) => SAY + literal(t),
        Prompt::Audio(t) => 15 + literal(t),
        Prompt::Pause(_) => 20,
        Prompt::Sequence { parts, loops } => {
            let once: usize = parts.iter().map(prompt_bytes).sum();
            match parts.len() {
                0 | 1 => once,
                _ => once.saturating_mul((*loops).clamp(1, MAX_LOOPS) as usize),
            }
        }
    }
}
