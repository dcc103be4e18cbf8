//! miette adapters: diagnostics are plain data everywhere else; only here do
//! they become `miette::Diagnostic`s, for the edge to render.

use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceCode};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::LineIndex;

/// One diagnostic with its file, ready for a miette handler.
#[derive(Debug)]
pub struct Report {
    pub source: Arc<NamedSource<String>>,
    pub diagnostic: Diagnostic,
    /// Leave out miette's code line: [`render`] writes its own headline.
    headless: bool,
}

impl Report {
    pub fn new(source: Arc<NamedSource<String>>, diagnostic: Diagnostic) -> Self {
        Report {
            source,
            diagnostic,
            headless: false,
        }
    }

    fn headless(mut self) -> Self {
        self.headless = true;
        self
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
        if self.headless {
            return None;
        }
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
    let index = LineIndex::new(text);
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render(&handler, &source, &index, d));
    }
    out
}

/// One diagnostic the way rustc writes one, so that editors' problem
/// matchers and grep find it: a headline that says what and where,
///
/// ```text
/// error[E003]: no node named `conference`
///   --> flows/x.ivr:19:12
/// ```
///
/// then miette's picture of the source with the labels, and the help.
pub fn render(
    handler: &miette::GraphicalReportHandler,
    source: &Arc<NamedSource<String>>,
    index: &LineIndex,
    d: &Diagnostic,
) -> String {
    let text = source.inner();
    let (line, column) = index.line_col(text, d.span().start.min(text.len() as u32));
    let mut out = format!(
        "{}[{}]: {}\n  --> {}:{line}:{column}\n",
        d.severity.as_str(),
        d.code.as_str(),
        d.message,
        source.name()
    );
    let report = Report::new(source.clone(), d.clone()).headless();
    let mut picture = String::new();
    if handler.render_report(&mut picture, &report).is_err() {
        return out;
    }
    // miette opens with the message (`  × …`, wrapped): the headline says
    // it already. It is exactly what the message alone renders to.
    let message_only = Report::new(
        Arc::new(NamedSource::new(source.name(), String::new())),
        Diagnostic::new(d.code, d.message.clone()),
    )
    .headless();
    let mut opening = String::new();
    let _ = handler.render_report(&mut opening, &message_only);
    out.push_str(picture.strip_prefix(opening.as_str()).unwrap_or(&picture));
    out.push('\n');
    out
}
