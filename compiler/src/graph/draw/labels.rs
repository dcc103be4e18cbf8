//! The words on a picture: a prompt's gist, exit names as the caller meets
//! them, branch conditions, opening hours and a module's parameters.

use super::super::{Expr, Graph, Interval, Node, NodeKind, Prompt};

const GIST: usize = 40;
/// A condition is the whole reason for its edge: it gets more room.
const CONDITION: usize = 60;

/// The first words of what a node says, for a label.
pub fn gist(kind: &NodeKind) -> Option<String> {
    let prompt = match kind {
        NodeKind::Say { prompts, .. }
        | NodeKind::Menu { prompts, .. }
        | NodeKind::Gather { prompts, .. } => prompts.first(),
        NodeKind::Transfer { prompt, .. }
        | NodeKind::Queue { prompt, .. }
        | NodeKind::Record { prompt, .. }
        | NodeKind::Hangup { prompt } => prompt.as_ref(),
        NodeKind::Ai { greeting, .. } => greeting.as_ref(),
        NodeKind::Http { method, url, .. } => {
            return Some(format!("{} {}", method.as_str(), shorten(&url.display())));
        }
        NodeKind::Sms { text, .. } => return Some(shorten(&text.display())),
        NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::Hours { .. }
        | NodeKind::RecordCall { .. } => None,
    }?;
    summary(prompt)
}

fn summary(prompt: &Prompt) -> Option<String> {
    Some(match prompt {
        Prompt::Text(langs) => shorten(&langs.first()?.1.display()),
        Prompt::Plain(text) => shorten(&text.display()),
        Prompt::Audio(url) => shorten(&format!("♪ {}", url.display())),
        Prompt::Pause(seconds) => format!("… {seconds}s"),
        Prompt::Sequence { parts, .. } => {
            let shown: Vec<String> = parts.iter().filter_map(summary).collect();
            shorten(&shown.join(" "))
        }
    })
}

fn shorten(text: &str) -> String {
    shorten_to(text, GIST)
}

fn shorten_to(text: &str, most: usize) -> String {
    let mut out: String = text.chars().take(most).collect();
    if text.chars().count() > most {
        out.push('…');
    }
    out
}

/// An exit as the picture names it: menu choices as what the caller does
/// (`press 1`, `press 1000-1019`, `press 2 or say sales`), a branch's arms
/// by their condition, a split's branches with their share; others by name.
pub fn exit(kind: &NodeKind, exit: &str) -> String {
    match kind {
        NodeKind::Menu { choices, .. } => match choices.iter().find(|c| c.key == exit) {
            Some(choice) => {
                let written = std::iter::once(choice.key.as_str())
                    .chain(choice.also.iter().map(String::as_str));
                let (phrases, keys): (Vec<&str>, Vec<&str>) =
                    written.partition(|e| choice.phrases().any(|p| p == *e));
                let mut parts = Vec::new();
                if !keys.is_empty() {
                    parts.push(format!("press {}", keys.join(", ")));
                }
                if !phrases.is_empty() {
                    parts.push(format!("say {}", phrases.join(", ")));
                }
                parts.join(" or ")
            }
            None => exit.to_string(),
        },
        NodeKind::Split { branches } => match branches.iter().find(|b| b.name == exit) {
            Some(b) => format!("{exit} {}%", b.percent()),
            None => exit.to_string(),
        },
        NodeKind::Branch { arms, .. } => {
            // Arms are named `when#1`, `when#2`… in `NodeKind::exits`.
            let arm = exit
                .strip_prefix("when#")
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| arms.get(n.checked_sub(1)?));
            match arm {
                Some(arm) => shorten_to(&condition(&arm.when), CONDITION),
                None => exit.to_string(),
            }
        }
        _ => exit.to_string(),
    }
}

/// An expression as it is written in `.ivr` (parentheses only where needed).
pub fn condition(e: &Expr) -> String {
    written(e, 0)
}

/// Binding strength; a child weaker than its context gets parentheses.
fn strength(e: &Expr) -> u8 {
    use crate::syntax::ast::BinOp;
    match e {
        Expr::Binary(BinOp::Or, ..) => 1,
        Expr::Binary(BinOp::And, ..) => 2,
        Expr::Not(_) => 3,
        Expr::Binary(BinOp::Add | BinOp::Sub, ..) => 5,
        Expr::Binary(..) => 4,
        Expr::Lit(_) | Expr::Path(_) => 6,
    }
}

fn written(e: &Expr, context: u8) -> String {
    let own = strength(e);
    let text = match e {
        Expr::Lit(value) => value.to_string(),
        Expr::Path(path) => path.join("."),
        Expr::Not(inner) => format!("not {}", written(inner, own)),
        Expr::Binary(op, a, b) => {
            // Left-associative; comparisons do not chain, so both sides of
            // one need parentheses at equal strength.
            let left = if own == 4 { own + 1 } else { own };
            format!(
                "{} {} {}",
                written(a, left),
                op.symbol(),
                written(b, own + 1)
            )
        }
    };
    if own < context {
        format!("({text})")
    } else {
        text
    }
}

/// A `run` of a module is lowered to a `set` of its parameters (named after
/// the `run` node) followed by the module's nodes (`X/ask`): its parameters
/// by name (`question = "Did you…"`), or None for any other node.
pub fn run_params(graph: &Graph, node: &Node) -> Option<Vec<String>> {
    let NodeKind::Set { assigns, next } = &node.kind else {
        return None;
    };
    let prefix = format!("{}/", node.name);
    if !graph.nodes.get(next.index())?.name.starts_with(&prefix) {
        return None;
    }
    Some(
        assigns
            .iter()
            .map(|a| {
                let name = a.var.strip_prefix(&prefix).unwrap_or(&a.var);
                format!("{name} = {}", shorten(&condition(&a.value)))
            })
            .collect(),
    )
}

const DAY: u32 = 24 * 60;
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// Holidays listed by date; more are counted.
const HOLIDAYS: usize = 3;

/// Opening hours as they are written: `Mon-Fri 09:00-18:00`, one line per
/// run of days with the same hours, then the holidays and the time zone.
pub fn hours(graph: &Graph, kind: &NodeKind) -> Vec<String> {
    let NodeKind::Hours {
        weekly, holidays, ..
    } = kind
    else {
        return Vec::new();
    };
    let days: Vec<Vec<(u32, u32)>> = (0..7).map(|d| day_hours(weekly, d)).collect();
    let mut lines = Vec::new();
    let mut d = 0;
    while d < 7 {
        let mut last = d;
        while last + 1 < 7 && days[last + 1] == days[d] {
            last += 1;
        }
        if !days[d].is_empty() {
            let names = match (d, last) {
                (0, 6) => "daily".to_string(),
                (a, b) if a == b => DAYS[a].to_string(),
                (a, b) => format!("{}-{}", DAYS[a], DAYS[b]),
            };
            let times: Vec<String> = days[d]
                .iter()
                .map(|(from, to)| format!("{}-{}", clock(*from), clock(*to)))
                .collect();
            lines.push(format!("{names} {}", times.join(", ")));
        }
        d = last + 1;
    }
    if lines.is_empty() {
        lines.push("never open".to_string());
    }
    if !holidays.is_empty() {
        let mut shown = holidays
            .iter()
            .take(HOLIDAYS)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if holidays.len() > HOLIDAYS {
            shown.push_str(&format!(" +{} more", holidays.len() - HOLIDAYS));
        }
        lines.push(format!("closed {shown}"));
    }
    lines.push(graph.timezone.clone());
    lines
}

/// The hours of one weekday, minutes since its midnight (`24:00` ends it).
fn day_hours(weekly: &[Interval], day: u32) -> Vec<(u32, u32)> {
    let (start, end) = (day * DAY, (day + 1) * DAY);
    weekly
        .iter()
        .filter(|i| i.from < end && i.to > start)
        .map(|i| (i.from.max(start) - start, i.to.min(end) - start))
        .collect()
}

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}
