//! Completion: what may be written where the cursor is, read from the line
//! so far and the block around it (the file need not parse).

use ivr_compiler::Syntax;
use ivr_compiler::check::voices;
use ivr_compiler::graph::Provider;
use ivr_compiler::language::{self, BUILTINS, HEADER, MODULE_HEAD, TYPES};
use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind, Position,
};

use super::docs::Doc;
use super::index::{Frame, Index, Tok, Token, tokens};

/// Fixed choices of a property's bare-word values.
const CHOICES: &[(&str, &[&str])] = &[
    ("input", &["dtmf", "speech"]),
    ("method", &["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ("targets", &Provider::NAMES),
    ("mode", &["stream", "relay"]),
    ("beep", &["true", "false"]),
    ("trim", &["true", "false"]),
    ("record", &["true", "false"]),
];

pub fn completion(doc: &Doc, position: Position) -> Option<Vec<CompletionItem>> {
    match doc.syntax {
        Some(Syntax::Ivr) => {}
        Some(Syntax::Yaml) => return Some(super::complete_yaml::completion(doc, position)),
        None => return None,
    }
    let offset = doc.lines.offset(&doc.text, position);
    let index = doc.index();
    let before = &doc.text[doc.lines.line_start(offset)..offset];
    let before = before.rsplit(';').next().unwrap_or(before);
    let line = tokens(before);
    let word = |t: &Token| &before[t.span.start as usize..t.span.end as usize];
    let first = line.first().filter(|t| t.tok == Tok::Word).map(word);
    let unit = index.unit_at(offset);
    let frame = index.block_at(offset).map(|b| b.frame);

    if let Some(hole) = open_string(before) {
        return Some(match hole {
            InString::Hole => values_in_scope(index, unit),
            InString::Text => string_choices(doc, index, unit, frame, first),
        });
    }
    if let Some(arrow) = line.iter().position(|t| t.tok == Tok::Arrow) {
        // `exit -> |`, or the target's name being typed.
        return (line.len() <= arrow + 2).then(|| targets(index, unit));
    }
    let typing = match line.last() {
        Some(t) if t.tok == Tok::Word && t.span.end as usize == before.len() => 1,
        _ => 0,
    };
    let done = &line[..line.len() - typing];
    match (frame, first, done.len()) {
        (_, Some("when"), _) => return Some(values_in_scope(index, unit)),
        (Some(Frame::Node(..)), _, n) if n >= 2 && done[1].tok == Tok::Assign => {
            return Some(values_in_scope(index, unit));
        }
        (Some(Frame::Unit(_)), Some("start"), 1) => return Some(targets(index, unit)),
        (Some(Frame::Unit(_)), Some("var" | "param"), _)
            if done.last().is_some_and(|t| t.tok == Tok::Colon) =>
        {
            return Some(words(TYPES, CompletionItemKind::TYPE_PARAMETER, "type"));
        }
        (Some(Frame::Node(..)), Some("into"), 1) => return Some(variables(index, unit)),
        (Some(Frame::Node(..)), Some("module"), 1) => return Some(modules(index)),
        _ => {}
    }
    if !done.is_empty() {
        // A property's value: its fixed choices, if it has any.
        let choices = CHOICES.iter().find(|(key, _)| Some(*key) == first);
        return choices.map(|(_, values)| words(values, CompletionItemKind::ENUM_MEMBER, "value"));
    }
    Some(match frame {
        None => words(
            &["flow", "module"],
            CompletionItemKind::KEYWORD,
            "a file's unit",
        ),
        Some(Frame::Unit(u)) => unit_items(index, u),
        Some(Frame::Node(u, n)) => node_items(index, u, n),
        Some(Frame::Value { .. }) => languages(),
    })
}

enum InString {
    /// Inside `{…}` of a template.
    Hole,
    Text,
}

/// Is the end of `line` inside a string, and inside a `{…}` hole there?
fn open_string(line: &str) -> Option<InString> {
    let mut open = None;
    let mut chars = line.char_indices();
    let mut hole = false;
    while let Some((i, c)) = chars.next() {
        match (open, c) {
            (None, '#') => return None,
            (None, '"') => {
                open = Some(i);
                hole = false;
            }
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(_), '"') => open = None,
            (Some(_), '{') => hole = true,
            (Some(_), '}') => hole = false,
            _ => {}
        }
    }
    open.map(|_| if hole { InString::Hole } else { InString::Text })
}

fn string_choices(
    doc: &Doc,
    index: &Index,
    unit: Option<usize>,
    frame: Option<Frame>,
    first: Option<&str>,
) -> Vec<CompletionItem> {
    let flow_language = || unit.and_then(|u| index.units[u].language.clone());
    let value_key = match frame {
        Some(Frame::Value { key_span: Some(s) }) => {
            Some(&doc.text[s.start as usize..s.end as usize])
        }
        _ => None,
    };
    match (value_key, first) {
        // `voice { hi-IN "|" }`: the voices of that language.
        (Some("voice"), Some(tag)) => voices_of(tag),
        (_, Some("language")) => languages(),
        (_, Some("timezone")) => time_zones(),
        (_, Some("voice")) => flow_language().map(|l| voices_of(&l)).unwrap_or_default(),
        _ => Vec::new(),
    }
}

pub(super) fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..Default::default()
    }
}

pub(super) fn documented(mut item: CompletionItem, doc: Option<String>) -> CompletionItem {
    item.documentation = doc.map(|value| {
        Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        })
    });
    item
}

pub(super) fn words(words: &[&str], kind: CompletionItemKind, detail: &str) -> Vec<CompletionItem> {
    words.iter().map(|w| item(w, kind, detail)).collect()
}

fn unit_items(index: &Index, u: usize) -> Vec<CompletionItem> {
    let kinds = language::KINDS.iter().map(|k| {
        let it = item(k.kind, CompletionItemKind::CLASS, "node kind");
        documented(it, language::kind_doc(k.kind).map(str::to_string))
    });
    let head = if index.units[u].module {
        MODULE_HEAD
            .iter()
            .chain(&["var"])
            .copied()
            .collect::<Vec<_>>()
    } else {
        HEADER.to_vec()
    };
    let settings = head.into_iter().map(|w| {
        let it = item(w, CompletionItemKind::KEYWORD, "setting");
        documented(it, language::property_doc(None, w))
    });
    kinds.chain(settings).collect()
}

/// The properties and the exits not yet written of the node's kind.
fn node_items(index: &Index, u: usize, n: usize) -> Vec<CompletionItem> {
    let node = &index.units[u].nodes[n];
    let Some(kind) = language::kind(&node.kind) else {
        return Vec::new();
    };
    let properties = kind.properties.iter().map(|p| {
        let it = item(
            p,
            CompletionItemKind::PROPERTY,
            &format!("{} property", kind.kind),
        );
        documented(it, language::property_doc(Some(kind.kind), p))
    });
    let mut exits: Vec<&str> = kind
        .exits
        .iter()
        .chain(kind.optional_exits)
        .copied()
        .collect();
    if kind.kind == "branch" {
        exits.push("when");
    }
    let exits = exits
        .into_iter()
        .filter(|e| !node.exits.iter().any(|w| w == e))
        .map(|e| {
            let mut it = item(e, CompletionItemKind::FIELD, &format!("{} exit", kind.kind));
            it.insert_text = Some(if e == "when" {
                "when ".to_string()
            } else {
                format!("{e} -> ")
            });
            it
        });
    properties.chain(exits).collect()
}

fn targets(index: &Index, unit: Option<usize>) -> Vec<CompletionItem> {
    let Some(unit) = unit.map(|u| &index.units[u]) else {
        return Vec::new();
    };
    let nodes = unit.nodes.iter().map(|n| {
        let detail = format!("{} node", n.kind);
        documented(
            item(&n.name, CompletionItemKind::REFERENCE, &detail),
            n.prompt.as_ref().map(|p| format!("“{p}”")),
        )
    });
    let returns = unit.returns.iter().map(|r| {
        item(
            &format!("return {r}"),
            CompletionItemKind::KEYWORD,
            "module return",
        )
    });
    nodes.chain(returns).collect()
}

fn variables(index: &Index, unit: Option<usize>) -> Vec<CompletionItem> {
    let Some(unit) = unit.map(|u| &index.units[u]) else {
        return Vec::new();
    };
    unit.vars
        .iter()
        .map(|v| item(&v.name, CompletionItemKind::VARIABLE, &v.ty))
        .collect()
}

/// Variables and the built-in values (`call.from`…).
fn values_in_scope(index: &Index, unit: Option<usize>) -> Vec<CompletionItem> {
    let mut items = variables(index, unit);
    items.extend(words(BUILTINS, CompletionItemKind::CONSTANT, "built-in"));
    items
}

fn modules(index: &Index) -> Vec<CompletionItem> {
    let modules = index.units.iter().filter(|u| u.module);
    modules
        .map(|m| item(&m.name, CompletionItemKind::MODULE, "module"))
        .collect()
}

fn languages() -> Vec<CompletionItem> {
    words(
        &voices::spoken_languages(),
        CompletionItemKind::ENUM_MEMBER,
        "language",
    )
}

fn voices_of(language: &str) -> Vec<CompletionItem> {
    let detail = format!("voice for {language}");
    voices::speaking(language)
        .iter()
        .map(|v| item(v, CompletionItemKind::ENUM_MEMBER, &detail))
        .collect()
}

fn time_zones() -> Vec<CompletionItem> {
    jiff::tz::db()
        .available()
        .map(|name| item(name.as_str(), CompletionItemKind::ENUM_MEMBER, "time zone"))
        .collect()
}
