//! E029: failure loops with no bound. A caller who does not answer, answers
//! wrongly, or whose call-out fails is sent back to a node that waits for
//! them — and nothing on the way ever stops it: the caller can be asked for
//! ever. (E011 is the loop that never waits; this is the loop *through*
//! waiting nodes.)
//!
//! The rule: take the reachable nodes and their strongly connected
//! components. In each, a *guard* is a `branch` with an exit out of the
//! component whose conditions read a *counter*: a variable that every node
//! of the component assigning it grows or shrinks by a constant
//! (`tries = tries + 1`). A `menu`/`gather` with `max_visits` bounds every
//! loop through it too. Drop the guards and bounded nodes; a component of
//! what is left that still loops, holds a waiting node and a failure exit
//! between two of its nodes can be walked round for ever: through the
//! waiting node, out by the failure, back again. Two linear passes.
//!
//! A counter is stricter than E011's "the loop assigns it": a `gather` that
//! stores the caller's PIN changes the variable each time round, but a wrong
//! PIN can be typed for ever.

use std::collections::{HashMap, HashSet};

use super::scc::components;
use super::trail::{self, Trail};
use super::{Exits, Failures, NONE, first_in_source, name_span, visits_bounded};
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{BinOp, Expr, Graph, NodeId, NodeKind};

pub(crate) fn unbounded(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    failures: &Failures,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let n = graph.nodes.len();
    let parts = components(exits, |i| reachable[i]);
    let mut cut = vec![false; n];
    // A loop nothing leaves traps the caller: E012 says so.
    let trapped: Vec<bool> = (0..parts.len())
        .map(|c| {
            parts.members(c).iter().all(|&m| {
                exits
                    .of_node(m as usize)
                    .iter()
                    .all(|&t| t != NONE && parts.of[t as usize] == c as u32)
            })
        })
        .collect();
    for c in 0..parts.len() {
        if !parts.is_loop(c, exits) {
            continue;
        }
        let members = parts.members(c);
        let counters = counters(graph, map, members);
        let flags = Flags::of(graph, map, members);
        let leaves = |t: NodeId| t.index() >= n || parts.of[t.index()] != c as u32;
        for &m in members {
            let m = m as usize;
            let guard = match &graph.nodes[m].kind {
                NodeKind::Branch { arms, otherwise } => {
                    let counted = (arms.iter().any(|a| leaves(a.target)) || leaves(*otherwise))
                        && map.nodes.get(m).is_some_and(|s| {
                            s.reads.iter().any(|(v, _)| counters.contains(v.as_str()))
                        });
                    // `when language == "hi-IN" -> to_english` where the loop
                    // sets `language = "en-IN"`: the second time round the
                    // arm is false and `else` leaves.
                    let flagged = leaves(*otherwise)
                        && arms
                            .iter()
                            .all(|a| leaves(a.target) || flags.makes_false(&a.when));
                    counted || flagged
                }
                _ => false,
            };
            cut[m] = guard || visits_bounded(graph, m);
        }
    }

    let open = components(exits, |i| reachable[i] && !cut[i]);
    for c in 0..open.len() {
        if !open.is_loop(c, exits) {
            continue;
        }
        let members = open.members(c);
        if trapped[parts.of[members[0] as usize] as usize] {
            continue;
        }
        let inside = |t: usize| open.of[t] == c as u32;
        let waiting: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&m| asks(&graph.nodes[m as usize].kind))
            .collect();
        if waiting.is_empty() {
            continue; // E011's loop, reported there.
        }
        let asker = first_in_source(map, &waiting);
        // Out of the waiting node to the nearest failure inside the loop…
        let mut failure = None;
        let Some(mut cycle) = trail::shortest(exits, asker, inside, |v, k, t| {
            let found = inside(t) && failures.at(exits, v, k);
            if found {
                failure = Some(t);
            }
            found
        }) else {
            continue; // a loop of choices only: the caller's own doing
        };
        // …and from there back to it.
        let back = match failure {
            Some(t) if t == asker => Vec::new(),
            Some(t) => trail::shortest(exits, t, inside, |_, _, to| to == asker)
                .expect("a loop component leads back to each of its nodes"),
            None => continue,
        };
        cycle.extend(back);
        out.push(report(graph, map, exits, asker, &cycle));
    }
}

/// Does this node ask the caller something and wait (a node a caller can be
/// sent back to)? A `hangup` waits for nothing more.
fn asks(kind: &NodeKind) -> bool {
    kind.waits() && !matches!(kind, NodeKind::Hangup { .. })
}

/// Variables of the component that only ever move by a constant step there:
/// each of its nodes writing one is a `set` of `x = x ± number`.
fn counters<'a>(graph: &Graph, map: &'a SourceMap, members: &[u32]) -> HashSet<&'a str> {
    let mut steady: HashMap<&'a str, bool> = HashMap::new();
    for &m in members {
        let m = m as usize;
        let Some(spans) = map.nodes.get(m) else {
            continue;
        };
        for write in &spans.writes {
            let steps = match &graph.nodes[m].kind {
                NodeKind::Set { assigns, .. } => assigns
                    .iter()
                    .filter(|a| a.var == write.var)
                    .all(|a| is_step(&a.var, &a.value)),
                _ => false,
            };
            let entry = steady.entry(write.var.as_str()).or_insert(true);
            *entry &= steps;
        }
    }
    steady
        .into_iter()
        .filter_map(|(v, ok)| ok.then_some(v))
        .collect()
}

/// Variables a loop only ever sets to literals (`language = "en-IN"`), with
/// those literals: once round the loop, the variable holds one of them.
struct Flags {
    values: HashMap<String, Vec<serde_json::Value>>,
}

impl Flags {
    fn of(graph: &Graph, map: &SourceMap, members: &[u32]) -> Flags {
        let mut values: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
        let mut other: HashSet<String> = HashSet::new();
        for &m in members {
            let m = m as usize;
            match &graph.nodes[m].kind {
                NodeKind::Set { assigns, .. } => {
                    for a in assigns {
                        match &a.value {
                            Expr::Lit(v) => {
                                values.entry(a.var.clone()).or_default().push(v.clone())
                            }
                            _ => {
                                other.insert(a.var.clone());
                            }
                        }
                    }
                }
                _ => {
                    if let Some(spans) = map.nodes.get(m) {
                        other.extend(spans.writes.iter().map(|w| w.var.clone()));
                    }
                }
            }
        }
        values.retain(|v, _| !other.contains(v));
        Flags { values }
    }

    /// Is `when` false whatever literal the loop set: `v == a` where the
    /// loop sets `v` only to values other than `a`, or `v != a` where it
    /// sets it only to `a`?
    fn makes_false(&self, when: &Expr) -> bool {
        let Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), left, right) = when else {
            return false;
        };
        let (var, literal) = match (left.as_ref(), right.as_ref()) {
            (Expr::Path(p), Expr::Lit(a)) | (Expr::Lit(a), Expr::Path(p)) if p.len() == 1 => {
                (&p[0], a)
            }
            _ => return false,
        };
        let Some(set) = self.values.get(var) else {
            return false;
        };
        match op {
            BinOp::Eq => set.iter().all(|v| v != literal),
            _ => set.iter().all(|v| v == literal),
        }
    }
}

/// `x + k`, `k + x` or `x - k` for a number `k` other than zero.
fn is_step(var: &str, value: &Expr) -> bool {
    let is_var = |e: &Expr| matches!(e, Expr::Path(p) if p.len() == 1 && p[0] == var);
    let is_step = |e: &Expr| matches!(e, Expr::Lit(v) if v.as_f64().is_some_and(|k| k != 0.0));
    match value {
        Expr::Binary(BinOp::Add, a, b) => (is_var(a) && is_step(b)) || (is_step(a) && is_var(b)),
        Expr::Binary(BinOp::Sub, a, b) => is_var(a) && is_step(b),
        _ => false,
    }
}

fn report(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    asker: usize,
    cycle: &Trail,
) -> Diagnostic {
    let name = &graph.nodes[asker].name;
    let diagnostic = Diagnostic::new(
        Code::UnboundedRetry,
        format!("`{name}` can be asked again without end"),
    )
    .label(
        name_span(map, asker),
        "a failure leads back here, with nothing to stop it",
    );
    trail::label_exits(diagnostic, graph, map, cycle, exits).help(format!(
        "{} can go round for ever; bound it: count the tries \
         (`set tries {{ tries = tries + 1 … }}`, then `when tries >= 3 -> …` in a `branch` on \
         the way), or give a `menu`/`gather` on the loop `max_visits 3` and a \
         `visits_exhausted` exit",
        trail::describe(graph, cycle, Some(asker))
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Flow, codes, node_of, only};
    use crate::diagnostic::Code;

    #[test]
    fn a_menu_that_gives_up_back_into_itself_asks_for_ever() {
        let flow = Flow::new()
            .menu("main", &["bye"], "sorry")
            .say("sorry", "main")
            .hangup("bye");
        let found = only(flow, Code::UnboundedRetry);
        assert_eq!(found.len(), 1, "{found:#?}");
        let d = &found[0];
        assert_eq!(d.message, "`main` can be asked again without end");
        assert_eq!(node_of(d.span()), 0);
        // The trail: main's `exhausted` (exit 1), then sorry's `next`.
        let exits: Vec<_> = d.labels[1..].iter().map(|l| l.span.start).collect();
        assert_eq!(exits, [110, 1100]);
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .starts_with("`main` (exhausted) → `sorry` → `main` can go round")
        );
    }

    #[test]
    fn a_wrong_pin_retyped_for_ever_is_unbounded_though_the_gather_changes_it() {
        let flow = Flow::new()
            .var("pin")
            .gather("ask", "pin", "check", "bye")
            .branch("check", &[(&["pin"], "bye")], "ask")
            .hangup("bye");
        assert_eq!(codes(flow), [Code::UnboundedRetry]);
    }

    #[test]
    fn a_counter_and_a_branch_on_it_bound_the_retries() {
        let flow = Flow::new()
            .var_default("tries")
            .var("pin")
            .gather("ask", "pin", "check", "bye")
            .branch("check", &[(&["pin"], "bye")], "count")
            .count("count", "tries", "enough")
            .branch("enough", &[(&["tries"], "bye")], "ask")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }

    #[test]
    fn a_counter_that_is_also_reset_on_the_loop_bounds_nothing() {
        let flow = Flow::new()
            .var_default("tries")
            .menu("main", &["bye"], "count")
            .count("count", "tries", "reset")
            .set("reset", &[("tries", &[])], "enough")
            .branch("enough", &[(&["tries"], "bye")], "main")
            .hangup("bye");
        assert_eq!(codes(flow), [Code::UnboundedRetry]);
    }

    #[test]
    fn a_loop_of_choices_is_the_callers_own_doing() {
        let flow = Flow::new()
            .menu("main", &["more", "bye"], "bye")
            .menu("more", &["main"], "bye")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }

    #[test]
    fn a_busy_agent_dialled_again_and_again_is_unbounded() {
        let flow = Flow::new()
            .menu("main", &["agent"], "bye")
            .transfer("agent", "bye", "sorry")
            .say("sorry", "agent")
            .hangup("bye");
        let found = only(flow, Code::UnboundedRetry);
        assert_eq!(found.len(), 1);
        assert_eq!(node_of(found[0].span()), 1);
    }

    #[test]
    fn a_loop_that_never_waits_is_left_to_e011() {
        let flow = Flow::new()
            .menu("main", &["a"], "bye")
            .say("a", "b")
            .branch("b", &[(&[], "bye")], "a")
            .hangup("bye");
        assert_eq!(codes(flow), [Code::EndlessLoop]);
    }

    /// A menu whose `exhausted` switches language once and asks again.
    fn switch(set_to: &str) -> String {
        format!(
            r#"
flow f {{
  language "hi-IN"
  voice {{
    hi-IN "Polly.Aditi"
    en-IN "Polly.Raveena"
  }}
  targets twilio
  start confirm
  menu confirm {{
    prompt {{
      hi-IN "1 दबाएँ"
      en-IN "Press 1."
    }}
    "1" -> bye
    exhausted -> fallback
  }}
  branch fallback {{
    when language == "hi-IN" -> to_english
    else -> bye
  }}
  set to_english {{
    language = "{set_to}"
    next -> confirm
  }}
  hangup bye {{
    text {{
      hi-IN "धन्यवाद"
      en-IN "Thank you."
    }}
  }}
}}
"#
        )
    }

    #[test]
    fn a_flag_the_loop_sets_once_bounds_it() {
        assert_eq!(compiled(&switch("en-IN")), []);
        // Setting it to the value the branch loops on bounds nothing.
        assert_eq!(compiled(&switch("hi-IN")), [Code::UnboundedRetry]);
    }

    /// The codes a compiled `.ivr` text produces.
    fn compiled(text: &str) -> Vec<Code> {
        crate::compile(text, crate::Syntax::Ivr)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect()
    }

    /// A menu that gives up into an apology and back to itself.
    fn menu_again(bound: &str) -> String {
        format!(
            r#"
flow f {{
  language "en-IN"
  targets twilio
  start main
  menu main {{
    prompt "For sales press 1."
{bound}
    "1" -> bye
    exhausted -> sorry
  }}
  say sorry {{
    text "Sorry, let us try again."
    next -> main
  }}
  hangup bye {{
    text "Goodbye."
  }}
}}
"#
        )
    }

    #[test]
    fn max_visits_bounds_the_loop() {
        assert_eq!(compiled(&menu_again("")), [Code::UnboundedRetry]);
        assert_eq!(
            compiled(&menu_again("    max_visits 3\n    visits_exhausted -> bye")),
            []
        );
    }
}
