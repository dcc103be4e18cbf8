//! E014: a variable read where, on some path from the start, nothing has set
//! it yet.
//!
//! A forward "definitely set" dataflow over bitsets (one bit per variable):
//! a node's *in* set is what every path to it has set — the intersection,
//! over the exits that lead to it, of what the node before had set plus what
//! it sets on that exit. Variables with a default are set from the start. A
//! worklist revisits a node only when its set shrinks, and a set can shrink
//! at most once per variable, so the cost is bounded by
//! (nodes + exits) × variables / 64 words per round, with few rounds in
//! practice.

use std::collections::{HashMap, VecDeque};

use super::Exits;
use crate::check::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Expr, Graph, NodeKind};

pub(crate) fn maybe_unset(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    reachable: &[bool],
    out: &mut Vec<Diagnostic>,
) {
    let n = graph.nodes.len();
    let start = graph.start.index();
    if graph.vars.is_empty() || start >= n {
        return;
    }
    let index: HashMap<&str, usize> = graph
        .vars
        .iter()
        .enumerate()
        .map(|(i, v)| (v.name.as_str(), i))
        .collect();
    let sets = Sets::new(n, graph.vars.len());
    let set_in = definitely_set(graph, map, exits, &index, sets);

    for (node, spans) in map.nodes.iter().enumerate().take(n) {
        if !reachable[node] {
            continue;
        }
        let before = set_in.of(node);
        let inside = SetOrder::of(&graph.nodes[node].kind);
        let mut reported: Vec<&str> = Vec::new();
        for (var, span) in &spans.reads {
            let Some(&v) = index.get(var.as_str()) else {
                continue; // not a flow variable: E013's business
            };
            if has(before, v) || inside.sets_before_reading(var) || reported.contains(&var.as_str())
            {
                continue;
            }
            reported.push(var);
            let name = &graph.nodes[node].name;
            let ty = graph.vars[v].ty.as_str();
            out.push(
                Diagnostic::new(Code::MaybeUnset, format!("`{var}` may be unset here"))
                    .label(
                        *span,
                        format!("some paths reach `{name}` without setting `{var}`"),
                    )
                    .help(format!(
                        "set it on every path before `{name}`, or give it a default: \
                         `var {var}: {ty} = …`"
                    )),
            );
        }
    }
}

/// The worklist: the in set of every reachable node.
fn definitely_set(
    graph: &Graph,
    map: &SourceMap,
    exits: &Exits,
    index: &HashMap<&str, usize>,
    mut set_in: Sets,
) -> Sets {
    let n = graph.nodes.len();
    let words = set_in.words;
    let start = graph.start.index();
    // Writes per node as bitsets: `always` whichever exit is taken, and the
    // few that happen on one exit only, as (exit, variable).
    let mut always = Sets::new(n, graph.vars.len());
    always.bits.fill(0);
    let mut on_exit: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (node, spans) in map.nodes.iter().enumerate().take(n) {
        for write in &spans.writes {
            let Some(&v) = index.get(write.var.as_str()) else {
                continue;
            };
            match write.on_exit {
                None => always.add(node, v),
                Some(k) => on_exit[node].push((k, v)),
            }
        }
    }

    // The start node is entered once from outside, with the defaults.
    for (v, var) in graph.vars.iter().enumerate() {
        if var.default.is_none() {
            set_in.remove(start, v);
        }
    }
    let mut seen = vec![false; n];
    let mut queued = vec![false; n];
    seen[start] = true;
    queued[start] = true;
    let mut queue = VecDeque::from([start]);
    let mut leaving = vec![0u64; words];
    let mut via = vec![0u64; words];
    while let Some(node) = queue.pop_front() {
        queued[node] = false;
        for ((word, a), b) in leaving.iter_mut().zip(set_in.of(node)).zip(always.of(node)) {
            *word = a | b;
        }
        for (k, t) in exits.targets(node) {
            via.copy_from_slice(&leaving);
            for &(_, v) in on_exit[node].iter().filter(|(e, _)| *e == k) {
                via[v / 64] |= 1 << (v % 64);
            }
            let target = set_in.of_mut(t);
            let mut changed = !seen[t];
            for (word, add) in target.iter_mut().zip(&via) {
                let meet = *word & add;
                changed |= meet != *word;
                *word = meet;
            }
            seen[t] = true;
            if changed && !queued[t] {
                queued[t] = true;
                queue.push_back(t);
            }
        }
    }
    set_in
}

/// One bitset of variables per node, in one flat table.
struct Sets {
    words: usize,
    bits: Vec<u64>,
}

impl Sets {
    /// Every set full: the top of the intersection lattice.
    fn new(nodes: usize, vars: usize) -> Sets {
        let words = vars.div_ceil(64);
        Sets {
            words,
            bits: vec![u64::MAX; nodes * words],
        }
    }

    fn of(&self, node: usize) -> &[u64] {
        &self.bits[node * self.words..(node + 1) * self.words]
    }

    fn of_mut(&mut self, node: usize) -> &mut [u64] {
        &mut self.bits[node * self.words..(node + 1) * self.words]
    }

    fn add(&mut self, node: usize, v: usize) {
        self.of_mut(node)[v / 64] |= 1 << (v % 64);
    }

    fn remove(&mut self, node: usize, v: usize) {
        self.of_mut(node)[v / 64] &= !(1 << (v % 64));
    }
}

fn has(set: &[u64], v: usize) -> bool {
    set[v / 64] & (1 << (v % 64)) != 0
}

/// Inside a `set` node assignments run in order, so `a = 1` then
/// `b = a + 1` reads a set `a`. Records, per variable, whether the first
/// assignment reading it comes after one assigning it.
struct SetOrder<'a> {
    covered: Vec<&'a str>,
}

impl<'a> SetOrder<'a> {
    fn of(kind: &'a NodeKind) -> SetOrder<'a> {
        let mut covered = Vec::new();
        if let NodeKind::Set { assigns, .. } = kind {
            let mut assigned: Vec<&str> = Vec::new();
            let mut read: Vec<&str> = Vec::new();
            for assign in assigns {
                roots(&assign.value, &mut |root| {
                    if !read.contains(&root) {
                        read.push(root);
                        if assigned.contains(&root) {
                            covered.push(root);
                        }
                    }
                });
                assigned.push(&assign.var);
            }
        }
        SetOrder { covered }
    }

    fn sets_before_reading(&self, var: &str) -> bool {
        self.covered.contains(&var)
    }
}

/// The variable (first path segment) of every path in an expression.
fn roots<'a>(expr: &'a Expr, found: &mut impl FnMut(&'a str)) {
    match expr {
        Expr::Lit(_) => {}
        Expr::Path(path) => {
            if let Some(root) = path.first() {
                found(root);
            }
        }
        Expr::Not(inner) => roots(inner, found),
        Expr::Binary(_, left, right) => {
            roots(left, found);
            roots(right, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Flow, codes, node_of, only};
    use crate::diagnostic::Code;

    #[test]
    fn a_variable_set_on_one_branch_only_may_be_unset() {
        let flow = Flow::new()
            .var("name")
            .var_default("vip")
            .branch("route", &[(&["vip"], "ask")], "greet")
            .gather("ask", "name", "greet", "bye")
            .set("greet", &[("vip", &["name", "name"])], "bye")
            .hangup("bye");
        let found = only(flow, Code::MaybeUnset);
        assert_eq!(found.len(), 1, "once per node and variable: {found:#?}");
        assert_eq!(found[0].message, "`name` may be unset here");
        assert_eq!(found[0].span().start, 2500, "at the first read in `greet`");
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("var name: string = …")
        );
    }

    #[test]
    fn a_gather_sets_its_variable_only_when_done() {
        let flow = Flow::new()
            .var("pin")
            .gather("ask", "pin", "check", "sorry")
            .branch("check", &[(&["pin"], "bye")], "bye")
            .branch("sorry", &[(&["pin"], "bye")], "bye")
            .hangup("bye");
        let found = only(flow, Code::MaybeUnset);
        let nodes: Vec<_> = found.iter().map(|d| node_of(d.span())).collect();
        assert_eq!(nodes, [2]);
    }

    #[test]
    fn set_on_every_path_or_by_default_is_fine() {
        let flow = Flow::new()
            .var("a")
            .var_default("b")
            .menu("main", &["one", "two"], "one")
            .set("one", &[("a", &[])], "use")
            .gather("two", "a", "use", "one")
            .branch("use", &[(&["a", "b"], "bye")], "sorry")
            .say("sorry", "bye")
            .hangup("bye");
        assert_eq!(codes(flow), []);
    }

    #[test]
    fn a_loop_back_to_the_start_does_not_hide_an_unset_variable() {
        // start reads x; x is set later, but the first visit has no x.
        let flow = Flow::new()
            .var("x")
            .branch("top", &[(&["x"], "bye")], "ask")
            .gather("ask", "x", "top", "bye")
            .hangup("bye");
        // (And a wrong x can be typed for ever: E029.)
        assert_eq!(codes(flow), [Code::MaybeUnset, Code::UnboundedRetry]);
    }

    #[test]
    fn assignments_in_one_set_node_run_in_order() {
        let ok = Flow::new()
            .var("a")
            .var("b")
            .set("s", &[("a", &[]), ("b", &["a"])], "bye")
            .hangup("bye");
        assert_eq!(codes(ok), []);
        let wrong = Flow::new()
            .var("a")
            .var("b")
            .set("s", &[("b", &["a"]), ("a", &[])], "bye")
            .hangup("bye");
        assert_eq!(codes(wrong), [Code::MaybeUnset]);
    }

    #[test]
    fn more_than_64_variables_use_more_words() {
        let mut flow = Flow::new();
        let names: Vec<String> = (0..130).map(|i| format!("v{i}")).collect();
        for name in &names {
            flow = flow.var(name);
        }
        let reads: Vec<&str> = names.iter().map(String::as_str).collect();
        let flow = flow
            .gather("ask", "v129", "use", "bye")
            .branch("use", &[(&reads, "bye")], "bye")
            .hangup("bye");
        let found = only(flow, Code::MaybeUnset);
        assert_eq!(found.len(), 129, "all but v129");
        assert!(found.iter().all(|d| !d.message.contains("`v129`")));
    }
}
