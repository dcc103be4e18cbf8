//! The caller paths of a flow, for `ivr paths` and `ivr test --generate`.
//!
//! A path starts at the flow's start and takes one exit at each node until
//! it reaches a node with no exits (a `hangup`) or comes back to a node it
//! has already passed: a loop is taken once, and the path stops where it
//! would go round again. Pure functions of the graph, no recursion.

use std::collections::VecDeque;

use crate::graph::{Graph, NodeId};

/// One path through the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerPath {
    /// Each node passed and the exit taken there (its position in
    /// `NodeKind::exits()`).
    pub steps: Vec<(NodeId, usize)>,
    pub end: End,
}

/// How a path ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// At a node with no exits: the call is over.
    Over(NodeId),
    /// The last exit leads back to this node, already on the path.
    Loop(NodeId),
}

impl End {
    pub fn node(self) -> NodeId {
        match self {
            End::Over(n) | End::Loop(n) => n,
        }
    }
}

/// Every distinct path from the start, depth first in exit order, at most
/// `limit` of them. The flag says whether there were more.
pub fn all(graph: &Graph, limit: usize) -> (Vec<CallerPath>, bool) {
    let n = graph.nodes.len();
    let mut found = Vec::new();
    let start = graph.start.index();
    if start >= n || limit == 0 {
        return (found, false);
    }
    let targets: Vec<Vec<usize>> = graph
        .nodes
        .iter()
        .map(|node| node.kind.exits().iter().map(|(_, t)| t.index()).collect())
        .collect();
    let mut on_path = vec![false; n];
    // The walk: (node, next exit to try).
    let mut walk: Vec<(usize, usize)> = vec![(start, 0)];
    on_path[start] = true;
    let steps = |walk: &[(usize, usize)]| -> Vec<(NodeId, usize)> {
        walk.iter()
            .map(|&(v, k)| (NodeId(v as u32), k - 1))
            .collect()
    };
    while let Some(&mut (v, ref mut k)) = walk.last_mut() {
        if targets[v].is_empty() {
            let len = walk.len();
            found.push(CallerPath {
                steps: steps(&walk[..len - 1]),
                end: End::Over(NodeId(v as u32)),
            });
            if found.len() == limit {
                return (found, more_after(&walk, &targets));
            }
            on_path[v] = false;
            walk.pop();
            continue;
        }
        if *k == targets[v].len() {
            on_path[v] = false;
            walk.pop();
            continue;
        }
        let t = targets[v][*k];
        *k += 1;
        if t >= n {
            continue;
        }
        if on_path[t] {
            found.push(CallerPath {
                steps: steps(&walk),
                end: End::Loop(NodeId(t as u32)),
            });
            if found.len() == limit {
                return (found, more_after(&walk, &targets));
            }
            continue;
        }
        on_path[t] = true;
        walk.push((t, 0));
    }
    (found, false)
}

/// Is any exit left untried on the walk (so more paths would follow)?
fn more_after(walk: &[(usize, usize)], targets: &[Vec<usize>]) -> bool {
    walk.iter().any(|&(v, k)| k < targets[v].len())
}

/// A few paths that together take every exit of every reachable node: for
/// each exit not yet taken, the shortest way from the start to it, the exit,
/// then the shortest way on to the end of the call.
pub fn covering(graph: &Graph) -> Vec<CallerPath> {
    let n = graph.nodes.len();
    let start = graph.start.index();
    if start >= n {
        return Vec::new();
    }
    let exits: Vec<Vec<usize>> = graph
        .nodes
        .iter()
        .map(|node| node.kind.exits().iter().map(|(_, t)| t.index()).collect())
        .collect();

    // The shortest way in: for each reachable node, the node and exit it is
    // first reached through; `order` is breadth-first.
    let mut came_from: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut seen = vec![false; n];
    let mut order = Vec::new();
    let mut queue = VecDeque::from([start]);
    seen[start] = true;
    while let Some(v) = queue.pop_front() {
        order.push(v);
        for (k, &t) in exits[v].iter().enumerate() {
            if t < n && !seen[t] {
                seen[t] = true;
                came_from[t] = Some((v, k));
                queue.push_back(t);
            }
        }
    }

    // The shortest way out: for each node, the exit that leads nearest to
    // a node with no exits.
    let mut towards_end: Vec<Option<usize>> = vec![None; n];
    let mut done = vec![false; n];
    let mut into: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (v, ts) in exits.iter().enumerate() {
        for (k, &t) in ts.iter().enumerate() {
            if t < n {
                into[t].push((v, k));
            }
        }
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&v| exits[v].is_empty()).collect();
    for &v in &queue {
        done[v] = true;
    }
    while let Some(t) = queue.pop_front() {
        for &(v, k) in &into[t] {
            if !done[v] {
                done[v] = true;
                towards_end[v] = Some(k);
                queue.push_back(v);
            }
        }
    }

    let mut taken: Vec<Vec<bool>> = exits.iter().map(|ts| vec![false; ts.len()]).collect();
    let mut paths = Vec::new();
    for &v in &order {
        for k in 0..exits[v].len() {
            if taken[v][k] || exits[v][k] >= n {
                continue;
            }
            let mut way = Vec::new();
            let mut at = v;
            while let Some((p, pk)) = came_from[at] {
                way.push((p, pk));
                at = p;
            }
            way.reverse();
            way.push((v, k));
            let mut on_path = vec![false; n];
            for &(p, _) in &way {
                on_path[p] = true;
            }
            let mut at = exits[v][k];
            let end = loop {
                if on_path[at] {
                    break End::Loop(NodeId(at as u32));
                }
                on_path[at] = true;
                // Prefer an exit not taken yet, if it also gets somewhere.
                let next = (0..exits[at].len())
                    .find(|&j| !taken[at][j] && exits[at][j] < n && done[exits[at][j]])
                    .or(towards_end[at]);
                match next {
                    Some(j) => {
                        way.push((at, j));
                        at = exits[at][j];
                    }
                    None => break End::Over(NodeId(at as u32)),
                }
            };
            for &(p, pk) in &way {
                taken[p][pk] = true;
            }
            paths.push(CallerPath {
                steps: way
                    .into_iter()
                    .map(|(p, pk)| (NodeId(p as u32), pk))
                    .collect(),
                end,
            });
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::{End, all, covering};
    use crate::Syntax;

    const FLOW: &str = r#"
flow t {
  language "en-IN"
  targets twilio
  start main
  menu main {
    prompt "Press 1 for sales, 2 to hear this again."
    "1" -> sales
    "2" -> main
    exhausted -> bye
  }
  transfer sales {
    to "+918045671234"
    answered -> bye
    busy -> sorry
    no_answer -> sorry
    failed -> sorry
  }
  say sorry {
    text "Sorry."
    next -> bye
  }
  hangup bye {
    text "Goodbye."
  }
}
"#;

    fn graph() -> crate::Graph {
        crate::compile(FLOW, Syntax::Ivr).graph.expect("compiles")
    }

    fn names(graph: &crate::Graph, p: &super::CallerPath) -> Vec<String> {
        p.steps
            .iter()
            .map(|&(n, k)| {
                let node = graph.node(n);
                format!("{}:{}", node.name, node.kind.exits()[k].0)
            })
            .collect()
    }

    #[test]
    fn lists_every_path_with_loops_taken_once() {
        let graph = graph();
        let (paths, more) = all(&graph, 100);
        assert!(!more);
        let listed: Vec<_> = paths.iter().map(|p| names(&graph, p)).collect();
        assert_eq!(
            listed,
            [
                vec!["main:1", "sales:answered"],
                vec!["main:1", "sales:busy", "sorry:next"],
                vec!["main:1", "sales:no_answer", "sorry:next"],
                vec!["main:1", "sales:failed", "sorry:next"],
                vec!["main:2"],
                vec!["main:exhausted"],
            ]
        );
        let main = graph.find("main").unwrap();
        assert_eq!(paths[4].end, End::Loop(main));
        assert_eq!(paths[5].end, End::Over(graph.find("bye").unwrap()));
    }

    #[test]
    fn stops_at_the_limit_and_says_so() {
        let graph = graph();
        let (paths, more) = all(&graph, 2);
        assert_eq!(paths.len(), 2);
        assert!(more);
        let (paths, more) = all(&graph, 6);
        assert_eq!(paths.len(), 6);
        assert!(!more);
    }

    #[test]
    fn covering_paths_take_every_exit() {
        let graph = graph();
        let paths = covering(&graph);
        let mut taken = std::collections::BTreeSet::new();
        for p in &paths {
            taken.extend(names(&graph, p));
        }
        let mut every = std::collections::BTreeSet::new();
        for node in &graph.nodes {
            for (exit, _) in node.kind.exits() {
                every.insert(format!("{}:{exit}", node.name));
            }
        }
        assert_eq!(taken, every);
        assert!(paths.len() <= 6, "{}", paths.len());
    }

    #[test]
    fn a_long_chain_is_walked_without_recursion() {
        // Exotel: on Twilio, 20,000 prompts in one turn are over 64 kB of TwiML (E039).
        let mut text = String::from("flow t {\n language \"en-IN\"\n targets exotel\n start s0\n");
        for i in 0..20_000 {
            text.push_str(&format!(" say s{i} {{ text \"x\"; next -> s{} }}\n", i + 1));
        }
        text.push_str(" hangup s20000 { text \"bye\" }\n}\n");
        let graph = crate::compile(&text, Syntax::Ivr).graph.expect("compiles");
        let (paths, _) = all(&graph, 10);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].steps.len(), 20_000);
        assert_eq!(covering(&graph).len(), 1);
    }
}
