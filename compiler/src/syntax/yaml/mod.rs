//! YAML flow files → the same AST the `.ivr` parser builds (docs/LANGUAGE.md, "YAML").
//!
//! serde_yaml (this is the only module that names it) reads the text into a
//! generic value; [`locate`] finds where each part of it was written; this
//! module and [`node`] walk both together. Shape errors (a list where a map
//! belongs, a `when` without `go`, …) are all collected, not just the first.
//! Which properties, exits and settings a node or flow accepts is the
//! checker's business: everything else here becomes a generic property with
//! exact spans, so the checker's "unknown field" points at the right line.

pub mod locate;
mod node;
pub mod shape;
#[cfg(test)]
mod tests;

use serde_yaml::{Mapping, Value as Yaml};

use super::ast::*;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::{LineIndex, Span, Spanned};
use locate::Loc;
pub use shape::schema;
use shape::{FLOW_PARTS, UNIT_KEYS, VAR_KEYS};

/// Parse a YAML flow file. `Err` holds a YAML syntax error (E001), or every
/// shape error found.
pub fn parse(text: &str) -> Result<File, Vec<Diagnostic>> {
    let doc: Yaml = serde_yaml::from_str(text).map_err(|e| vec![syntax_error(text, &e)])?;
    let root = locate::locate(text);
    let mut cx = Cx {
        text,
        diagnostics: Vec::new(),
    };
    let file = cx.file(&doc, &root);
    if cx.diagnostics.is_empty() {
        Ok(file)
    } else {
        Err(cx.diagnostics)
    }
}

/// A serde_yaml error: where it says, in the words it says, minus the position.
fn syntax_error(text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let full = e.to_string();
    let mut message = full
        .split(" at line ")
        .next()
        .unwrap_or(&full)
        .trim()
        .to_string();
    let mut at = e
        .location()
        .and_then(|l| {
            let line_start = LineIndex::new(text).line_start(l.line())? as usize;
            let line = &text[line_start..];
            let line = &line[..line.find('\n').unwrap_or(line.len())];
            let col = line
                .char_indices()
                .nth(l.column().saturating_sub(1))
                .map_or(line.len(), |(i, _)| i);
            Some(line_start + col)
        })
        .unwrap_or(0);
    let mut width = text[at..].chars().next().map_or(0, char::len_utf8);
    let help = if let Some((_, key)) = message.split_once("duplicate entry with key ") {
        // serde_yaml points at the mapping; point at the second use of the key.
        let key = key.trim_matches('"').to_string();
        if let Some(span) = second_key(&locate::locate(text), at, &key) {
            (at, width) = (span.start as usize, span.len());
        }
        message = format!("duplicate key `{key}`");
        "each key may appear only once in a mapping"
    } else if message.contains("more than one document") {
        "a flow file holds one YAML document: remove the `---` line that starts a second one"
    } else if text[at..].starts_with('\t') {
        "YAML indents with spaces, not tabs"
    } else {
        "check the indentation here and on the line above; quote text that starts with \
         one of `{ [ * & ! | > @ %` or that contains `: `"
    };
    Diagnostic::new(Code::Syntax, format!("invalid YAML: {message}"))
        .label(Span::new(at, at + width), "here")
        .help(help)
}

/// The second `key` of the mapping that starts at byte `map_start`.
fn second_key(loc: &Loc, map_start: usize, key: &str) -> Option<Span> {
    let mut stack = vec![loc];
    while let Some(loc) = stack.pop() {
        match &loc.shape {
            locate::Shape::Map(entries) => {
                let second = entries.iter().filter(|e| e.key == key).nth(1);
                if let Some(e) = second.filter(|_| loc.span.start as usize == map_start) {
                    return Some(e.key_span);
                }
                stack.extend(entries.iter().map(|e| &e.value));
            }
            locate::Shape::Seq(items) => stack.extend(items),
            _ => {}
        }
    }
    None
}

/// The conversion's state: the source and what went wrong so far.
struct Cx<'t> {
    text: &'t str,
    diagnostics: Vec<Diagnostic>,
}

/// One entry of a mapping with its spans. `key` is `None` when the key is
/// not a scalar (which is reported).
struct Field<'a> {
    key: Option<String>,
    raw_key: &'a Yaml,
    key_span: Span,
    span: Span,
    value: &'a Yaml,
    at: &'a Loc,
}

impl Cx<'_> {
    fn error(&mut self, code: Code, span: Span, message: String, label: &str, help: &str) {
        self.diagnostics
            .push(Diagnostic::new(code, message).label(span, label).help(help));
    }

    /// The entries of a mapping, with spans; keys that are not text are reported.
    fn fields<'a>(&mut self, map: &'a Mapping, at: &'a Loc) -> Vec<Field<'a>> {
        let mut fields = Vec::with_capacity(map.len());
        for (index, (raw_key, value)) in map.iter().enumerate() {
            let key = scalar_text(raw_key);
            let found = at.entry(index, key.as_deref().unwrap_or(""));
            if key.is_none() {
                self.error(
                    Code::InvalidValue,
                    found.key_span,
                    "a key must be a word".into(),
                    "not a word",
                    "write keys as plain words: `text: Hello`",
                );
            }
            fields.push(Field {
                key,
                raw_key,
                key_span: found.key_span,
                span: found.span,
                value,
                at: found.value,
            });
        }
        fields
    }

    /// `value` as a mapping: `None` (reported) when it is something else; an
    /// empty `key:` is an empty mapping.
    fn mapping<'a>(
        &mut self,
        what: &str,
        value: &'a Yaml,
        at: &Loc,
        help: &str,
    ) -> Option<&'a Mapping> {
        static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
        match value {
            Yaml::Mapping(m) => Some(m),
            Yaml::Null => Some(EMPTY.get_or_init(Mapping::new)),
            other => {
                self.error(
                    Code::InvalidValue,
                    at.span,
                    format!("`{what}` must be a mapping, not {}", describe(other)),
                    "expected `name: value` lines",
                    help,
                );
                None
            }
        }
    }

    /// `value` as a list; an empty `key:` is an empty list.
    fn list<'a>(
        &mut self,
        what: &str,
        value: &'a Yaml,
        at: &Loc,
        help: &str,
    ) -> Option<&'a [Yaml]> {
        match value {
            Yaml::Sequence(items) => Some(items),
            Yaml::Null => Some(&[]),
            other => {
                self.error(
                    Code::InvalidValue,
                    at.span,
                    format!("`{what}` must be a list, not {}", describe(other)),
                    "expected `- ` entries",
                    help,
                );
                None
            }
        }
    }

    /// A name (node, variable, module, return): a word of letters, digits and `_`.
    fn name(&mut self, what: &str, value: &Yaml, at: &Loc) -> Option<Spanned<String>> {
        let text = match value {
            Yaml::String(s) => s.trim(),
            other => {
                self.error(
                    Code::InvalidValue,
                    at.span,
                    format!("{what} must be a name, not {}", describe(other)),
                    "expected a name",
                    "names are letters, digits and `_`, starting with a letter: `ask_order`",
                );
                return None;
            }
        };
        if !is_ident(text) {
            self.error(
                Code::InvalidValue,
                at.span,
                format!("`{text}` is not a valid {what}"),
                "not a name",
                "names are letters, digits and `_`, starting with a letter: `ask_order`",
            );
            return None;
        }
        Some(Spanned::new(text.to_string(), at.span))
    }

    fn file(&mut self, doc: &Yaml, root: &Loc) -> File {
        let map = match doc {
            Yaml::Null => return File::default(),
            Yaml::Mapping(map) => map,
            other => {
                self.error(
                    Code::InvalidValue,
                    root.span,
                    format!("a flow file is a mapping, not {}", describe(other)),
                    "expected `flow: NAME`, `nodes:`, …",
                    "start the file with `flow: my_flow` (see docs/LANGUAGE.md, YAML)",
                );
                return File::default();
            }
        };
        let mut flow = empty_unit(UnitKind::Flow, root.span);
        let mut flow_name = None;
        // The first key that only a flow has, for "this flow has no name".
        let mut flow_part = None;
        let mut modules = Vec::new();
        for field in self.fields(map, root) {
            let Some(key) = field.key.as_deref() else {
                continue;
            };
            match key {
                "flow" => flow_name = self.name("flow name", field.value, field.at),
                "modules" => modules = self.modules(&field),
                "vars" => flow.vars = self.vars(&field, true),
                "start" => flow.start = self.name("start node", field.value, field.at),
                "nodes" => flow.nodes = self.nodes(&field),
                // Settings are words and lists of words, never mappings or
                // lists of them: such a key is a misspelt part of the flow.
                _ if matches!(field.value, Yaml::Mapping(_) | Yaml::Sequence(_))
                    && did_you_mean(key, FLOW_PARTS.iter().copied()).is_some() =>
                {
                    self.unknown_key(key, "a flow", FLOW_PARTS, field.key_span);
                }
                _ => flow.settings.extend(self.properties(key, &field)),
            }
            if key != "flow" && key != "modules" {
                flow_part.get_or_insert(field.key_span);
            }
        }
        let mut units = Vec::new();
        match (flow_name, flow_part) {
            (Some(name), _) => {
                flow.name = name;
                units.push(flow);
            }
            (None, Some(span)) if !map.contains_key("flow") => self.error(
                Code::MissingField,
                span,
                "this file has flow parts but no `flow:` name".into(),
                "belongs to a flow",
                "add `flow: my_flow` at the top (a file of modules only holds just `modules:`)",
            ),
            _ => {}
        }
        units.extend(modules);
        File { units }
    }

    fn modules(&mut self, field: &Field) -> Vec<Unit> {
        let help = "each module is `- module: NAME` with `params:`, `returns:`, `start:`, `nodes:`";
        let Some(items) = self.list("modules", field.value, field.at, help) else {
            return Vec::new();
        };
        let mut units = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let at = field.at.item(index);
            let Some(map) = self.mapping("module", item, at, help) else {
                continue;
            };
            let mut unit = empty_unit(UnitKind::Module, at.span);
            let mut name = None;
            for f in self.fields(map, at) {
                let Some(key) = f.key.as_deref() else {
                    continue;
                };
                match key {
                    "module" => name = self.name("module name", f.value, f.at),
                    "params" => unit.params = self.vars(&f, false),
                    "returns" => unit.returns = self.returns(&f),
                    "vars" => unit.vars = self.vars(&f, true),
                    "start" => unit.start = self.name("start node", f.value, f.at),
                    "nodes" => unit.nodes = self.nodes(&f),
                    other => self.unknown_key(other, "a module", UNIT_KEYS, f.key_span),
                }
            }
            match name {
                Some(name) => {
                    unit.name = name;
                    units.push(unit);
                }
                None if !map.contains_key("module") => self.error(
                    Code::MissingField,
                    at.span,
                    "this module has no `module:` name".into(),
                    "module without a name",
                    "start each module with `- module: NAME`",
                ),
                None => {}
            }
        }
        units
    }

    fn unknown_key(&mut self, key: &str, place: &str, known: &[&str], span: Span) {
        let help = did_you_mean(key, known.iter().copied()).unwrap_or_else(|| {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("{place} takes {}", list.join(", "))
        });
        self.error(
            Code::UnknownField,
            span,
            format!("unknown field `{key}` in {place}"),
            "unknown field",
            &help,
        );
    }

    /// `vars:` (with defaults) or `params:` (without): `name: type` or
    /// `name: { type: number, default: 0 }`.
    fn vars(&mut self, field: &Field, defaults: bool) -> Vec<VarDecl> {
        let what = if defaults { "vars" } else { "params" };
        let help = if defaults {
            "write `name: type` or `name: { type: number, default: 0 }`"
        } else {
            "write `name: type`"
        };
        let Some(map) = self.mapping(what, field.value, field.at, help) else {
            return Vec::new();
        };
        let mut decls = Vec::new();
        for f in self.fields(map, field.at) {
            let Some(key) = &f.key else { continue };
            let name = self.name(
                "variable name",
                &Yaml::String(key.clone()),
                &span_loc(f.key_span),
            );
            let mut ty = None;
            let mut default = None;
            let mut fields = Vec::new();
            match f.value {
                Yaml::String(_) => ty = self.name("type", f.value, f.at),
                Yaml::Mapping(spec) => {
                    // `params` take no default.
                    let known = if defaults { VAR_KEYS } else { &VAR_KEYS[..2] };
                    for g in self.fields(spec, f.at) {
                        match g.key.as_deref() {
                            Some("type") => ty = self.name("type", g.value, g.at),
                            Some("fields") => fields = self.shape(&g),
                            Some("default") if defaults => default = self.default(g.value, g.at),
                            Some(other) => self.unknown_key(other, "a variable", known, g.key_span),
                            None => {}
                        }
                    }
                    if !spec.contains_key("type") {
                        self.error(
                            Code::MissingField,
                            f.span,
                            format!("variable `{key}` has no `type`"),
                            "no type",
                            "add `type: string` (or number, digits, bool, json)",
                        );
                    }
                }
                other => self.error(
                    Code::InvalidValue,
                    f.at.span,
                    format!(
                        "the type of `{key}` must be a name, not {}",
                        describe(other)
                    ),
                    "expected a type",
                    help,
                ),
            }
            if let (Some(name), Some(ty)) = (name, ty) {
                decls.push(VarDecl {
                    name,
                    ty,
                    fields,
                    default,
                    span: f.span,
                });
            }
        }
        decls
    }

    /// `fields: { status: string, customer.name: string }` of a json variable.
    fn shape(&mut self, field: &Field) -> Vec<FieldDecl> {
        let Some(map) = self.mapping(
            "fields",
            field.value,
            field.at,
            "write `fields: { status: string, total: number }`",
        ) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in self.fields(map, field.at) {
            let Some(key) = &f.key else { continue };
            if let Some(ty) = self.name("type", f.value, f.at) {
                out.push(FieldDecl {
                    path: Spanned::new(key.clone(), f.key_span),
                    ty,
                });
            }
        }
        out
    }

    /// A variable's default: one scalar. `null` is written `Word("null")`, as `.ivr` does.
    fn default(&mut self, value: &Yaml, at: &Loc) -> Option<Spanned<Value>> {
        let v = match value {
            Yaml::Null => Value::Word("null".into()),
            _ => self.scalar_value(value, at)?,
        };
        Some(Spanned::new(v, at.span))
    }

    fn returns(&mut self, field: &Field) -> Vec<Spanned<String>> {
        match field.value {
            Yaml::Sequence(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.name("return", item, field.at.item(i)))
                .collect(),
            single => self.name("return", single, field.at).into_iter().collect(),
        }
    }
}

fn empty_unit(kind: UnitKind, span: Span) -> Unit {
    Unit {
        kind,
        name: Spanned::new(String::new(), span),
        span,
        settings: Vec::new(),
        vars: Vec::new(),
        params: Vec::new(),
        returns: Vec::new(),
        start: None,
        nodes: Vec::new(),
    }
}

/// A location that is only a span (for names taken from keys).
fn span_loc(span: Span) -> Loc {
    Loc {
        span,
        shape: locate::Shape::Unknown,
    }
}

/// A scalar key or value as text.
fn scalar_text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What a YAML value is, for messages.
fn describe(value: &Yaml) -> &'static str {
    match value {
        Yaml::Null => "empty",
        Yaml::Bool(_) => "true/false",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "text",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a mapping",
        Yaml::Tagged(_) => "a tagged value",
    }
}
