//! The compiler's diagnostics as the editor shows them: severity, code and
//! its link into docs/diagnostics.md, the primary label's range, the other
//! labels as related information, the help line in the message.

use ivr_compiler::{Diagnostic, Severity};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Uri,
};

use super::docs::Doc;

/// Where docs/diagnostics.md is, to link each code to its section.
pub type DocsLink = Option<String>;

pub fn publish(doc: &Doc, docs: &DocsLink) -> PublishDiagnosticsParams {
    let diagnostics = doc
        .analysis()
        .compiled
        .diagnostics
        .iter()
        .map(|d| convert(doc, d, docs))
        .collect();
    PublishDiagnosticsParams::new(doc.uri.clone(), diagnostics, Some(doc.version))
}

fn convert(doc: &Doc, d: &Diagnostic, docs: &DocsLink) -> lsp_types::Diagnostic {
    let range = |span| doc.lines.range(&doc.text, span);
    let mut message = d.message.clone();
    if let Some(primary) = d.labels.first().filter(|l| !l.message.is_empty()) {
        message.push_str(&format!(" ({})", primary.message));
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<_> = d.labels[d.labels.len().min(1)..]
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(doc.uri.clone(), range(l.span)),
            message: l.message.clone(),
        })
        .collect();
    let href = docs.as_ref().and_then(|base| {
        format!("{base}#{}", d.code.docs_anchor())
            .parse::<Uri>()
            .ok()
    });
    lsp_types::Diagnostic {
        range: range(d.span()),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("ivr".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
