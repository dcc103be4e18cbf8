//! AST → diagnostics + graph. Collects every problem in one run.
//!
//! Two stages:
//! 1. [`lower`]: per-node checks (kinds, properties, exits, keys, names,
//!    values, types, provider capabilities) while building the graph and a
//!    [`SourceMap`] that remembers where each node, exit and variable use was
//!    written. Modules are inlined here.
//! 2. [`flow`]: whole-graph analyses (unreachable nodes, trapped callers,
//!    endless loops, variables read before set). They need every target
//!    resolved, so they run only when stage 1 produced a graph.

pub mod capabilities;
pub mod flow;
pub mod lower;
mod source_map;

pub use source_map::{NodeSpans, SourceMap, Write};

use crate::diagnostic::{Code, Diagnostic};
use crate::graph::Graph;
use crate::syntax::ast;

pub fn check(file: &ast::File) -> (Option<Graph>, Vec<Diagnostic>) {
    let lowered = lower::lower(file);
    let mut diagnostics = lowered.diagnostics;
    if let Some(graph) = &lowered.graph {
        // A variable the checker already rejected (undeclared, declared
        // twice) would also look unset everywhere: one mistake, one
        // diagnostic. A type error elsewhere hides nothing (a rejected
        // default still counts as a default).
        let variables_broken = diagnostics
            .iter()
            .any(|d| matches!(d.code, Code::UndeclaredVariable | Code::DuplicateName));
        // Each `run` of a module inlines a copy of its nodes, all mapped to
        // the module's source: report a finding in the module once, not once
        // per copy.
        let mut seen = std::collections::HashSet::new();
        for d in flow::analyse(graph, &lowered.map) {
            if variables_broken && d.code == Code::MaybeUnset {
                continue;
            }
            if seen.insert((d.code, d.span())) {
                diagnostics.push(d);
            }
        }
    }
    (lowered.graph, diagnostics)
}
