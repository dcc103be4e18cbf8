//! Strongly connected components (Tarjan's algorithm, iterative so that a
//! 100,000-node chain does not overflow the stack). Linear in nodes + exits.

use super::{Exits, NONE};

/// The components of the subgraph of included nodes (exits to excluded nodes
/// are ignored).
pub(crate) struct Components {
    /// Component of each node; `NONE` for excluded nodes.
    pub of: Vec<u32>,
    /// Members of every component, one after another; component `c` is
    /// `members[bounds[c]..bounds[c + 1]]`. Components come in reverse
    /// topological order: a component's exits lead only to itself or to
    /// components listed before it.
    members: Vec<u32>,
    bounds: Vec<u32>,
}

impl Components {
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    pub fn members(&self, c: usize) -> &[u32] {
        &self.members[self.bounds[c] as usize..self.bounds[c + 1] as usize]
    }

    /// Is component `c` a loop: more than one node, or one node with an
    /// exit to itself?
    pub fn is_loop(&self, c: usize, exits: &Exits) -> bool {
        match self.members(c) {
            [one] => exits.of_node(*one as usize).contains(one),
            _ => true,
        }
    }
}

pub(crate) fn components(exits: &Exits, include: impl Fn(usize) -> bool) -> Components {
    let n = exits.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // The explicit call stack: (node, next exit to look at).
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut next_index = 0u32;
    let mut out = Components {
        of: vec![NONE; n],
        members: Vec::new(),
        bounds: vec![0],
    };

    for root in 0..n {
        if !include(root) || index[root] != NONE {
            continue;
        }
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root as u32);
        on_stack[root] = true;
        calls.push((root, 0));

        while let Some(&mut (v, ref mut k)) = calls.last_mut() {
            let targets = exits.of_node(v);
            if *k < targets.len() {
                let w = targets[*k];
                *k += 1;
                if w == NONE || !include(w as usize) {
                    continue;
                }
                let w = w as usize;
                if index[w] == NONE {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w as u32);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let c = out.len() as u32;
                loop {
                    let w = stack.pop().expect("v is on the stack");
                    on_stack[w as usize] = false;
                    out.of[w as usize] = c;
                    out.members.push(w);
                    if w as usize == v {
                        break;
                    }
                }
                out.bounds.push(out.members.len() as u32);
            }
        }
    }
    out
}
