//! Per-node checks and lowering to the graph.

use super::SourceMap;
use crate::diagnostic::Diagnostic;
use crate::graph::Graph;
use crate::syntax::ast;

pub struct Lowered {
    pub graph: Option<Graph>,
    pub map: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn lower(_file: &ast::File) -> Lowered {
    Lowered {
        graph: None,
        map: SourceMap::default(),
        diagnostics: Vec::new(),
    }
}
