//! The `ivr` flow compiler: source text in, diagnostics and a state graph out.
//!
//! Pipeline: [`syntax`] (`.ivr` via pest, YAML via serde → one AST) →
//! [`check`] (names, exits, keys, reachability, variables, types, values,
//! provider capabilities → diagnostics, and lowering) → [`graph`] (the flat,
//! versioned state graph the runtime executes).
//!
//! Architecture invariant: this crate does no I/O — no files, no network, no
//! clock, no tokio. It takes text and returns values.

#![forbid(unsafe_code)]

pub mod check;
pub mod diagnostic;
pub mod duration;
pub mod format;
pub mod graph;
pub mod language;
pub mod paths;
pub mod phone;
pub mod report;
pub mod source;
pub mod syntax;
pub mod week;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use graph::Graph;
pub use source::{Span, Syntax};

/// The result of compiling one file.
#[derive(Debug)]
pub struct Compiled {
    /// Present when there are no errors (warnings allowed).
    pub graph: Option<Graph>,
    /// Every problem found, errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Compile flow source text.
pub fn compile(text: &str, syntax: Syntax) -> Compiled {
    let file = match syntax::parse(text, syntax) {
        Ok(file) => file,
        Err(diagnostics) => {
            return Compiled {
                graph: None,
                diagnostics,
            };
        }
    };
    let (graph, mut diagnostics) = check::check(&file);
    diagnostics.sort_by_key(|d| (d.span().start, d.code));
    let graph = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        graph
    };
    Compiled { graph, diagnostics }
}

/// Compile raw file bytes: bytes that are not UTF-8 are a diagnostic, not a panic.
pub fn compile_bytes(bytes: &[u8], syntax: Syntax) -> Compiled {
    match std::str::from_utf8(bytes) {
        Ok(text) => compile(text, syntax),
        Err(e) => {
            let at = e.valid_up_to();
            let diagnostic = Diagnostic::new(Code::NotUtf8, "file is not valid UTF-8")
                .label(
                    Span::new(at, at + e.error_len().unwrap_or(1)),
                    "this byte is not UTF-8",
                )
                .help("save the file as UTF-8");
            Compiled {
                graph: None,
                diagnostics: vec![diagnostic],
            }
        }
    }
}
