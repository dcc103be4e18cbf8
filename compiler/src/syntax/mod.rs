//! Surface syntax → AST. Two front ends, one AST: `.ivr` text (pest, grammar/ivr.pest)
//! and YAML (serde). Parsing never panics: any bytes give an AST or diagnostics.

pub mod ast;
pub mod expr;
pub mod ivr;
pub mod yaml;

use crate::diagnostic::Diagnostic;
use crate::source::Syntax;

/// Parse a file in the given syntax. On a syntax error the AST is `None` and
/// the diagnostics say why; there is no partial AST.
pub fn parse(text: &str, syntax: Syntax) -> Result<ast::File, Vec<Diagnostic>> {
    match syntax {
        Syntax::Ivr => ivr::parse(text),
        Syntax::Yaml => yaml::parse(text),
    }
}
