//! The flow as a caller walks it with every loop followed once: a depth-first
//! walk from the start marks the exits that lead back to a node still on the
//! walk (the *back* exits, which close loops); without them the reachable
//! graph has no cycle, so path properties are one pass over its nodes in
//! post-order — a bounded dynamic programme, linear in nodes + exits, with
//! no recursion. A path that takes a back exit stops there: it has gone
//! round its loop once.

use super::{Exits, NONE};
use crate::graph::Graph;

pub struct Dag {
    /// Reachable nodes, each after every node its forward exits lead to.
    pub post_order: Vec<u32>,
    /// For every exit of the [`Exits`] table: does it close a loop?
    back: Vec<bool>,
    first: Vec<u32>,
}

impl Dag {
    pub(crate) fn of(graph: &Graph, exits: &Exits) -> Dag {
        let n = exits.len();
        let first = exits.first.clone();
        let mut back = vec![false; exits.targets.len()];
        let mut post_order = Vec::with_capacity(n);
        // 0: not seen, 1: on the walk, 2: done.
        let mut state = vec![0u8; n];
        let start = graph.start.index();
        if start < n {
            let mut calls: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (v, ref mut k)) = calls.last_mut() {
                let targets = exits.of_node(v);
                if *k < targets.len() {
                    let at = first[v] as usize + *k;
                    let t = targets[*k];
                    *k += 1;
                    if t == NONE {
                        continue;
                    }
                    match state[t as usize] {
                        0 => {
                            state[t as usize] = 1;
                            calls.push((t as usize, 0));
                        }
                        1 => back[at] = true,
                        _ => {}
                    }
                    continue;
                }
                calls.pop();
                state[v] = 2;
                post_order.push(v as u32);
            }
        }
        Dag {
            post_order,
            back,
            first,
        }
    }

    /// Does exit `k` of node `n` close a loop?
    pub fn is_back(&self, n: usize, k: usize) -> bool {
        self.back[self.first[n] as usize + k]
    }
}
