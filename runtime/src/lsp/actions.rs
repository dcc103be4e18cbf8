//! Quick fixes for the diagnostics in a range: take the "did you mean",
//! write a node's missing exits (to a placeholder target the checker then
//! points at), declare an undeclared variable.

use std::collections::HashMap;

use ivr_compiler::{Code, Diagnostic, Span};
use lsp_types::{CodeAction, CodeActionKind, Range, TextEdit, WorkspaceEdit};

use super::docs::Doc;
use super::index::Index;

/// Where a new exit leads until the author says where.
pub const PLACEHOLDER: &str = "todo";

pub fn quick_fixes(doc: &Doc, range: Range) -> Vec<CodeAction> {
    if !doc.is_ivr() {
        return Vec::new();
    }
    let wanted = doc.lines.span(&doc.text, range);
    let analysis = doc.analysis();
    analysis
        .compiled
        .diagnostics
        .iter()
        .filter(|d| {
            let at = d.span();
            at.start <= wanted.end && wanted.start <= at.end
        })
        .filter_map(|d| fix(doc, doc.index(), d))
        .collect()
}

fn fix(doc: &Doc, index: &Index, d: &Diagnostic) -> Option<CodeAction> {
    let (title, edits) = match d.code {
        _ if d
            .help
            .as_deref()
            .is_some_and(|h| h.starts_with("did you mean `")) =>
        {
            did_you_mean(doc, d)?
        }
        Code::MissingExit => missing_exits(doc, index, d)?,
        Code::UndeclaredVariable => declare(doc, index, d)?,
        _ => return None,
    };
    let edit = WorkspaceEdit::new(HashMap::from([(doc.uri.clone(), edits)]));
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(edit),
        is_preferred: Some(true),
        ..Default::default()
    })
}

/// The first backticked word of a message.
fn quoted(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

fn did_you_mean(doc: &Doc, d: &Diagnostic) -> Option<(String, Vec<TextEdit>)> {
    let meant = quoted(d.help.as_deref()?).next()?;
    // The misspelt name inside the span (a template's span has its braces).
    let span = d.span();
    let written = doc.text.get(span.start as usize..span.end as usize)?;
    let start = written.find(|c: char| c.is_alphanumeric() || c == '_')?;
    let len = written[start..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(written.len() - start);
    let word = Span::new(
        span.start as usize + start,
        span.start as usize + start + len,
    );
    let edit = TextEdit::new(doc.lines.range(&doc.text, word), meant.to_string());
    Some((format!("Change to `{meant}`"), vec![edit]))
}

fn missing_exits(doc: &Doc, index: &Index, d: &Diagnostic) -> Option<(String, Vec<TextEdit>)> {
    let (_, missing) = d.message.split_once(" has no ")?;
    let exits: Vec<&str> = quoted(missing).collect();
    let node = index
        .units
        .iter()
        .flat_map(|u| &u.nodes)
        .find(|n| n.name_span == d.span())?;
    let close = node.span.end as usize - 1;
    if doc.text.as_bytes().get(close) != Some(&b'}') {
        return None;
    }
    let line_start = doc.lines.line_start(close);
    let before = &doc.text[line_start..close];
    // On the closing brace's own line, indented one step more; else
    // (a node on one line) broken onto lines before the brace.
    let (at, indent) = if before.trim().is_empty() {
        (line_start, format!("{before}  "))
    } else {
        (close, "  ".to_string())
    };
    let mut text: String = exits
        .iter()
        .map(|e| format!("{indent}{e} -> {PLACEHOLDER}\n"))
        .collect();
    if at == close {
        text.insert(0, '\n');
    }
    let edit = TextEdit::new(doc.lines.range(&doc.text, Span::new(at, at)), text);
    let title = if exits.len() == 1 {
        format!("Add the `{}` exit", exits[0])
    } else {
        format!("Add the {} missing exits", exits.len())
    };
    Some((title, vec![edit]))
}

fn declare(doc: &Doc, index: &Index, d: &Diagnostic) -> Option<(String, Vec<TextEdit>)> {
    let name = quoted(&d.message).next()?;
    let at = d.span().start as usize;
    let unit = &index.units[index.unit_at(at)?];
    // After the last `var`, else on the line after the unit's `{`.
    let anchor = unit
        .vars
        .iter()
        .filter(|v| !v.param)
        .map(|v| v.span.end as usize)
        .max()
        .unwrap_or(unit.name_span.end as usize);
    let line_end = doc.text[anchor..]
        .find('\n')
        .map_or(doc.text.len(), |n| anchor + n);
    let text = format!("\n  var {name}: string");
    let edit = TextEdit::new(
        doc.lines.range(&doc.text, Span::new(line_end, line_end)),
        text,
    );
    Some((format!("Declare `var {name}: string`"), vec![edit]))
}
