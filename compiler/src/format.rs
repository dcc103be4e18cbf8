//! `ivr fmt`: one canonical layout for `.ivr` files. Comments are kept,
//! formatting is idempotent, and the graph of the output equals the graph of
//! the input (a property test in tests/ checks both).
//!
//! Layout: two-space indents; one item per line; in a flow or module the
//! settings, then params/returns/vars, then `start`, then the nodes, each
//! group and each node separated by one blank line; items inside a node keep
//! their order. Comments stay attached to the element that follows them (or
//! that they trail, on the same line).

use crate::diagnostic::Diagnostic;
use crate::source::{LineIndex, Span};
use crate::syntax::ast::*;

/// Format `.ivr` source. A file with a syntax error is returned as its diagnostics.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let file = crate::syntax::ivr::parse(text)?;
    let mut printer = Printer {
        out: String::new(),
        comments: comments(text),
        lines: LineIndex::new(text),
        text,
    };
    for (i, unit) in file.units.iter().enumerate() {
        if i > 0 {
            printer.out.push('\n');
        }
        printer.unit(unit);
    }
    printer.flush_comments(u32::MAX, 0);
    Ok(printer.out)
}

struct Comment {
    offset: u32,
    text: String,
    /// Code precedes it on its line.
    trailing: bool,
    used: bool,
}

/// Every comment in the file, found with a scan that knows strings.
fn comments(text: &str) -> Vec<Comment> {
    let mut found = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut line_has_code = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                '\n' => {
                    in_string = false;
                    line_has_code = false;
                }
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                line_has_code = true;
            }
            '\n' => line_has_code = false,
            '#' | '/' if c == '#' || matches!(chars.peek(), Some((_, '/'))) => {
                let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
                found.push(Comment {
                    offset: i as u32,
                    text: text[i..end].trim_end().to_string(),
                    trailing: line_has_code,
                    used: false,
                });
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            c if !c.is_whitespace() => line_has_code = true,
            _ => {}
        }
    }
    found
}

struct Printer<'a> {
    out: String,
    comments: Vec<Comment>,
    lines: LineIndex,
    text: &'a str,
}

impl Printer<'_> {
    fn line_of(&self, offset: u32) -> usize {
        self.lines.line_col(self.text, offset).0
    }

    /// Emit, on their own lines, the comments not yet printed that come before `offset`.
    fn flush_comments(&mut self, offset: u32, depth: usize) {
        for i in 0..self.comments.len() {
            if !self.comments[i].used && self.comments[i].offset < offset {
                self.comments[i].used = true;
                let text = self.comments[i].text.clone();
                self.line(depth, &text);
            }
        }
    }

    /// The trailing comment on the line where `offset` sits, if any.
    fn trailing(&mut self, offset: u32) -> String {
        let line = self.line_of(offset);
        for i in 0..self.comments.len() {
            let c = &self.comments[i];
            if !c.used && c.trailing && self.lines.line_col(self.text, c.offset).0 == line {
                self.comments[i].used = true;
                return format!("  {}", self.comments[i].text);
            }
        }
        String::new()
    }

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// One element on one line, with its leading and trailing comments.
    fn element(&mut self, depth: usize, span: Span, text: &str) {
        self.flush_comments(span.start, depth);
        let trailing = self.trailing(span.start);
        self.line(depth, &format!("{text}{trailing}"));
    }

    fn unit(&mut self, unit: &Unit) {
        self.flush_comments(unit.span.start, 0);
        let keyword = match unit.kind {
            UnitKind::Flow => "flow",
            UnitKind::Module => "module",
        };
        let trailing = self.trailing(unit.span.start);
        self.line(0, &format!("{keyword} {} {{{trailing}", unit.name.value));
        let mut groups = 0;
        let mut group = |p: &mut Self, any: bool| {
            if any {
                if groups > 0 {
                    p.out.push('\n');
                }
                groups += 1;
            }
        };
        group(self, !unit.settings.is_empty());
        for setting in &unit.settings {
            self.element(1, setting.span, &property(setting, 1));
        }
        group(
            self,
            !unit.params.is_empty() || !unit.returns.is_empty() || !unit.vars.is_empty(),
        );
        for param in &unit.params {
            self.element(
                1,
                param.span,
                &format!(
                    "param {}: {}{}",
                    param.name.value,
                    param.ty.value,
                    shape(&param.fields)
                ),
            );
        }
        if let Some(first) = unit.returns.first() {
            let names: Vec<&str> = unit.returns.iter().map(|r| r.value.as_str()).collect();
            self.element(1, first.span, &format!("returns {}", names.join(", ")));
        }
        for var in &unit.vars {
            let default = var
                .default
                .as_ref()
                .map(|d| format!(" = {}", value(&d.value, 1)))
                .unwrap_or_default();
            self.element(
                1,
                var.span,
                &format!(
                    "var {}: {}{}{default}",
                    var.name.value,
                    var.ty.value,
                    shape(&var.fields)
                ),
            );
        }
        group(self, unit.start.is_some());
        if let Some(start) = &unit.start {
            self.element(1, start.span, &format!("start {}", start.value));
        }
        for node in &unit.nodes {
            group(self, true);
            self.node(node);
        }
        self.flush_comments(unit.span.end, 1);
        let trailing = self.trailing(unit.span.end.saturating_sub(1));
        self.line(0, &format!("}}{trailing}"));
    }

    fn node(&mut self, node: &Node) {
        self.flush_comments(node.span.start, 1);
        let trailing = self.trailing(node.span.start);
        self.line(
            1,
            &format!("{} {} {{{trailing}", node.kind.value, node.name.value),
        );
        for item in &node.items {
            let text = match item {
                Item::Property(p) => property(p, 2),
                Item::Exit(e) => format!(
                    "{}{} -> {}",
                    exit_name(&e.name.value),
                    e.also
                        .iter()
                        .map(|a| format!(", {}", quote(&a.value)))
                        .collect::<String>(),
                    target(&e.target.value)
                ),
                Item::When(w) => format!(
                    "when {} -> {}",
                    expr(&w.condition, 0),
                    target(&w.target.value)
                ),
                Item::Assign(a) => format!("{} = {}", a.var.value, expr(&a.value, 0)),
            };
            self.element(2, item.span(), &text);
        }
        self.flush_comments(node.span.end, 2);
        // Keep a comment that trails the closing brace, when the node spans lines.
        let trailing =
            if self.line_of(node.span.start) != self.line_of(node.span.end.saturating_sub(1)) {
                self.trailing(node.span.end.saturating_sub(1))
            } else {
                String::new()
            };
        self.line(1, &format!("}}{trailing}"));
    }
}

/// Properties whose values read as a phrase, not a list.
const SPACED: &[&str] = &["header", "param", "input", "percent", "transcribe"];

/// Words that make a prompt line a phrase of pieces: `"Hi." pause 1s audio "…"`.
const PIECES: &[&str] = &["audio", "pause", "loop"];

fn property(p: &Property, depth: usize) -> String {
    let pieces = p
        .values
        .iter()
        .any(|v| matches!(&v.value, Value::Word(w) if PIECES.contains(&w.as_str())));
    let separator = if pieces || SPACED.contains(&p.key.value.as_str()) {
        " "
    } else {
        ", "
    };
    let values: Vec<String> = p.values.iter().map(|v| value(&v.value, depth)).collect();
    match values.split_first() {
        None => p.key.value.clone(),
        // `result intent "billing", "support"`: a name, then its values.
        Some((name, rest)) if p.key.value == "result" && !rest.is_empty() => {
            format!("result {name} {}", rest.join(", "))
        }
        Some(_) => format!("{} {}", p.key.value, values.join(separator)),
    }
}

/// ` { status: string, total: number }`, or nothing.
fn shape(fields: &[FieldDecl]) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let fields: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.path.value, f.ty.value))
        .collect();
    format!(" {{ {} }}", fields.join(", "))
}

fn value(v: &Value, depth: usize) -> String {
    match v {
        Value::Str(s) => quote(s),
        Value::Number(n) => number(*n),
        Value::Duration(ms) => crate::duration::format_ms(*ms),
        Value::Bool(b) => b.to_string(),
        Value::Word(w) => w.clone(),
        Value::Localized(langs) => {
            let pad = "  ".repeat(depth + 1);
            let mut s = String::from("{\n");
            for (lang, text) in langs {
                s.push_str(&format!("{pad}{} {}\n", lang.value, quote(&text.value)));
            }
            s.push_str(&"  ".repeat(depth));
            s.push('}');
            s
        }
    }
}

pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\u{E000}' => out.push_str("\\{"),
            '\u{E001}' => out.push_str("\\}"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn exit_name(name: &ExitName) -> String {
    match name {
        ExitName::Word(w) => w.clone(),
        ExitName::Key(k) => quote(k),
    }
}

fn target(t: &Target) -> String {
    match t {
        Target::Node(n) => n.clone(),
        Target::Return(r) => format!("return {r}"),
    }
}

/// Binding strength; a child weaker than its context gets parentheses.
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(BinOp::Or, ..) => 1,
        ExprKind::Binary(BinOp::And, ..) => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => 5,
        ExprKind::Binary(..) => 4,
        _ => 6,
    }
}

fn expr(e: &Expr, context: u8) -> String {
    let own = precedence(e);
    let text = match &e.kind {
        ExprKind::Str(s) => quote(s),
        ExprKind::Number(n) => number(*n),
        ExprKind::Duration(ms) => crate::duration::format_ms(*ms),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Null => "null".into(),
        ExprKind::Path(p) => p.join("."),
        ExprKind::Not(inner) => format!("not {}", expr(inner, own)),
        ExprKind::Binary(op, a, b) => {
            // Left-associative: the right operand needs parentheses at equal strength;
            // comparisons do not chain, so both sides need them there.
            let left_context = if own == 4 { own + 1 } else { own };
            format!(
                "{} {} {}",
                expr(a, left_context),
                op.symbol(),
                expr(b, own + 1)
            )
        }
    };
    if own < context {
        format!("({text})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSY: &str = r##"# header comment
flow   demo{
targets twilio,exotel
    language "en-IN"   # trailing
  var x : number=0
start m
      menu m {
   prompt "Press \"1\" \{now\}"
  timeout 5000ms
      "1"->m   # back
  exhausted->bye
   # before the brace
}
  branch b { when not (x == 1 or x == 2) and x >= 3 - (2 - 1) -> bye; else -> bye }
hangup bye { text { en-IN "Bye" } }
}
"##;

    #[test]
    fn formats_canonically_and_keeps_comments() {
        let out = format(MESSY).unwrap();
        insta::assert_snapshot!(out);
        for comment in [
            "# header comment",
            "# trailing",
            "# back",
            "# before the brace",
        ] {
            assert!(out.contains(comment), "lost {comment}");
        }
    }

    #[test]
    fn is_idempotent() {
        let once = format(MESSY).unwrap();
        assert_eq!(format(&once).unwrap(), once);
    }

    #[test]
    fn keeps_meaning_of_expressions() {
        let once = format(MESSY).unwrap();
        let a = crate::syntax::ivr::parse(MESSY).unwrap();
        let b = crate::syntax::ivr::parse(&once).unwrap();
        let conditions = |f: &File| -> Vec<String> {
            f.units[0].nodes[1]
                .items
                .iter()
                .filter_map(|i| {
                    if let Item::When(w) = i {
                        Some(expr(&w.condition, 0))
                    } else {
                        None
                    }
                })
                .collect()
        };
        assert_eq!(conditions(&a), conditions(&b));
        assert!(
            once.contains("when not (x == 1 or x == 2) and x >= 3 - (2 - 1) -> bye"),
            "{once}"
        );
    }

    #[test]
    fn an_agent_result_reads_as_a_name_then_its_values() {
        let messy = "flow f {\n ai a {\n  result intent \"billing\",\"human\"\n  result   slots json\n  timeout 5m\n }\n}\n";
        let out = format(messy).unwrap();
        assert!(
            out.contains("    result intent \"billing\", \"human\"\n    result slots json\n"),
            "{out}"
        );
        assert_eq!(format(&out).unwrap(), out);
    }

    #[test]
    fn keeps_a_json_shape_on_one_line() {
        let text = "flow f {\n  language \"en-IN\"\n  targets twilio\n  var order: json {\n    status: string\n    customer.name: string,\n  }\n  start bye\n  hangup bye {}\n}\n";
        let once = format(text).unwrap();
        assert!(
            once.contains("  var order: json { status: string, customer.name: string }\n"),
            "{once}"
        );
        assert_eq!(format(&once).unwrap(), once);
    }

    #[test]
    fn syntax_errors_are_returned_not_formatted() {
        assert!(format("flow f {\n menu m {\n \"1\" ->\n }\n}").is_err());
    }
}
