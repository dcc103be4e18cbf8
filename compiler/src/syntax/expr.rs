//! Expressions (`when` conditions, assignments), parsed by the `expr_only`
//! rule of grammar/ivr.pest — the YAML front end uses this too.

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Expr;

/// Parse an expression written at byte `offset` of its file (spans are file offsets).
pub fn parse(text: &str, offset: usize) -> Result<Expr, Diagnostic> {
    crate::syntax::ivr::parse_expr(text, offset)
}
