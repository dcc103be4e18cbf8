//! Typing of expressions, templates, `into` targets and defaults.
//!
//! A type is `Option<Type>`: `None` is "anything" — a field of a `json`
//! value, `null`, or something already reported — and fits everywhere, so
//! one mistake is reported once. `json` itself is dynamic too: it compares
//! with anything. `digits` are text made of keys: they compare with text but
//! not with numbers ("007" is not 7).

use std::collections::HashMap;

use super::props::Val;
use super::{CALL_FIELDS, Cx, values};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::graph::{self, Template, Type};
use crate::source::Span;
use crate::syntax::ast::{BinOp, Expr, ExprKind, Value};

/// One declared field of a json variable's shape.
#[derive(Clone, Debug)]
pub(super) struct Field {
    /// Below the variable: `total`, `customer.name`.
    pub path: String,
    pub ty: Type,
    pub span: Span,
}

/// How a JSON field was first compared, for E037.
#[derive(Clone, Debug)]
pub(super) struct FieldUse {
    pub ty: Type,
    pub span: Span,
    pub reported: bool,
}

/// Variables in sight of one node, and what the node reads.
pub(super) struct Env<'a> {
    pub vars: &'a HashMap<String, Type>,
    /// Declared fields of json variables, and the unit they belong to.
    shapes: Option<(&'a str, &'a HashMap<String, Vec<Field>>)>,
    /// `{env.NAME}` is allowed (only in `http` nodes).
    pub allow_env: bool,
    /// Variables read when the node runs, with where.
    pub reads: Vec<(String, Span)>,
    /// Assigned earlier in this `set` node: reading them later in the same
    /// node reads the new value, not one from before the node.
    pub assigned: Vec<String>,
}

impl<'a> Env<'a> {
    pub fn new(vars: &'a HashMap<String, Type>, allow_env: bool) -> Self {
        Env {
            vars,
            shapes: None,
            allow_env,
            reads: Vec::new(),
            assigned: Vec::new(),
        }
    }

    pub fn with_shapes(mut self, unit: &'a str, shapes: &'a HashMap<String, Vec<Field>>) -> Self {
        self.shapes = Some((unit, shapes));
        self
    }

    /// The declared type of `var.field…`: `Ok(None)` when the variable has
    /// no shape (or the field sits below a `json` field), `Err` with the
    /// declared fields when the shape does not have it.
    fn field(&self, var: &str, field: &[String]) -> Result<Option<Type>, &'a [Field]> {
        let Some(fields) = self.shapes.and_then(|(_, s)| s.get(var)) else {
            return Ok(None);
        };
        let path = field.join(".");
        for f in fields {
            if f.path == path {
                return Ok((f.ty != Type::Json).then_some(f.ty));
            }
            // Below a field declared `json`: anything goes.
            if f.ty == Type::Json
                && path.len() > f.path.len()
                && path.starts_with(&f.path)
                && path.as_bytes()[f.path.len()] == b'.'
            {
                return Ok(None);
            }
        }
        Err(fields)
    }

    /// E037 for a json field compared with a value of another type than its
    /// declared one, or than it was compared with elsewhere. True when the
    /// field's type was judged here (so no E015 repeats it).
    fn field_compared(&self, cx: &mut Cx, op: BinOp, field: &Expr, other: &Expr) -> bool {
        let ExprKind::Path(path) = &field.kind else {
            return false;
        };
        if path.len() < 2 || self.vars.get(&path[0]) != Some(&Type::Json) {
            return false;
        }
        let implied = match op {
            BinOp::Eq | BinOp::Ne => match &other.kind {
                ExprKind::Str(_) => Type::String,
                ExprKind::Number(_) | ExprKind::Duration(_) => Type::Number,
                ExprKind::Bool(_) => Type::Bool,
                _ => return false,
            },
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Add | BinOp::Sub => Type::Number,
            BinOp::Contains | BinOp::Matches => Type::String,
            BinOp::And | BinOp::Or => Type::Bool,
        };
        let name = path.join(".");
        let as_words = |t: Type| match t {
            Type::String | Type::Digits => "text",
            Type::Number => "a number",
            Type::Bool => "true/false",
            Type::Json => "json",
        };
        let same = |a: Type, b: Type| a == b || (textual(a) && textual(b));
        match self.field(&path[0], &path[1..]) {
            Ok(Some(declared)) if !same(declared, implied) => {
                let decl = self
                    .shapes
                    .and_then(|(_, s)| s.get(&path[0]))
                    .and_then(|fields| fields.iter().find(|f| f.path == path[1..].join(".")))
                    .map(|f| f.span);
                let mut d = Diagnostic::new(
                    Code::JsonFieldType,
                    format!(
                        "`{name}` is declared `{}`, but is used as {} here",
                        declared.as_str(),
                        as_words(implied)
                    ),
                )
                .label(field.span, format!("used as {}", as_words(implied)));
                if let Some(at) = decl {
                    d = d.label(at, format!("declared `{}` here", declared.as_str()));
                }
                cx.push(d.help(format!(
                    "compare it with {} (`1` and `\"1\"` are different JSON values), or correct the declared type",
                    as_words(declared)
                )));
                true
            }
            Ok(Some(_)) | Err(_) => false,
            Ok(None) => {
                let unit = self.shapes.map_or("", |(u, _)| u).to_string();
                match cx.field_uses.get_mut(&(unit.clone(), name.clone())) {
                    None => {
                        cx.field_uses.insert(
                            (unit, name),
                            FieldUse {
                                ty: implied,
                                span: field.span,
                                reported: false,
                            },
                        );
                    }
                    Some(first) if !same(first.ty, implied) && !first.reported => {
                        first.reported = true;
                        let (was, at) = (first.ty, first.span);
                        cx.push(
                            Diagnostic::new(
                                Code::JsonFieldType,
                                format!(
                                    "`{name}` is used as {} here and as {} elsewhere",
                                    as_words(implied),
                                    as_words(was)
                                ),
                            )
                            .label(field.span, format!("used as {}", as_words(implied)))
                            .label(at, format!("used as {}", as_words(was)))
                            .help(format!(
                                "a JSON field has one type: `1` and `\"1\"` never compare equal; \
                                 use the type the service sends, and declare it: \
                                 `var {}: json {{ {}: … }}`",
                                path[0],
                                path[1..].join(".")
                            )),
                        );
                    }
                    Some(_) => {}
                }
                false
            }
        }
    }

    fn read(&mut self, name: &str, span: Span) {
        if !self.assigned.iter().any(|a| a == name) {
            self.reads.push((name.to_string(), span));
        }
    }

    fn undeclared(&self, cx: &mut Cx, path: &[String], span: Span) {
        let name = path[0].as_str();
        let mut candidates: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        candidates.sort_unstable();
        candidates.extend(["call", "language"]);
        let help = call_field_meant(path)
            .map(|field| {
                format!(
                    "did you mean `{field}`? (the caller's number and the call are under `call`)"
                )
            })
            .or_else(|| did_you_mean(name, candidates.iter().copied()))
            .unwrap_or_else(|| format!("declare it in the flow header: `var {name}: string`"));
        cx.push(
            Diagnostic::new(
                Code::UndeclaredVariable,
                format!("`{name}` is not declared"),
            )
            .label(span, "unknown variable")
            .help(help),
        );
    }

    /// The type of a path (`order.status`, `call.from`), recording the read.
    /// `in_template` decides how `env.X` outside `http` is reported.
    fn path(
        &mut self,
        cx: &mut Cx,
        path: &[String],
        span: Span,
        in_template: bool,
    ) -> Option<Type> {
        let root = path.first()?.as_str();
        match root {
            "call" => {
                let field = path.get(1).map(String::as_str);
                if path.len() == 2 && field.is_some_and(|f| CALL_FIELDS.contains(&f)) {
                    if field == Some("answered_by") {
                        cx.reads_answered_by = true;
                    }
                    return Some(Type::String);
                }
                let wrong = path[1..].join(".");
                let help = call_field_meant(&path[1..])
                    .map(|field| format!("did you mean `{field}`?"))
                    .or_else(|| did_you_mean(&wrong, CALL_FIELDS.iter().copied()))
                    .unwrap_or_else(|| {
                        "`call` has `from`, `to`, `direction`, `sid` and `answered_by`".into()
                    });
                cx.push(
                    Diagnostic::new(
                        Code::UndeclaredVariable,
                        format!("`{}` is not a call field", path.join(".")),
                    )
                    .label(span, "unknown field of `call`")
                    .help(help),
                );
                None
            }
            "language" if path.len() == 1 => Some(Type::String),
            "env" if self.allow_env && path.len() == 2 && in_template => Some(Type::String),
            "env" if in_template => {
                let (message, help) = if self.allow_env {
                    (
                        "`env` needs one name: `{env.NAME}`",
                        "write `{env.API_TOKEN}`",
                    )
                } else {
                    (
                        "`{env.…}` is only allowed in `http` nodes",
                        "server secrets go only to web services; pass what the caller needs through a variable",
                    )
                };
                cx.push(
                    Diagnostic::new(Code::InvalidTemplate, message)
                        .label(span, "environment read here")
                        .help(help),
                );
                None
            }
            _ => {
                let Some(&ty) = self.vars.get(root) else {
                    if root == "env" || root == "language" {
                        cx.push(
                            Diagnostic::new(
                                Code::UndeclaredVariable,
                                format!("`{}` cannot be used here", path.join(".")),
                            )
                            .label(span, "not a variable")
                            .help("`{env.NAME}` works only in `http` templates; `language` has no fields"),
                        );
                    } else {
                        self.undeclared(cx, path, span);
                    }
                    return None;
                };
                self.read(root, span);
                if path.len() == 1 {
                    Some(ty)
                } else if ty == Type::Json {
                    match self.field(root, &path[1..]) {
                        Ok(declared) => declared,
                        Err(fields) => {
                            let wrong = path[1..].join(".");
                            let help = did_you_mean(&wrong, fields.iter().map(|f| f.path.as_str()))
                                .unwrap_or_else(|| {
                                    let names: Vec<String> =
                                        fields.iter().map(|f| format!("`{}`", f.path)).collect();
                                    format!(
                                        "`{root}` is declared with {}; add the field to its declaration if the service sends it",
                                        names.join(", ")
                                    )
                                });
                            cx.push(
                                Diagnostic::new(
                                    Code::JsonFieldType,
                                    format!("`{root}` has no field `{wrong}`"),
                                )
                                .label(span, "not a declared field")
                                .help(help),
                            );
                            None
                        }
                    }
                } else {
                    cx.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!("`{root}` is `{}`: it has no fields", ty.as_str()),
                        )
                        .label(
                            span,
                            format!("`.{}` on `{}`", path[1..].join("."), ty.as_str()),
                        )
                        .help(format!(
                            "only `json` values have fields; use `{root}` alone"
                        )),
                    );
                    None
                }
            }
        }
    }

    /// Parse and check a template; `None` when it does not parse.
    pub fn template(&mut self, cx: &mut Cx, text: &str, span: Span) -> Option<Template> {
        let template = match Template::parse(text) {
            Ok(t) => t,
            Err(e) => {
                cx.push(
                    Diagnostic::new(Code::InvalidTemplate, e.message.clone())
                        .label(within(span, text, e.offset, e.len), "in this text")
                        .help("`{name}` inserts a variable; write `{{` and `}}` (or `\\{` `\\}` in .ivr) for literal braces"),
                );
                return None;
            }
        };
        for path in template.vars() {
            let hole = format!("{{{}}}", path.join("."));
            let formatted = format!("{{{}:", path.join("."));
            let at = text
                .find(&hole)
                .or_else(|| text.find(&formatted))
                .map_or(span, |offset| within(span, text, offset, hole.len()));
            self.path(cx, path, at, true);
        }
        Some(template)
    }

    /// Type an expression and lower it.
    pub fn expr(&mut self, cx: &mut Cx, e: &Expr) -> (Option<Type>, graph::Expr) {
        match &e.kind {
            ExprKind::Str(s) => (Some(Type::String), graph::Expr::Lit(s.clone().into())),
            ExprKind::Number(n) => (Some(Type::Number), graph::Expr::Lit(json_number(*n))),
            ExprKind::Duration(ms) => (Some(Type::Number), graph::Expr::Lit((*ms).into())),
            ExprKind::Bool(b) => (Some(Type::Bool), graph::Expr::Lit((*b).into())),
            ExprKind::Null => (None, graph::Expr::Lit(serde_json::Value::Null)),
            ExprKind::Path(p) => (
                self.path(cx, p, e.span, false),
                graph::Expr::Path(p.clone()),
            ),
            ExprKind::Not(inner) => {
                let (t, lowered) = self.expr(cx, inner);
                expect(cx, t, Type::Bool, inner.span, "`not`");
                (Some(Type::Bool), graph::Expr::Not(Box::new(lowered)))
            }
            ExprKind::Binary(op, a, b) => {
                let (mut ta, la) = self.expr(cx, a);
                let (mut tb, lb) = self.expr(cx, b);
                if self.field_compared(cx, *op, a, b) {
                    ta = None;
                }
                if self.field_compared(cx, *op, b, a) {
                    tb = None;
                }
                let ty = binary(cx, *op, (ta, a), (tb, b), e.span);
                (ty, graph::Expr::Binary(*op, Box::new(la), Box::new(lb)))
            }
        }
    }
}

/// What other tools call the call's fields: Twilio Studio's
/// `trigger.call.From`, TwiML's `CallSid`, a bare `caller`. By the last
/// word of the path, whatever its case.
fn call_field_meant(path: &[String]) -> Option<&'static str> {
    let last = path.last()?.to_ascii_lowercase().replace('_', "");
    Some(match last.as_str() {
        "from" | "caller" | "callerid" | "callernumber" | "ani" => "call.from",
        "to" | "called" | "callednumber" | "dnis" => "call.to",
        "callsid" | "sid" | "callid" | "uuid" => "call.sid",
        "direction" => "call.direction",
        _ => return None,
    })
}

/// The span of `text[offset..offset + len]`, where `span` holds `text` as
/// written: quoted in `.ivr` (one byte more on each side), or plain in YAML.
/// When escapes make the two differ, the whole value's span.
fn within(span: Span, text: &str, offset: usize, len: usize) -> Span {
    let start = match span.len() {
        n if n == text.len() + 2 => span.start as usize + 1,
        n if n == text.len() => span.start as usize,
        _ => return span,
    };
    Span::new(start + offset, start + offset + len)
}

fn dynamic(t: Option<Type>) -> bool {
    matches!(t, None | Some(Type::Json))
}

fn textual(t: Type) -> bool {
    matches!(t, Type::String | Type::Digits)
}

fn expect(cx: &mut Cx, found: Option<Type>, want: Type, span: Span, op: &str) {
    if dynamic(found) || found == Some(want) {
        return;
    }
    let found = found.map_or("?", Type::as_str);
    cx.push(
        Diagnostic::new(
            Code::TypeMismatch,
            format!("{op} needs `{}`, found `{found}`", want.as_str()),
        )
        .label(span, format!("`{found}` here"))
        .help(match want {
            Type::Bool => "compare it to make a true/false: `x == \"…\"`",
            Type::Number => "only numbers can be added, subtracted and ordered",
            _ => "change the operand",
        }),
    );
}

/// The result type of `a op b`, reporting operands that do not fit.
fn binary(
    cx: &mut Cx,
    op: BinOp,
    (ta, a): (Option<Type>, &Expr),
    (tb, b): (Option<Type>, &Expr),
    span: Span,
) -> Option<Type> {
    let sym = format!("`{}`", op.symbol());
    match op {
        BinOp::And | BinOp::Or => {
            expect(cx, ta, Type::Bool, a.span, &sym);
            expect(cx, tb, Type::Bool, b.span, &sym);
            Some(Type::Bool)
        }
        BinOp::Add | BinOp::Sub => {
            expect(cx, ta, Type::Number, a.span, &sym);
            expect(cx, tb, Type::Number, b.span, &sym);
            Some(Type::Number)
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            for (t, side) in [(ta, a), (tb, b)] {
                if t == Some(Type::Digits) {
                    cx.push(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!("{sym} compares numbers, and digits are not a number"),
                        )
                        .label(side.span, "digits")
                        .help("digits are text (\"007\" is not 7): compare them with `==` and quoted text"),
                    );
                } else {
                    expect(cx, t, Type::Number, side.span, &sym);
                }
            }
            Some(Type::Bool)
        }
        BinOp::Eq | BinOp::Ne => {
            if !comparable(ta, tb) {
                let (x, y) = (ta.map_or("?", Type::as_str), tb.map_or("?", Type::as_str));
                let help = if matches!(
                    (ta, tb),
                    (Some(Type::Digits), Some(Type::Number))
                        | (Some(Type::Number), Some(Type::Digits))
                ) {
                    "digits are text (\"007\" is not 7): compare with quoted text, `order_id == \"007\"`"
                } else {
                    "compare values of the same type"
                };
                cx.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("cannot compare `{x}` with `{y}`"),
                    )
                    .label(span, format!("{x} {} {y}", op.symbol()))
                    .help(help),
                );
            }
            Some(Type::Bool)
        }
        BinOp::Contains => {
            for (t, side) in [(ta, a), (tb, b)] {
                if !dynamic(t) && !t.is_some_and(textual) {
                    expect(cx, t, Type::String, side.span, &sym);
                }
            }
            Some(Type::Bool)
        }
        BinOp::Matches => {
            if !dynamic(ta) && !ta.is_some_and(textual) {
                expect(cx, ta, Type::String, a.span, &sym);
            }
            match &b.kind {
                ExprKind::Str(pattern) => {
                    pattern_ok(cx, pattern, b.span);
                }
                _ => cx.push(
                    Diagnostic::new(Code::TypeMismatch, "`matches` needs a pattern in quotes")
                        .label(b.span, "not a quoted pattern")
                        .help("write the regular expression as text: `x matches \"^[0-9]+$\"`"),
                ),
            }
            Some(Type::Bool)
        }
    }
}

/// Can values of these types be compared with `==`?
pub(super) fn comparable(a: Option<Type>, b: Option<Type>) -> bool {
    dynamic(a) || dynamic(b) || a == b || (a.is_some_and(textual) && b.is_some_and(textual))
}

/// Can a value of type `value` (the expression `e`) be stored in a `target`?
pub(super) fn assignable(target: Type, value: Option<Type>, e: Option<&ExprKind>) -> bool {
    match (target, value) {
        (_, None) | (Type::Json, _) | (_, Some(Type::Json)) => true,
        (t, Some(v)) if t == v => true,
        (Type::String, Some(Type::Digits)) => true,
        // Text becomes digits only when it visibly is keys: `"007"`.
        (Type::Digits, Some(Type::String)) => {
            matches!(e, Some(ExprKind::Str(s)) if !s.is_empty() && s.chars().all(|c| values::is_dtmf_key(&c.to_string())))
        }
        _ => false,
    }
}

/// Report an assignment of the wrong type.
pub(super) fn check_assign(cx: &mut Cx, var: &str, target: Type, value: Option<Type>, e: &Expr) {
    if assignable(target, value, Some(&e.kind)) {
        return;
    }
    let found = value.map_or("?", Type::as_str);
    let help = match (target, value) {
        (Type::Digits, Some(Type::Number)) => {
            "digits are text: write them in quotes, `\"007\"`".to_string()
        }
        (Type::Number, Some(Type::String | Type::Digits)) => {
            format!("`{var}` holds numbers; assign a number, or declare `{var}` as `string`")
        }
        _ => format!(
            "assign `{}` to `{var}`, or change its type",
            target.as_str()
        ),
    };
    cx.push(
        Diagnostic::new(
            Code::TypeMismatch,
            format!("`{var}` is `{}`, but this is `{found}`", target.as_str()),
        )
        .label(e.span, format!("`{found}` here"))
        .help(help),
    );
}

/// A regular expression a `gather` or `matches` uses.
pub(super) fn pattern_ok(cx: &mut Cx, pattern: &str, span: Span) -> bool {
    match regex::Regex::new(pattern) {
        Ok(_) => true,
        Err(e) => {
            let detail = e.to_string();
            let last = detail
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim()
                .to_string();
            cx.push(
                Diagnostic::new(Code::InvalidPattern, "invalid regular expression")
                    .label(span, last.to_lowercase())
                    .help("see https://docs.rs/regex for the syntax; escape literal characters with `\\`"),
            );
            false
        }
    }
}

/// A number as JSON: whole numbers as integers, so `0` and `0.0` hash alike.
pub(super) fn json_number(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// A variable's default, checked against its type.
pub(super) fn default_value(cx: &mut Cx, ty: Type, v: Val) -> Option<serde_json::Value> {
    let (found, json, kind) = match &v.value {
        Value::Str(s) | Value::Word(s) => {
            (Type::String, s.clone().into(), ExprKind::Str(s.clone()))
        }
        Value::Number(n) => (Type::Number, json_number(*n), ExprKind::Number(*n)),
        Value::Bool(b) => (Type::Bool, (*b).into(), ExprKind::Bool(*b)),
        Value::Duration(ms) => (Type::Number, (*ms).into(), ExprKind::Duration(*ms)),
        Value::Localized(_) => {
            cx.push(
                Diagnostic::new(Code::InvalidValue, "a default is one value")
                    .label(v.span, "text per language")
                    .help("give the variable one default, or none"),
            );
            return None;
        }
    };
    let e = Expr { kind, span: v.span };
    if !assignable(ty, Some(found), Some(&e.kind)) {
        cx.push(
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "a `{}` variable cannot start as {}",
                    ty.as_str(),
                    v.value.describe()
                ),
            )
            .label(v.span, format!("`{}` here", found.as_str()))
            .help(match ty {
                Type::Digits => "digits are keys in quotes: `= \"007\"`",
                Type::Number => "write a number: `= 0`",
                Type::Bool => "write `= true` or `= false`",
                _ => "write text in quotes: `= \"…\"`",
            }),
        );
        return None;
    }
    Some(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: Span::default(),
        }
    }

    fn path(p: &str) -> Expr {
        e(ExprKind::Path(p.split('.').map(String::from).collect()))
    }

    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        e(ExprKind::Binary(op, Box::new(a), Box::new(b)))
    }

    fn codes(expr: &Expr) -> (Option<Type>, Vec<Code>, Vec<String>) {
        let vars: HashMap<String, Type> = [
            ("pin", Type::Digits),
            ("tries", Type::Number),
            ("name", Type::String),
            ("ok", Type::Bool),
            ("order", Type::Json),
        ]
        .into_iter()
        .map(|(n, t)| (n.to_string(), t))
        .collect();
        let mut cx = Cx::default();
        let mut env = Env::new(&vars, false);
        let (t, _) = env.expr(&mut cx, expr);
        let reads = env.reads.into_iter().map(|(n, _)| n).collect();
        (t, cx.diagnostics.iter().map(|d| d.code).collect(), reads)
    }

    #[test]
    fn digits_compare_with_text_not_numbers() {
        let ok = bin(BinOp::Eq, path("pin"), e(ExprKind::Str("007".into())));
        assert_eq!(codes(&ok).1, vec![]);
        let bad = bin(BinOp::Eq, path("pin"), e(ExprKind::Number(7.0)));
        assert_eq!(codes(&bad).1, vec![Code::TypeMismatch]);
        let ordered = bin(BinOp::Lt, path("pin"), e(ExprKind::Number(7.0)));
        assert_eq!(codes(&ordered).1, vec![Code::TypeMismatch]);
    }

    #[test]
    fn json_is_dynamic_and_records_its_root() {
        let cmp = bin(
            BinOp::Gt,
            path("order.items.0.price"),
            e(ExprKind::Number(3.0)),
        );
        let (t, c, reads) = codes(&cmp);
        assert_eq!(
            (t, c, reads),
            (Some(Type::Bool), vec![], vec!["order".to_string()])
        );
    }

    #[test]
    fn and_needs_bools_and_fields_need_json() {
        let and = bin(BinOp::And, path("ok"), path("tries"));
        assert_eq!(codes(&and).1, vec![Code::TypeMismatch]);
        assert_eq!(codes(&path("name.first")).1, vec![Code::TypeMismatch]);
        assert_eq!(codes(&path("nmae")).1, vec![Code::UndeclaredVariable]);
        assert_eq!(codes(&path("call.form")).1, vec![Code::UndeclaredVariable]);
        assert_eq!(codes(&path("call.from")).0, Some(Type::String));
    }

    #[test]
    fn bad_regex_in_matches() {
        let m = bin(BinOp::Matches, path("name"), e(ExprKind::Str("[a-".into())));
        assert_eq!(codes(&m).1, vec![Code::InvalidPattern]);
    }

    #[test]
    fn assignment_rules() {
        assert!(assignable(Type::String, Some(Type::Digits), None));
        assert!(!assignable(Type::Number, Some(Type::String), None));
        assert!(assignable(
            Type::Digits,
            Some(Type::String),
            Some(&ExprKind::Str("007".into()))
        ));
        assert!(!assignable(
            Type::Digits,
            Some(Type::String),
            Some(&ExprKind::Str("abc".into()))
        ));
        assert!(assignable(Type::Number, None, None));
        assert!(assignable(Type::Json, Some(Type::Bool), None));
    }
}
