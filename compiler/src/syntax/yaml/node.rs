//! YAML nodes → AST nodes: the kind key, `exits:`, `when:`, `assign:`/`with:`,
//! and every other key as a property; values and expressions.

use serde_yaml::Value as Yaml;

use super::locate::Loc;
use super::shape::{ITEM_KEYS, WHEN_KEYS, assign_word};
use super::{Cx, Field, describe, is_ident, scalar_text};
use crate::diagnostic::{Code, did_you_mean};
use crate::source::{Span, Spanned};
use crate::syntax::ast::*;

/// Longer expressions are refused rather than risk deep recursion further on;
/// a flow that needs one should split it over `set` nodes.
const MAX_EXPR_LEN: usize = 1024;
const MAX_EXPR_NESTING: usize = 32;

const NODE_HELP: &str = "a node is `- KIND: NAME` followed by its properties and `exits:`";

impl Cx<'_> {
    pub(super) fn nodes(&mut self, field: &Field) -> Vec<Node> {
        let Some(items) = self.list("nodes", field.value, field.at, NODE_HELP) else {
            return Vec::new();
        };
        let mut nodes = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let at = field.at.item(index);
            if let Some(node) = self.node(item, at) {
                nodes.push(node);
            }
        }
        nodes
    }

    fn node(&mut self, value: &Yaml, at: &Loc) -> Option<Node> {
        let map = match value {
            Yaml::Mapping(map) => map,
            other => {
                self.error(
                    Code::InvalidValue,
                    at.span,
                    format!("a node must be a mapping, not {}", describe(other)),
                    "not a node",
                    NODE_HELP,
                );
                return None;
            }
        };
        let fields = self.fields(map, at);
        let kind_at = self.kind_field(&fields, at.span)?;
        let kind_field = &fields[kind_at];
        let kind = kind_field.key.clone().unwrap_or_default();
        let name = self.name(
            &format!("{kind} node name"),
            kind_field.value,
            kind_field.at,
        );
        let mut items = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            let Some(key) = f.key.as_deref() else {
                continue;
            };
            match key {
                _ if i == kind_at => {}
                "exits" => self.exits(f, &mut items),
                "when" => self.whens(f, &mut items),
                "assign" | "with" => {
                    let wanted = assign_word(&kind);
                    if key != wanted {
                        self.error(
                            Code::UnknownField,
                            f.key_span,
                            format!("a {kind} node takes `{wanted}:`, not `{key}:`"),
                            "wrong word",
                            "`assign:` sets variables in a `set` node; `with:` passes a module's parameters in a `run` node",
                        );
                    }
                    self.assigns(f, &mut items);
                }
                _ => items.extend(self.properties(key, f).into_iter().map(Item::Property)),
            }
        }
        Some(Node {
            kind: Spanned::new(kind, kind_field.key_span),
            name: name?,
            items,
            span: at.span,
        })
    }

    /// Which field names the node's kind. A property may share a kind's name
    /// (`record: true` in a transfer), so when several kind keys appear, only
    /// those whose value is a name count.
    fn kind_field(&mut self, fields: &[Field], node_span: Span) -> Option<usize> {
        let is_kind = |f: &Field| f.key.as_deref().is_some_and(|k| NODE_KINDS.contains(&k));
        let mut kinds: Vec<usize> = (0..fields.len()).filter(|&i| is_kind(&fields[i])).collect();
        if kinds.len() > 1 {
            kinds.retain(|&i| matches!(fields[i].value, Yaml::String(_)));
        }
        match kinds.as_slice() {
            [one] => Some(*one),
            [] => {
                let kinds_list = NODE_KINDS.join(", ");
                let guess = fields.iter().find_map(|f| {
                    let key = f.key.as_deref()?;
                    if ITEM_KEYS.contains(&key) {
                        return None;
                    }
                    Some((
                        key,
                        f.key_span,
                        did_you_mean(key, NODE_KINDS.iter().copied())?,
                    ))
                });
                let diagnostic = match guess {
                    Some((key, span, help)) => (span, format!("unknown node kind `{key}`"), help),
                    None => (
                        fields.first().map_or(node_span, |f| f.key_span),
                        "this node has no kind".to_string(),
                        format!(
                            "start the node with its kind and name: `- say: welcome`; kinds are {kinds_list}"
                        ),
                    ),
                };
                self.error(
                    Code::UnknownKind,
                    diagnostic.0,
                    diagnostic.1,
                    "expected a node kind",
                    &diagnostic.2,
                );
                None
            }
            [first, second, ..] => {
                let (a, b) = (&fields[*first], &fields[*second]);
                self.error(
                    Code::UnknownKind,
                    b.key_span,
                    format!(
                        "this node has two kinds, `{}` and `{}`",
                        a.key.as_deref().unwrap_or(""),
                        b.key.as_deref().unwrap_or("")
                    ),
                    "second kind",
                    "write one node per list entry, each starting with `- `",
                );
                None
            }
        }
    }

    fn exits(&mut self, field: &Field, items: &mut Vec<Item>) {
        let help = "write exits as a mapping: `exits: { next: main, \"1\": sales }`";
        let Some(map) = self.mapping("exits", field.value, field.at, help) else {
            return;
        };
        for f in self.fields(map, field.at) {
            let Some(written) = f.key.clone() else {
                continue;
            };
            // `"2, sales, sell something": sales` — a menu choice's entries.
            let mut entries = entries(&written).into_iter();
            let key = entries.next().unwrap_or_default();
            let also = entries.map(|e| Spanned::new(e, f.key_span)).collect();
            let name = match f.raw_key {
                Yaml::Number(_) => ExitName::Key(key),
                _ if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#') =>
                {
                    ExitName::Key(key)
                }
                // `.ivr` can only write it quoted: `"1000-1019"`, `"sell something"`.
                _ if !is_ident(&key) => ExitName::Key(key),
                _ => ExitName::Word(key),
            };
            if let Some(target) = self.target(f.value, f.at) {
                items.push(Item::Exit(Exit {
                    name: Spanned::new(name, f.key_span),
                    also,
                    target,
                    span: f.span,
                }));
            }
        }
    }

    /// `main` or `return ok`.
    fn target(&mut self, value: &Yaml, at: &Loc) -> Option<Spanned<Target>> {
        let help = "an exit goes to a node name, or in a module to `return NAME`";
        let Yaml::String(text) = value else {
            self.error(
                Code::InvalidValue,
                at.span,
                format!(
                    "an exit target must be a node name, not {}",
                    describe(value)
                ),
                "expected a node name",
                help,
            );
            return None;
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let target = match words.as_slice() {
            ["return", name] if is_ident(name) => Target::Return(name.to_string()),
            [name] if is_ident(name) => Target::Node(name.to_string()),
            _ => {
                self.error(
                    Code::InvalidValue,
                    at.span,
                    format!("`{text}` is not a node name"),
                    "expected a node name",
                    help,
                );
                return None;
            }
        };
        Some(Spanned::new(target, at.span))
    }

    fn whens(&mut self, field: &Field, items: &mut Vec<Item>) {
        let help =
            "write `when:` as a list: `- if: order.status == \"shipped\"` then `go: shipped`";
        let Some(entries) = self.list("when", field.value, field.at, help) else {
            return;
        };
        for (index, entry) in entries.iter().enumerate() {
            let at = field.at.item(index);
            let Some(map) = self.mapping("when entry", entry, at, help) else {
                continue;
            };
            let (mut condition, mut target) = (None, None);
            for f in self.fields(map, at) {
                match f.key.as_deref() {
                    Some("if") => condition = self.expr(f.value, f.at),
                    Some("go") => target = self.target(f.value, f.at),
                    Some(other) => self.unknown_key(other, "a `when` entry", WHEN_KEYS, f.key_span),
                    None => {}
                }
            }
            for &missing in WHEN_KEYS {
                if !map.contains_key(missing) {
                    self.error(
                        Code::MissingField,
                        at.span,
                        format!("this `when` entry has no `{missing}`"),
                        "incomplete",
                        help,
                    );
                }
            }
            if let (Some(condition), Some(target)) = (condition, target) {
                items.push(Item::When(When {
                    condition,
                    target,
                    span: at.span,
                }));
            }
        }
    }

    fn assigns(&mut self, field: &Field, items: &mut Vec<Item>) {
        let help = "write one `variable: expression` per line; text is quoted twice: `greeting: '\"Hello\"'`";
        let what = field.key.as_deref().unwrap_or("assign");
        let Some(map) = self.mapping(what, field.value, field.at, help) else {
            return;
        };
        for f in self.fields(map, field.at) {
            let Some(key) = &f.key else { continue };
            let var = self.name(
                "variable name",
                &Yaml::String(key.clone()),
                &super::span_loc(f.key_span),
            );
            let value = self.expr(f.value, f.at);
            if let (Some(var), Some(value)) = (var, value) {
                items.push(Item::Assign(Assign {
                    var,
                    value,
                    span: f.span,
                }));
            }
        }
    }

    /// An expression: a YAML string is parsed as one (so text needs its own
    /// quotes inside the YAML string); numbers, true/false and null are literals.
    fn expr(&mut self, value: &Yaml, at: &Loc) -> Option<Expr> {
        let kind = match value {
            Yaml::String(source) => return self.parse_expr(source, at),
            Yaml::Number(n) => ExprKind::Number(n.as_f64().unwrap_or(f64::NAN)),
            Yaml::Bool(b) => ExprKind::Bool(*b),
            Yaml::Null => ExprKind::Null,
            other => {
                self.error(
                    Code::InvalidValue,
                    at.span,
                    format!("an expression must be one value, not {}", describe(other)),
                    "expected an expression",
                    "write an expression as text: `attempts + 1`, `order.status == \"shipped\"`",
                );
                return None;
            }
        };
        Some(Expr {
            kind,
            span: at.span,
        })
    }

    fn parse_expr(&mut self, source: &str, at: &Loc) -> Option<Expr> {
        let mut depth = 0usize;
        let max_depth = source
            .bytes()
            .map(|c| {
                match c {
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                depth
            })
            .max()
            .unwrap_or(0);
        if source.len() > MAX_EXPR_LEN || max_depth > MAX_EXPR_NESTING {
            self.error(
                Code::InvalidValue,
                at.span,
                "this expression is too long or too deeply nested".into(),
                "too complex",
                "split it over several `set` nodes",
            );
            return None;
        }
        match crate::syntax::expr::parse(source, at.content_start()) {
            Ok(mut e) => {
                clamp(&mut e, self.text.len() as u32);
                Some(e)
            }
            Err(d) => {
                self.diagnostics.push(d);
                None
            }
        }
    }

    /// The properties a key gives: one, except `header`/`param`/`percent`
    /// mappings, which give one per entry (`header "Name" "value"`,
    /// `percent new 10` in `.ivr`).
    pub(super) fn properties(&mut self, key: &str, field: &Field) -> Vec<Property> {
        let key_spanned = Spanned::new(key.to_string(), field.key_span);
        match field.value {
            // A split's shares are numbers, not text.
            Yaml::Mapping(map) if key == "percent" => {
                let mut props = Vec::new();
                for f in self.fields(map, field.at) {
                    let Some(name) = f.key.clone() else { continue };
                    let Some(value) = self.scalar_value(f.value, f.at) else {
                        continue;
                    };
                    props.push(Property {
                        key: key_spanned.clone(),
                        values: vec![
                            Spanned::new(Value::Str(name), f.key_span),
                            Spanned::new(value, f.at.span),
                        ],
                        span: f.span,
                    });
                }
                props
            }
            Yaml::Mapping(map) if key == "header" || key == "param" => {
                let mut props = Vec::new();
                for f in self.fields(map, field.at) {
                    let Some(name) = f.key.clone() else { continue };
                    let Some(value) = self.text_value(f.value, f.at) else {
                        continue;
                    };
                    props.push(Property {
                        key: key_spanned.clone(),
                        values: vec![
                            Spanned::new(Value::Str(name), f.key_span),
                            Spanned::new(Value::Str(value), f.at.span),
                        ],
                        span: f.span,
                    });
                }
                props
            }
            // `result: { intent: [billing, support], slots: json }`: one
            // `result NAME …` per entry; a list is the field's texts, a
            // scalar its type word (as `.ivr` writes `result slots json`).
            Yaml::Mapping(map) if key == "result" => {
                let mut props = Vec::new();
                for f in self.fields(map, field.at) {
                    let Some(name) = f.key.clone() else { continue };
                    let mut values = vec![Spanned::new(Value::Str(name), f.key_span)];
                    match f.value {
                        Yaml::Sequence(items) => {
                            for (i, item) in items.iter().enumerate() {
                                let at = f.at.item(i);
                                if let Some(text) = self.text_value(item, at) {
                                    values.push(Spanned::new(Value::Str(text), at.span));
                                }
                            }
                        }
                        Yaml::String(word) => {
                            values.push(Spanned::new(Value::Word(word.clone()), f.at.span));
                        }
                        other => {
                            if let Some(v) = self.value(other, f.at) {
                                values.push(v);
                            }
                        }
                    }
                    props.push(Property {
                        key: key_spanned.clone(),
                        values,
                        span: f.span,
                    });
                }
                props
            }
            // `transcribe: { into: message_text }`: `.ivr`'s `transcribe
            // into message_text`.
            Yaml::Mapping(map) if key == "transcribe" => {
                let mut values = Vec::new();
                for f in self.fields(map, field.at) {
                    let Some(word) = f.key.clone() else { continue };
                    values.push(Spanned::new(Value::Word(word), f.key_span));
                    if let Some(var) = self.text_value(f.value, f.at) {
                        values.push(Spanned::new(Value::Word(var), f.at.span));
                    }
                }
                vec![Property {
                    key: key_spanned,
                    values,
                    span: field.span,
                }]
            }
            // A list of lists: one property per item (`reprompt: [[Sorry.,
            // {pause: 1s}, Press 1.], Last try.]` is two reprompt lines).
            Yaml::Sequence(items) if items.iter().any(|i| matches!(i, Yaml::Sequence(_))) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let at = field.at.item(i);
                    let values = match item {
                        Yaml::Sequence(inner) => inner
                            .iter()
                            .enumerate()
                            .filter_map(|(j, v)| self.value(v, at.item(j)))
                            .collect(),
                        single => self.value(single, at).into_iter().collect(),
                    };
                    Property {
                        key: key_spanned.clone(),
                        values,
                        span: at.span,
                    }
                })
                .collect(),
            Yaml::Sequence(items) => {
                let values = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.value(item, field.at.item(i)))
                    .collect();
                vec![Property {
                    key: key_spanned,
                    values,
                    span: field.span,
                }]
            }
            Yaml::Null => vec![Property {
                key: key_spanned,
                values: Vec::new(),
                span: field.span,
            }],
            single => vec![Property {
                key: key_spanned,
                values: self.value(single, field.at).into_iter().collect(),
                span: field.span,
            }],
        }
    }

    /// One property value: a scalar, or a mapping of language → text.
    fn value(&mut self, value: &Yaml, at: &Loc) -> Option<Spanned<Value>> {
        let v = match value {
            Yaml::Mapping(map) => {
                let mut texts = Vec::new();
                for f in self.fields(map, at) {
                    let Some(lang) = f.key.clone() else { continue };
                    if let Some(text) = self.text_value(f.value, f.at) {
                        texts.push((
                            Spanned::new(lang, f.key_span),
                            Spanned::new(text, f.at.span),
                        ));
                    }
                }
                Value::Localized(texts)
            }
            _ => self.scalar_value(value, at)?,
        };
        Some(Spanned::new(v, at.span))
    }

    /// A scalar: numbers, true/false, durations (`5s`), text. A number
    /// written with a leading `+` is a phone number, kept as text.
    pub(super) fn scalar_value(&mut self, value: &Yaml, at: &Loc) -> Option<Value> {
        Some(match value {
            Yaml::Number(n) => {
                let source = self
                    .text
                    .get(at.span.start as usize..at.span.end as usize)
                    .unwrap_or("");
                if source.starts_with('+') {
                    Value::Str(source.to_string())
                } else {
                    Value::Number(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Yaml::Bool(b) => Value::Bool(*b),
            Yaml::String(s) if is_duration(s) => {
                Value::Duration(crate::syntax::ivr::duration_ms(s))
            }
            Yaml::String(s) => Value::Str(s.clone()),
            other => {
                self.error(
                    Code::InvalidValue,
                    at.span,
                    format!("expected one value here, not {}", describe(other)),
                    "expected a value",
                    "a value is text, a number, a duration (`5s`) or true/false; several values go in one list",
                );
                return None;
            }
        })
    }

    /// Text for a header, a parameter or one language of a prompt.
    fn text_value(&mut self, value: &Yaml, at: &Loc) -> Option<String> {
        let text = scalar_text(value);
        if text.is_none() {
            self.error(
                Code::InvalidValue,
                at.span,
                format!("expected text here, not {}", describe(value)),
                "expected text",
                "write one line of text per name: `en-IN: Hello`",
            );
        }
        text
    }
}

/// `500ms`, `5s`, `2m`, `1h`.
fn is_duration(s: &str) -> bool {
    crate::duration::parse_ms_saturating(s).is_some()
}

/// Keep spans inside the file: a YAML string can be shorter in the source
/// than once decoded only in odd cases, but spans must never point past the end.
fn clamp(e: &mut Expr, len: u32) {
    e.span.start = e.span.start.min(len);
    e.span.end = e.span.end.min(len);
    match &mut e.kind {
        ExprKind::Not(inner) => clamp(inner, len),
        ExprKind::Binary(_, a, b) => {
            clamp(a, len);
            clamp(b, len);
        }
        _ => {}
    }
}

/// The entries of an exit key, split at commas; a `/pattern/` keeps its
/// commas (`/9[0-9]{1,3}/`). A key without commas is one entry.
fn entries(key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for piece in key.split(',') {
        if open && let Some(last) = out.last_mut() {
            last.push(',');
            last.push_str(piece);
            let t = last.trim_end();
            open = !(t.len() > 1 && t.ends_with('/'));
            continue;
        }
        let t = piece.trim_start();
        open = t.starts_with('/') && !(t.trim_end().len() > 1 && t.trim_end().ends_with('/'));
        out.push(piece.to_string());
    }
    if out.len() == 1 {
        return out;
    }
    out.into_iter().map(|e| e.trim().to_string()).collect()
}

#[cfg(test)]
mod entry_tests {
    use super::entries;

    #[test]
    fn exit_keys_split_at_commas_outside_patterns() {
        assert_eq!(entries("2"), ["2"]);
        assert_eq!(
            entries("2, sales, sell something"),
            ["2", "sales", "sell something"]
        );
        assert_eq!(
            entries("/9[0-9]{1,3}/, operator"),
            ["/9[0-9]{1,3}/", "operator"]
        );
        assert_eq!(entries("0,/1{1,2}/"), ["0", "/1{1,2}/"]);
    }
}
