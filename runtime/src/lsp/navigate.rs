//! Going from a name to its definition and its uses: definition,
//! references, rename, the outline, workspace symbols and folding.

use ivr_compiler::Span;
use lsp_types::{
    DocumentSymbol, FoldingRange, Location, Position, PrepareRenameResponse, Range, SymbolKind,
    TextEdit, WorkspaceEdit, WorkspaceSymbol,
};

use super::docs::{Doc, Workspace, path_of, uri_of};
use super::index::{Frame, Index, Occurrence, Sym};
use super::scenarios;
use super::text::Lines;

fn occurrence_at(doc: &Doc, position: Position) -> Option<&Occurrence> {
    let offset = doc.lines.offset(&doc.text, position);
    doc.index().occurrence_at(offset)
}

fn location(doc: &Doc, span: Span) -> Location {
    Location::new(doc.uri.clone(), doc.lines.range(&doc.text, span))
}

pub fn definition(doc: &Doc, position: Position) -> Option<Location> {
    let at = occurrence_at(doc, position)?;
    let def = doc.index().definition(at)?;
    Some(location(doc, def.span))
}

pub fn references(doc: &Doc, position: Position, declaration: bool) -> Option<Vec<Location>> {
    let at = occurrence_at(doc, position)?;
    let index = doc.index();
    let found = index
        .same(at)
        .filter(|o| declaration || !o.def)
        .map(|o| location(doc, o.span))
        .collect();
    Some(found)
}

pub fn prepare_rename(doc: &Doc, position: Position) -> Option<PrepareRenameResponse> {
    let at = occurrence_at(doc, position)?;
    doc.index().definition(at)?;
    Some(PrepareRenameResponse::Range(
        doc.lines.range(&doc.text, at.span),
    ))
}

/// Rename a node, variable or module everywhere in its file, and a flow's
/// node in the flow's own scenario file too; refused when the new name is
/// not a name or is already taken.
pub fn rename(
    server: Workspace<'_>,
    doc: &Doc,
    position: Position,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    let at = occurrence_at(doc, position).ok_or("there is no node, variable or module here")?;
    let index = doc.index();
    if index.definition(at).is_none() {
        return Err(format!("`{}` is not defined in this file", at.name));
    }
    let valid = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && new_name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("`{new_name}` is not a name"));
    }
    let taken = index
        .occurrences
        .iter()
        .any(|o| o.def && o.sym == at.sym && o.unit == at.unit && o.name == new_name);
    if taken {
        return Err(format!("`{new_name}` is already defined"));
    }
    let edits = index
        .same(at)
        .map(|o| TextEdit::new(doc.lines.range(&doc.text, o.span), new_name.to_string()))
        .collect();
    let mut changes = vec![(doc.uri.clone(), edits)];
    let flow_node = at.sym == Sym::Node && at.unit.is_some_and(|u| !index.units[u].module);
    let scenarios = path_of(&doc.uri).and_then(|p| scenarios::own_scenarios(&p));
    if let (true, Some(scenarios)) = (flow_node, scenarios) {
        changes.extend(scenarios::rename(server, &scenarios, &at.name, new_name));
    }
    Ok(WorkspaceEdit::new(changes.into_iter().collect()))
}

/// The outline: each flow and module, with its variables and nodes.
pub fn document_symbols(doc: &Doc) -> Vec<DocumentSymbol> {
    let index = doc.index();
    let range = |span| doc.lines.range(&doc.text, span);
    index
        .units
        .iter()
        .map(|unit| {
            let vars = unit.vars.iter().map(|v| {
                symbol(
                    &v.name,
                    Some(v.ty.clone()),
                    SymbolKind::VARIABLE,
                    range(v.span),
                    range(v.span),
                    None,
                )
            });
            let nodes = unit.nodes.iter().map(|n| {
                symbol(
                    &n.name,
                    Some(n.kind.clone()),
                    SymbolKind::FUNCTION,
                    range(n.span),
                    range(n.name_span),
                    None,
                )
            });
            let (kind, detail) = if unit.module {
                (SymbolKind::MODULE, "module")
            } else {
                (SymbolKind::NAMESPACE, "flow")
            };
            symbol(
                &unit.name,
                Some(detail.to_string()),
                kind,
                range(unit.span),
                range(unit.name_span),
                Some(vars.chain(nodes).collect()),
            )
        })
        .collect()
}

fn symbol(
    name: &str,
    detail: Option<String>,
    kind: SymbolKind,
    range: Range,
    selection_range: Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    #[allow(deprecated)] // `deprecated` must be written; `tags` replaces it.
    DocumentSymbol {
        name: if name.is_empty() {
            "?".into()
        } else {
            name.into()
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children,
    }
}

/// Flows, modules and nodes whose name contains the query, in the open
/// documents and in the `.ivr` files of the workspace folders.
pub fn workspace_symbols(server: Workspace<'_>, query: &str) -> Vec<WorkspaceSymbol> {
    let query = query.to_lowercase();
    let mut found = Vec::new();
    let mut seen = Vec::new();
    let mut add = |uri: &lsp_types::Uri, text: &str, index: &Index| {
        let lines = Lines::new(text);
        for unit in &index.units {
            let kind = if unit.module {
                SymbolKind::MODULE
            } else {
                SymbolKind::NAMESPACE
            };
            let named = std::iter::once((&unit.name, unit.name_span, kind, None)).chain(
                unit.nodes
                    .iter()
                    .map(|n| (&n.name, n.name_span, SymbolKind::FUNCTION, Some(&unit.name))),
            );
            for (name, span, kind, container) in named {
                if name.to_lowercase().contains(&query) {
                    found.push(WorkspaceSymbol {
                        name: name.clone(),
                        kind,
                        tags: None,
                        container_name: container.cloned(),
                        location: lsp_types::OneOf::Left(Location::new(
                            uri.clone(),
                            lines.range(text, span),
                        )),
                        data: None,
                    });
                }
            }
        }
    };
    for doc in server.docs.values().filter(|d| d.is_ivr()) {
        seen.extend(path_of(&doc.uri));
        add(&doc.uri, &doc.text, doc.index());
    }
    let on_disk = crate::flows::discover(server.roots).unwrap_or_default();
    for path in on_disk {
        let is_ivr = crate::flows::syntax_of(&path) == ivr_compiler::Syntax::Ivr;
        if !is_ivr || seen.contains(&path) {
            continue;
        }
        // A file that vanished or cannot be read is simply not listed.
        if let (Ok(text), Some(uri)) = (std::fs::read_to_string(&path), uri_of(&path)) {
            add(&uri, &text, &Index::new(&text));
        }
    }
    found
}

/// Each block that spans lines folds.
pub fn folding(doc: &Doc) -> Vec<FoldingRange> {
    let index = doc.index();
    index
        .blocks
        .iter()
        .filter_map(|b| {
            let close = b.close?;
            let start = doc.lines.position(&doc.text, b.open).line;
            let end = doc.lines.position(&doc.text, close).line;
            (end > start).then(|| FoldingRange {
                start_line: start,
                end_line: end,
                kind: matches!(b.frame, Frame::Value { .. })
                    .then_some(lsp_types::FoldingRangeKind::Region),
                ..Default::default()
            })
        })
        .collect()
}
