//! `ivr check`: for people (miette), for machines (JSON) and for GitHub Actions.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use ivr_compiler::report;
use ivr_compiler::source::LineIndex;
use ivr_compiler::{Diagnostic, Severity};
use serde_json::json;

use super::Format;
use crate::flows::{self, FlowFile};

pub fn run(paths: &[PathBuf], format: Format, deny_warnings: bool) -> ExitCode {
    let files = match flows::discover(paths)
        .and_then(|found| found.iter().map(|p| flows::load(p)).collect())
    {
        Ok(files) => files,
        Err(e) => {
            eprintln!("ivr: cannot check {e}");
            return ExitCode::from(2);
        }
    };
    let files: Vec<FlowFile> = files;
    let scenarios = paths
        .iter()
        .filter(|p| p.is_file() && flows::is_scenario(p))
        .count();
    if scenarios > 0 && format == Format::Human {
        eprintln!(
            "ivr: skipped {scenarios} scenario file{} (`ivr test` runs them)",
            if scenarios == 1 { "" } else { "s" }
        );
    }
    let errors: usize = files.iter().map(|f| f.compiled.errors()).sum();
    let warnings: usize = files.iter().map(|f| f.compiled.warnings()).sum();
    let mut out = std::io::stdout().lock();
    let written = match format {
        Format::Human => human(&mut out, &files, errors, warnings),
        Format::Json => writeln!(out, "{}", to_json(&files, errors, warnings)),
        Format::Github => github(&mut out, &files),
    };
    if written.is_err() {
        return ExitCode::from(2);
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn human(
    out: &mut impl Write,
    files: &[FlowFile],
    errors: usize,
    warnings: usize,
) -> std::io::Result<()> {
    let theme = if super::colour::stdout() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    for file in files {
        let source = Arc::new(miette::NamedSource::new(
            file.path.display().to_string(),
            file.text.clone(),
        ));
        let index = LineIndex::new(&file.text);
        for d in &file.compiled.diagnostics {
            write!(out, "{}", report::render(&handler, &source, &index, d))?;
        }
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "checked {}: {}, {}",
        plural(files.len(), "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Each diagnostic with its file and 1-based line/column.
fn located(files: &[FlowFile]) -> impl Iterator<Item = (&FlowFile, &Diagnostic, usize, usize)> {
    files.iter().flat_map(|file| {
        let index = LineIndex::new(&file.text);
        file.compiled.diagnostics.iter().map(move |d| {
            let (line, column) = index.line_col(&file.text, d.span().start);
            (file, d, line, column)
        })
    })
}

/// Where the diagnostics of `--format json` point in the documentation.
const DOCS: &str = "docs/diagnostics.md";

pub fn to_json(files: &[FlowFile], errors: usize, warnings: usize) -> serde_json::Value {
    let diagnostics: Vec<_> = files
        .iter()
        .flat_map(|file| {
            let index = LineIndex::new(&file.text);
            // 1-based line and column of both ends of a span.
            let at = move |span: ivr_compiler::Span| {
                let (line, column) = index.line_col(&file.text, span.start);
                let (end_line, end_column) = index.line_col(&file.text, span.end);
                (line, column, end_line, end_column)
            };
            file.compiled.diagnostics.iter().map(move |d| {
                let (line, column, end_line, end_column) = at(d.span());
                let labels: Vec<_> = d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let (line, column, end_line, end_column) = at(l.span);
                        json!({
                            "primary": i == 0,
                            "message": l.message,
                            "line": line,
                            "column": column,
                            "end_line": end_line,
                            "end_column": end_column,
                        })
                    })
                    .collect();
                json!({
                    "code": d.code.as_str(),
                    "name": d.code.slug(),
                    "severity": d.severity.as_str(),
                    "message": d.message,
                    "file": file.path.display().to_string(),
                    "line": line,
                    "column": column,
                    "end_line": end_line,
                    "end_column": end_column,
                    "labels": labels,
                    "help": d.help,
                    "docs": format!("{DOCS}#{}", d.code.docs_anchor()),
                })
            })
        })
        .collect();
    json!({ "files": files.len(), "errors": errors, "warnings": warnings, "diagnostics": diagnostics })
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.
fn github(out: &mut impl Write, files: &[FlowFile]) -> std::io::Result<()> {
    for (file, d, line, column) in located(files) {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{level} file={},line={line},col={column},title={}::{}",
            escape_property(&file.path.display().to_string()),
            escape_property(&format!("{} {}", d.code.as_str(), d.code.slug())),
            escape_data(&message)
        )?;
    }
    Ok(())
}

pub(super) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub(super) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
