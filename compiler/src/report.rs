//! miette adapters: diagnostics are plain data everywhere else; only here do
//! they become `miette::Diagnostic`s, for the edge to render.

use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceCode};

use crate::diagnostic::{Diagnostic, Severity};

/// One diagnostic with its file, ready for a miette handler.
#[derive(Debug)]
pub struct Report {
    pub source: Arc<NamedSource<String>>,
    pub diagnostic: Diagnostic,
}

impl Report {
    pub fn new(source: Arc<NamedSource<String>>, diagnostic: Diagnostic) -> Self {
        Report { source, diagnostic }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{}({})",
            self.diagnostic.code.as_str(),
            self.diagnostic.code.slug()
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source.as_ref())
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let text_len = self.source.inner().len();
        Some(Box::new(self.diagnostic.labels.iter().enumerate().map(
            move |(i, l)| {
                // Clamp: a span past the end (e.g. "unexpected end of file") still renders.
                let start = (l.span.start as usize).min(text_len);
                let len = l.span.len().min(text_len - start);
                let label = if l.message.is_empty() {
                    None
                } else {
                    Some(l.message.clone())
                };
                if i == 0 {
                    LabeledSpan::new_primary_with_span(label, (start, len))
                } else {
                    LabeledSpan::new_with_span(label, (start, len))
                }
            },
        )))
    }
}

/// Render diagnostics as plain text (no colours, fixed width): for snapshots,
/// logs and `GET /api/flows`.
pub fn render_plain(name: &str, text: &str, diagnostics: &[Diagnostic], width: usize) -> String {
    let source = Arc::new(NamedSource::new(name, text.to_string()));
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(width);
    let mut out = String::new();
    for d in diagnostics {
        let report = Report::new(source.clone(), d.clone());
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", d.code.as_str(), d.message));
        }
    }
    out
}
