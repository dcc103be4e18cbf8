//! Hover: the manual's words for a kind or a property, a variable's type and
//! where it is set, a node's kind and the first words the caller hears there.

use ivr_compiler::language;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::docs::Doc;
use super::index::{Index, Sym};

pub fn hover(doc: &Doc, position: Position) -> Option<Hover> {
    if !doc.is_ivr() {
        return None;
    }
    let offset = doc.lines.offset(&doc.text, position);
    let index = doc.index();
    let text = &doc.text;
    let within = |s: ivr_compiler::Span| s.start as usize <= offset && offset <= s.end as usize;
    let word = |s: ivr_compiler::Span| &text[s.start as usize..s.end as usize];

    let (span, value) = if let Some(node) = index
        .units
        .iter()
        .flat_map(|u| &u.nodes)
        .find(|n| within(n.kind_span))
    {
        (node.kind_span, language::kind_doc(&node.kind)?.to_string())
    } else if let Some(key) = index.keys.iter().find(|k| within(k.span)) {
        let kind = key
            .node
            .map(|n| index.units[key.unit].nodes[n].kind.as_str());
        (key.span, language::property_doc(kind, word(key.span))?)
    } else if let Some(at) = index.occurrence_at(offset) {
        let unit = at.unit;
        let value = match at.sym {
            Sym::Node => node_card(index, unit?, &at.name)?,
            Sym::Var => var_card(doc, index, unit?, &at.name)?,
            Sym::Module => format!("module `{}`", at.name),
        };
        (at.span, value)
    } else {
        return None;
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(doc.lines.range(text, span)),
    })
}

/// "`menu main`" and the first prompt.
fn node_card(index: &Index, unit: usize, name: &str) -> Option<String> {
    let node = index.node(unit, name)?;
    let mut card = format!("`{} {}`", node.kind, node.name);
    if let Some(prompt) = &node.prompt {
        card.push_str(&format!("\n\n“{prompt}”"));
    }
    Some(card)
}

/// "`order_id: digits`", where it is declared and which nodes set it.
fn var_card(doc: &Doc, index: &Index, unit: usize, name: &str) -> Option<String> {
    let var = index.var(unit, name)?;
    let line = |offset: u32| doc.lines.position(&doc.text, offset as usize).line + 1;
    let what = if var.param { "parameter" } else { "variable" };
    let mut card = format!(
        "{what} `{}: {}`, declared on line {}",
        var.name,
        var.ty,
        line(var.span.start)
    );
    let setters: Vec<String> = setters(index, unit, name)
        .into_iter()
        .map(|(kind, node, at)| format!("- `{kind} {node}` (line {})", line(at)))
        .collect();
    if !setters.is_empty() {
        card.push_str("\n\nset by:\n");
        card.push_str(&setters.join("\n"));
    }
    Some(card)
}

/// The nodes that give a variable a value: `into NAME`, `NAME = …` in a `set`.
fn setters(index: &Index, unit: usize, name: &str) -> Vec<(String, String, u32)> {
    let nodes = &index.units[unit].nodes;
    index
        .occurrences
        .iter()
        .filter(|o| o.write && o.sym == Sym::Var && o.unit == Some(unit) && o.name == name)
        .filter_map(|o| {
            let node = nodes
                .iter()
                .find(|n| n.span.start <= o.span.start && o.span.end <= n.span.end)?;
            Some((node.kind.clone(), node.name.clone(), o.span.start))
        })
        .collect()
}
