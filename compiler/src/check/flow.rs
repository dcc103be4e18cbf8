//! Whole-graph analyses.

use super::SourceMap;
use crate::diagnostic::Diagnostic;
use crate::graph::Graph;

pub fn analyse(_graph: &Graph, _map: &SourceMap) -> Vec<Diagnostic> {
    Vec::new()
}
