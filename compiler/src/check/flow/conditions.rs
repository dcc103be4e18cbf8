//! Decisions that are made before the call starts (W035): a `when` that can
//! never be true because its variable only ever holds other literals, arms
//! after one that is always true, a `branch` whose arms all go one way; and
//! an `hours` node whose `open` and `closed` go one way (W036).
//!
//! What a variable can hold is read off the whole graph once: its default
//! and every literal a `set` (or a `run`'s parameter) stores in it. Anything
//! else that writes it — an expression, `gather`/`http`/`record`/`ai … into` —
//! makes it unknown, and a condition on an unknown value decides nothing.
//! One pass over the nodes: linear.

use std::collections::HashMap;

use serde_json::Value;

use super::{exit_span, name_span};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{BinOp, Expr, Graph, NodeKind};
use crate::source::Span;

/// Every value a variable can hold, or `None` when not all are known.
type Holds = Option<Vec<Value>>;

pub(crate) fn analyse(
    graph: &Graph,
    map: &SourceMap,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let holds = holds(graph, reachable);
    // A module's node has one copy per `run`: a condition is dead only when
    // it is dead in every copy a call can reach. Per branch (by where it is
    // written): how many copies, and each finding with how many copies had it.
    let mut copies: HashMap<Span, Copies> = HashMap::new();
    for (n, node) in graph.nodes.iter().enumerate() {
        if !reachable[n] {
            continue;
        }
        match &node.kind {
            NodeKind::Branch { arms, otherwise } => {
                let name = &node.name;
                let span = name_span(map, n);
                let entry = copies.entry(span).or_default();
                entry.count += 1;
                let mut found = Vec::new();
                if !arms.is_empty() && arms.iter().all(|a| a.target == *otherwise) {
                    let to = graph.nodes.get(otherwise.index()).map_or("", |t| &t.name);
                    found.push(
                        Diagnostic::new(
                            Code::DeadCondition,
                            format!("every arm of `{name}` leads to `{to}`"),
                        )
                        .label(span, "this branch decides nothing")
                        .help(format!(
                            "lead an arm elsewhere, or replace `{name}` by its target `{to}`"
                        )),
                    );
                }
                for (i, arm) in arms.iter().enumerate() {
                    let mut why = None;
                    match eval(&arm.when, &holds, &mut why) {
                        Some(false) => found.push(never_true(map, (n, i), why)),
                        Some(true) => {
                            found.push(never_tried(graph, map, n, i, arms.len(), why));
                            break;
                        }
                        None => {}
                    }
                }
                for d in found {
                    let key = (d.code, d.span(), d.labels.len());
                    match entry.found.iter_mut().find(|(k, _, _)| *k == key) {
                        Some(seen) => seen.1 += 1,
                        None => entry.found.push((key, 1, d)),
                    }
                }
            }
            NodeKind::Hours { open, closed, .. } => {
                if open != closed {
                    continue;
                }
                let to = graph.nodes.get(open.index()).map_or("", |t| &t.name);
                out.push(
                    Diagnostic::new(
                        Code::HoursMistake,
                        format!("`{}` leads to `{to}` open or closed", node.name),
                    )
                    .label(name_span(map, n), "the opening hours change nothing")
                    .help(format!(
                        "lead `closed` to what a caller out of hours should hear, or remove the \
                             `hours` node and go to `{to}` directly"
                    )),
                );
            }
            NodeKind::Say { .. }
            | NodeKind::Menu { .. }
            | NodeKind::Gather { .. }
            | NodeKind::Set { .. }
            | NodeKind::Transfer { .. }
            | NodeKind::Queue { .. }
            | NodeKind::Record { .. }
            | NodeKind::Http { .. }
            | NodeKind::Sms { .. }
            | NodeKind::Ai { .. }
            | NodeKind::Split { .. }
            | NodeKind::RecordCall { .. }
            | NodeKind::Hangup { .. } => {}
        }
    }
    let mut spans: Vec<Span> = copies.keys().copied().collect();
    spans.sort_by_key(|s| s.start);
    for span in spans {
        let branch = copies.remove(&span).unwrap_or_default();
        out.extend(
            branch
                .found
                .into_iter()
                .filter(|(_, seen, _)| *seen == branch.count)
                .map(|(_, _, d)| d),
        );
    }
}

#[derive(Default)]
struct Copies {
    count: u32,
    found: Vec<((Code, Span, usize), u32, Diagnostic)>,
}

/// What each variable can hold, by name.
fn holds<'g>(graph: &'g Graph, reachable: &[bool]) -> HashMap<&'g str, Holds> {
    let mut holds: HashMap<&str, Holds> = graph
        .vars
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                Some(vec![v.default.clone().unwrap_or(Value::Null)]),
            )
        })
        .collect();
    let mut unknown = |name: &str| {
        if let Some(h) = holds.get_mut(name) {
            *h = None;
        }
    };
    for (n, node) in graph.nodes.iter().enumerate() {
        if !reachable[n] {
            continue;
        }
        match &node.kind {
            NodeKind::Gather { into, .. } => unknown(into),
            NodeKind::Record {
                into, transcript, ..
            } => {
                for var in [into, transcript].into_iter().flatten() {
                    unknown(var);
                }
            }
            NodeKind::Http { into, .. } | NodeKind::Ai { into, .. } => {
                if let Some(into) = into {
                    unknown(into);
                }
            }
            NodeKind::Set { .. }
            | NodeKind::Say { .. }
            | NodeKind::Menu { .. }
            | NodeKind::Branch { .. }
            | NodeKind::Hours { .. }
            | NodeKind::Transfer { .. }
            | NodeKind::Queue { .. }
            | NodeKind::Sms { .. }
            | NodeKind::Split { .. }
            | NodeKind::RecordCall { .. }
            | NodeKind::Hangup { .. } => {}
        }
    }
    for (n, node) in graph.nodes.iter().enumerate() {
        let NodeKind::Set { assigns, .. } = &node.kind else {
            continue;
        };
        if !reachable[n] {
            continue;
        }
        for a in assigns {
            let Some(slot) = holds.get_mut(a.var.as_str()) else {
                continue;
            };
            match &a.value {
                Expr::Lit(v) => {
                    if let Some(values) = slot
                        && !values.contains(v)
                    {
                        values.push(v.clone());
                    }
                }
                _ => *slot = None,
            }
        }
    }
    holds
}

/// The variable a condition was decided on, and every value it can hold.
struct Why {
    var: String,
    values: Vec<Value>,
}

/// Is `e` always true (`Some(true)`), never true (`Some(false)`), or not known
/// before the call? `why` remembers the first variable that decided it.
fn eval(e: &Expr, holds: &HashMap<&str, Holds>, why: &mut Option<Why>) -> Option<bool> {
    match e {
        Expr::Lit(Value::Bool(b)) => Some(*b),
        Expr::Lit(_) => None,
        Expr::Path(_) => {
            let values = values_of(e, holds, why)?;
            if values.iter().all(|v| *v == Value::Bool(true)) {
                Some(true)
            } else if values.iter().all(|v| *v == Value::Bool(false)) {
                Some(false)
            } else {
                None
            }
        }
        Expr::Not(inner) => eval(inner, holds, why).map(|b| !b),
        Expr::Binary(BinOp::And, a, b) => match (eval(a, holds, why), eval(b, holds, why)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Expr::Binary(BinOp::Or, a, b) => match (eval(a, holds, why), eval(b, holds, why)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => {
            let equal = equal(values_of(a, holds, why)?, values_of(b, holds, why)?)?;
            Some(if *op == BinOp::Eq { equal } else { !equal })
        }
        Expr::Binary(..) => None,
    }
}

/// Are two values always equal (`Some(true)`) or never (`Some(false)`)?
fn equal(a: Vec<Value>, b: Vec<Value>) -> Option<bool> {
    // Unset compared with unset: what the engine does is not ours to guess.
    if a.contains(&Value::Null) && b.contains(&Value::Null) {
        return None;
    }
    if a.iter().all(|x| !b.contains(x)) {
        return Some(false);
    }
    if a.len() == 1 && b.len() == 1 {
        return Some(true);
    }
    None
}

/// Every value `e` can have: a literal, or a whole variable whose values are known.
fn values_of(e: &Expr, holds: &HashMap<&str, Holds>, why: &mut Option<Why>) -> Option<Vec<Value>> {
    match e {
        Expr::Lit(v) => Some(vec![v.clone()]),
        Expr::Path(path) if path.len() == 1 => {
            let values = holds.get(path[0].as_str())?.clone()?;
            if why.is_none() {
                *why = Some(Why {
                    var: path[0].clone(),
                    values: values.clone(),
                });
            }
            Some(values)
        }
        _ => None,
    }
}

/// "`status` only ever holds `"new"` or `"done"`".
fn explain(why: Option<Why>) -> String {
    let Some(why) = why else {
        return "the condition is decided before the call starts".into();
    };
    // A module variable is named after its `run`: `confirm/answer`; say `answer`.
    let var = why.var.rsplit('/').next().unwrap_or(&why.var);
    let shown: Vec<String> = why
        .values
        .iter()
        .map(|v| match v {
            Value::Null => "nothing (unset)".to_string(),
            other => format!("`{other}`"),
        })
        .collect();
    let list = match shown.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => "nothing".into(),
    };
    format!("`{var}` only ever holds {list} (its default and every value a `set` stores)")
}

fn never_true(map: &SourceMap, (n, i): (usize, usize), why: Option<Why>) -> Diagnostic {
    Diagnostic::new(Code::DeadCondition, "this condition is never true")
        .label(exit_span(map, n, i), "this arm is never taken")
        .help(format!(
            "{}; compare with a value it can hold, or set the value somewhere",
            explain(why)
        ))
}

fn never_tried(
    graph: &Graph,
    map: &SourceMap,
    n: usize,
    i: usize,
    arms: usize,
    why: Option<Why>,
) -> Diagnostic {
    let node = &graph.nodes[n].name;
    // The arms after `i`, then `else` (exit `arms`).
    let next = if i + 1 < arms {
        "the arms after it"
    } else {
        "`else`"
    };
    let mut d = Diagnostic::new(
        Code::DeadCondition,
        format!("a condition of `{node}` is always true, so {next} are never tried")
            .replace("`else` are", "`else` is"),
    )
    .label(exit_span(map, n, i), "always true");
    for k in i + 1..=arms {
        d = d.label(exit_span(map, n, k), "never tried");
    }
    d.help(format!(
        "{}; remove the condition, or the arms it hides",
        explain(why)
    ))
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Diagnostic};
    use crate::{Syntax, compile};

    fn found(vars: &str, body: &str, code: Code) -> Vec<Diagnostic> {
        let text = format!(
            "flow f {{\n  language \"en-IN\"\n  timezone \"Asia/Kolkata\"\n  targets twilio\n{vars}\n  start pick\n{body}\n  hangup a {{ text \"A.\" }}\n  hangup b {{ text \"B.\" }}\n}}\n"
        );
        compile(&text, Syntax::Ivr)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == code)
            .collect()
    }

    const STATUS: &str = "  var status: string = \"new\"";
    const SET_DONE: &str = "  set pick {\n    status = \"done\"\n    next -> route\n  }\n";

    #[test]
    fn a_value_the_variable_never_holds_makes_a_dead_arm() {
        let body = format!(
            "{SET_DONE}  branch route {{\n    when status == \"shipped\" -> a\n    when status == \"done\" -> b\n    else -> a\n  }}\n"
        );
        let found = found(STATUS, &body, Code::DeadCondition);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].message, "this condition is never true");
        let help = found[0].help.as_deref().unwrap();
        assert!(
            help.contains("`status` only ever holds `\"new\"` or `\"done\"`"),
            "{help}"
        );
    }

    #[test]
    fn an_input_or_expression_makes_the_value_unknown() {
        let body = "  set pick {\n    status = status + \"x\"\n    next -> route\n  }\n  branch route {\n    when status == \"shipped\" -> a\n    else -> b\n  }\n";
        assert_eq!(found(STATUS, body, Code::DeadCondition), []);
        let body = "  gather pick {\n    prompt \"Say it.\"\n    input speech\n    into status\n    done -> route\n    exhausted -> b\n  }\n  branch route {\n    when status == \"shipped\" -> a\n    else -> b\n  }\n";
        assert_eq!(found(STATUS, body, Code::DeadCondition), []);
    }

    #[test]
    fn arms_after_an_always_true_one_are_never_tried() {
        let body = "  branch pick {\n    when status == \"new\" -> a\n    when status == \"x\" -> b\n    else -> b\n  }\n";
        let found = found(STATUS, body, Code::DeadCondition);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains("always true"),
            "{}",
            found[0].message
        );
        // Always true, the arm after it, and `else`.
        assert_eq!(found[0].labels.len(), 3);
        let body = "  branch pick {\n    when true -> a\n    else -> b\n  }\n";
        let found = super::tests::found("", body, Code::DeadCondition);
        assert_eq!(
            found[0].message,
            "a condition of `pick` is always true, so `else` is never tried"
        );
    }

    #[test]
    fn a_branch_that_goes_one_way_decides_nothing() {
        let body = "  branch pick {\n    when call.from == \"x\" -> a\n    else -> a\n  }\n";
        let found = found("", body, Code::DeadCondition);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "every arm of `pick` leads to `a`");
    }

    #[test]
    fn hours_that_lead_one_way_change_nothing() {
        let body = "  hours pick {\n    open \"Mon-Fri 09:00-18:00\"\n    open -> a\n    closed -> a\n  }\n";
        let found = found("", body, Code::HoursMistake);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "`pick` leads to `a` open or closed");
    }

    #[test]
    fn a_module_arm_is_dead_only_when_dead_in_every_run() {
        // `kind == "vip"` is always true in `one`, never in `two`: neither
        // finding holds for the module as written. (`one` leads both returns
        // to `two`, `two` does not: the branch decides something.)
        let text = "module m {\n  param kind: string\n  returns x, y\n  start r\n  branch r {\n    when kind == \"vip\" -> return x\n    else -> return y\n  }\n}\nflow f {\n  language \"en-IN\"\n  targets twilio\n  start one\n  run one {\n    module m\n    kind = \"vip\"\n    x -> two\n    y -> two\n  }\n  run two {\n    module m\n    kind = \"basic\"\n    x -> bye\n    y -> sorry\n  }\n  hangup bye { text \"Bye.\" }\n  hangup sorry { text \"Sorry.\" }\n}\n";
        let codes: Vec<Code> = compile(text, Syntax::Ivr)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect();
        assert_eq!(codes, []);
    }
}
