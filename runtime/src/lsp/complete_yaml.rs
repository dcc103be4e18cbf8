//! Completion in YAML flows, read from the lines above the cursor (the file
//! need not parse while it is typed): the keys of the node under the cursor,
//! its exits, node names as targets, and the node kinds of a new item.

use ivr_compiler::language::{self, HEADER};
use lsp_types::{CompletionItem, CompletionItemKind, Position};

use super::complete::{documented, item, words};
use super::docs::Doc;

/// The top-level keys of a YAML flow besides the settings.
const FLOW_KEYS: &[&str] = &["flow", "vars", "nodes", "modules"];

/// One line as indentation sees it.
struct Line<'a> {
    /// Where the line's text starts.
    indent: usize,
    /// Where its key starts: after `- ` for a sequence item.
    key_at: usize,
    item: bool,
    key: &'a str,
    value: &'a str,
}

fn read(line: &str) -> Option<Line<'_>> {
    let body = line.trim_start_matches(' ');
    if body.is_empty() || body.starts_with('#') {
        return None;
    }
    let indent = line.len() - body.len();
    let (item, rest) = match body.strip_prefix("- ") {
        Some(rest) => (true, rest.trim_start_matches(' ')),
        None => (body == "-", body.trim_start_matches('-')),
    };
    let key_at = line.len() - rest.len();
    let (key, value) = rest.split_once(':').unwrap_or((rest, ""));
    Some(Line {
        indent,
        key_at,
        item,
        key: key.trim().trim_matches(['"', '\'']),
        value: value.trim(),
    })
}

pub fn completion(doc: &Doc, position: Position) -> Vec<CompletionItem> {
    let offset = doc.lines.offset(&doc.text, position);
    let start = doc.lines.line_start(offset);
    let before = &doc.text[start..offset];
    let above: Vec<&str> = doc.text[..start].lines().collect();
    let here = read(before);

    // `exits: { open: welcome, closed: |`
    if let Some(open) = before
        .find("exits:")
        .and_then(|e| before[e..].find('{').map(|b| e + b))
    {
        let entry = before[open + 1..].rsplit(',').next().unwrap_or("");
        let node = here
            .as_ref()
            .and_then(|h| node_kind(&above, h.key_at, Some(h)));
        return if entry.contains(':') {
            targets(&doc.text)
        } else {
            node.map(exits).unwrap_or_default()
        };
    }
    let Some(here) = here else {
        // An empty line: what its indentation would hold is unknown until a key is typed.
        return Vec::new();
    };
    if before.contains(':') {
        // A value.
        let parent = parent(&above, here.key_at);
        let is_target = here.key == "start" || parent.is_some_and(|p| p.key == "exits");
        return if is_target {
            targets(&doc.text)
        } else {
            Vec::new()
        };
    }
    // A key being typed.
    if here.item {
        return match sequence_key(&above, here.indent) {
            Some(p) if p.key == "nodes" => kinds(),
            _ => Vec::new(),
        };
    }
    if here.key_at == 0 {
        let keys = FLOW_KEYS.iter().chain(HEADER).copied().collect::<Vec<_>>();
        return words(&keys, CompletionItemKind::KEYWORD, "flow key");
    }
    match parent(&above, here.key_at) {
        Some(p) if p.key == "exits" => node_kind(&above, p.key_at, Some(&p))
            .map(exits)
            .unwrap_or_default(),
        _ => node_kind(&above, here.key_at, None)
            .map(node_keys)
            .unwrap_or_default(),
    }
}

/// The nearest line above, less indented than `column`: the key whose value
/// holds the line, or the item line of the same mapping.
fn parent<'a>(above: &[&'a str], column: usize) -> Option<Line<'a>> {
    above
        .iter()
        .rev()
        .filter_map(|l| read(l))
        .find(|l| l.indent < column)
}

/// The key holding a sequence whose items start at `column`: the nearest
/// line above that is not one of its items and not inside one (a sequence
/// may sit at its key's own indentation).
fn sequence_key<'a>(above: &[&'a str], column: usize) -> Option<Line<'a>> {
    above
        .iter()
        .rev()
        .filter_map(|l| read(l))
        .find(|l| l.indent < column || (l.indent == column && !l.item))
}

/// The kind of the node whose keys sit at `column`, from its `- kind: name`
/// line (or `line` itself, when it is that item line).
fn node_kind(above: &[&str], column: usize, line: Option<&Line>) -> Option<&'static str> {
    let item = match line {
        Some(l) if l.item && l.key_at == column => return kind_of(l),
        _ => parent(above, column)?,
    };
    (item.item && item.key_at == column)
        .then(|| kind_of(&item))
        .flatten()
}

fn kind_of(line: &Line) -> Option<&'static str> {
    language::kind(line.key).map(|k| k.kind)
}

fn node_keys(kind: &'static str) -> Vec<CompletionItem> {
    let Some(words) = language::kind(kind) else {
        return Vec::new();
    };
    let detail = format!("{kind} property");
    let properties = words.properties.iter().map(|p| {
        documented(
            item(p, CompletionItemKind::PROPERTY, &detail),
            language::property_doc(Some(kind), p),
        )
    });
    let exits = item("exits", CompletionItemKind::FIELD, &format!("{kind} exits"));
    properties.chain(std::iter::once(exits)).collect()
}

fn exits(kind: &'static str) -> Vec<CompletionItem> {
    let Some(words) = language::kind(kind) else {
        return Vec::new();
    };
    let detail = format!("{kind} exit");
    words
        .exits
        .iter()
        .chain(words.optional_exits)
        .map(|e| item(e, CompletionItemKind::FIELD, &detail))
        .collect()
}

fn kinds() -> Vec<CompletionItem> {
    language::KINDS
        .iter()
        .map(|k| {
            let it = item(k.kind, CompletionItemKind::CLASS, "node kind");
            documented(it, language::kind_doc(k.kind).map(str::to_string))
        })
        .collect()
}

/// Every node named in the file (`- kind: name`).
fn targets(text: &str) -> Vec<CompletionItem> {
    text.lines()
        .filter_map(read)
        .filter(|l| l.item && !l.value.is_empty())
        .filter_map(|l| {
            let kind = kind_of(&l)?;
            let name = l.value.trim_matches(['"', '\'']);
            Some(item(
                name,
                CompletionItemKind::REFERENCE,
                &format!("{kind} node"),
            ))
        })
        .collect()
}
