//! AST → diagnostics + graph. Collects every problem in one run.

use crate::diagnostic::Diagnostic;
use crate::graph::Graph;
use crate::syntax::ast;

pub fn check(_file: &ast::File) -> (Option<Graph>, Vec<Diagnostic>) {
    (None, Vec::new())
}
