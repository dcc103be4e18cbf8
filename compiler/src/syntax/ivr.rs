//! `.ivr` text → AST, with pest (grammar/ivr.pest).

use pest::Parser;
use pest::iterators::Pair;
use pest_derive::Parser;

use super::ast::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};

#[derive(Parser)]
#[grammar = "../../grammar/ivr.pest"]
struct IvrParser;

/// Parse a whole `.ivr` file. pest stops at the first syntax error, so a
/// syntax error is the only diagnostic; everything else is the checker's.
pub fn parse(text: &str) -> Result<File, Vec<Diagnostic>> {
    check_nesting(text, 0).map_err(|d| vec![d])?;
    let mut pairs = IvrParser::parse(Rule::file, text).map_err(|e| vec![syntax_error(e, 0)])?;
    let mut file = File::default();
    // Units are the file's children: no need to walk every token to find them.
    let units = pairs.next().map(Pair::into_inner).into_iter().flatten();
    for pair in units.filter(|p| p.as_rule() == Rule::unit) {
        file.units.push(unit(pair));
    }
    Ok(file)
}

/// Parse an expression (from a YAML string) that starts at byte `offset` of its file.
pub fn parse_expr(text: &str, offset: usize) -> Result<Expr, Diagnostic> {
    check_nesting(text, offset)?;
    let mut pairs = IvrParser::parse(Rule::expr_only, text).map_err(|e| syntax_error(e, offset))?;
    let expr_pair = pairs
        .next()
        .and_then(|p| p.into_inner().next())
        .expect("expr_only holds an expr");
    let mut e = expr(expr_pair);
    shift(&mut e, offset as u32);
    Ok(e)
}

/// The deepest parentheses a flow may nest. pest parses nested expressions
/// recursively, so absurd input (fuzzers find it) must be refused before it
/// can exhaust the stack; no flow author needs more.
const MAX_NESTING: usize = 64;

fn check_nesting(text: &str, offset: usize) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if in_string && escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '\n' => in_string = false,
            '(' if !in_string => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Diagnostic::new(Code::Syntax, "parentheses nest too deeply")
                        .label(
                            Span::new(offset + i, offset + i + 1),
                            "this is more than 64 levels deep",
                        )
                        .help("split the condition into several `when` lines or `set` steps"));
                }
            }
            ')' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn shift(e: &mut Expr, by: u32) {
    e.span.start += by;
    e.span.end += by;
    match &mut e.kind {
        ExprKind::Not(inner) => shift(inner, by),
        ExprKind::Binary(_, a, b) => {
            shift(a, by);
            shift(b, by);
        }
        _ => {}
    }
}

fn span(pair: &Pair<Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

fn text_of(pair: &Pair<Rule>) -> Spanned<String> {
    Spanned::new(pair.as_str().to_string(), span(pair))
}

fn unit(pair: Pair<Rule>) -> Unit {
    let unit_span = span(&pair);
    let mut inner = pair.into_inner();
    let kind = match inner.next().map(|p| p.as_str()) {
        Some("module") => UnitKind::Module,
        _ => UnitKind::Flow,
    };
    let name = text_of(&inner.next().expect("unit has a name"));
    let mut unit = Unit {
        kind,
        name,
        span: unit_span,
        settings: Vec::new(),
        vars: Vec::new(),
        params: Vec::new(),
        returns: Vec::new(),
        start: None,
        nodes: Vec::new(),
    };
    for item in inner {
        match item.as_rule() {
            Rule::var_decl => unit.vars.push(var_decl(item)),
            Rule::param_decl => unit.params.push(var_decl(item)),
            Rule::returns_decl => unit.returns.extend(item.into_inner().map(|p| text_of(&p))),
            Rule::start_decl => {
                let name = item.into_inner().next().expect("start has a name");
                // A second `start` is reported by the checker as a duplicate setting.
                if unit.start.is_none() {
                    unit.start = Some(text_of(&name));
                } else {
                    unit.settings.push(Property {
                        key: Spanned::new("start".into(), span(&name)),
                        values: vec![Spanned::new(Value::Word(name.as_str().into()), span(&name))],
                        span: span(&name),
                    });
                }
            }
            Rule::node => unit.nodes.push(node(item)),
            Rule::setting => unit.settings.push(property(item)),
            _ => {}
        }
    }
    unit
}

fn var_decl(pair: Pair<Rule>) -> VarDecl {
    let decl_span = span(&pair);
    let mut inner = pair.into_inner();
    let name = text_of(&inner.next().expect("var has a name"));
    let ty = text_of(&inner.next().expect("var has a type"));
    let mut fields = Vec::new();
    let mut default = None;
    for p in inner {
        if p.as_rule() == Rule::shape {
            fields = p
                .into_inner()
                .map(|field| {
                    let mut parts = field.into_inner();
                    let path = text_of(&parts.next().expect("field has a path"));
                    let ty = text_of(&parts.next().expect("field has a type"));
                    FieldDecl { path, ty }
                })
                .collect();
        } else {
            default = Some(Spanned::new(literal_value(&p), span(&p)));
        }
    }
    VarDecl {
        name,
        ty,
        fields,
        default,
        span: decl_span,
    }
}

fn node(pair: Pair<Rule>) -> Node {
    let node_span = span(&pair);
    let mut inner = pair.into_inner();
    let kind = text_of(&inner.next().expect("node has a kind"));
    let name = text_of(&inner.next().expect("node has a name"));
    let items = inner
        .filter_map(|item| {
            let item_span = span(&item);
            Some(match item.as_rule() {
                Rule::exit => {
                    let mut parts = item.into_inner();
                    let exit_name = parts
                        .next()
                        .expect("exit has a name")
                        .into_inner()
                        .next()
                        .expect("exit name");
                    let name = match exit_name.as_rule() {
                        Rule::string => ExitName::Key(string_value(&exit_name)),
                        _ => ExitName::Word(exit_name.as_str().to_string()),
                    };
                    let exit_name_span = span(&exit_name);
                    let mut also = Vec::new();
                    let mut last = parts.next().expect("exit has a target");
                    while last.as_rule() == Rule::string {
                        also.push(Spanned::new(string_value(&last), span(&last)));
                        last = parts.next().expect("exit has a target");
                    }
                    Item::Exit(Exit {
                        name: Spanned::new(name, exit_name_span),
                        also,
                        target: target(last),
                        span: item_span,
                    })
                }
                Rule::when_exit => {
                    let mut parts = item.into_inner();
                    let condition = expr(parts.next().expect("when has a condition"));
                    Item::When(When {
                        condition,
                        target: target(parts.next().expect("when has a target")),
                        span: item_span,
                    })
                }
                Rule::assign => {
                    let mut parts = item.into_inner();
                    let var = text_of(&parts.next().expect("assignment has a variable"));
                    Item::Assign(Assign {
                        var,
                        value: expr(parts.next().expect("assignment has a value")),
                        span: item_span,
                    })
                }
                Rule::property => Item::Property(property(item)),
                _ => return None,
            })
        })
        .collect();
    Node {
        kind,
        name,
        items,
        span: node_span,
    }
}

fn target(pair: Pair<Rule>) -> Spanned<Target> {
    let target_span = span(&pair);
    let inner = pair.into_inner().next().expect("target has a name");
    let target = match inner.as_rule() {
        Rule::return_target => Target::Return(
            inner
                .into_inner()
                .next()
                .expect("return name")
                .as_str()
                .to_string(),
        ),
        _ => Target::Node(inner.as_str().to_string()),
    };
    Spanned::new(target, target_span)
}

fn property(pair: Pair<Rule>) -> Property {
    let prop_span = span(&pair);
    let mut inner = pair.into_inner();
    let key = text_of(&inner.next().expect("property has a key"));
    let values = inner.map(|v| Spanned::new(value(&v), span(&v))).collect();
    Property {
        key,
        values,
        span: prop_span,
    }
}

fn value(pair: &Pair<Rule>) -> Value {
    match pair.as_rule() {
        Rule::localized => Value::Localized(
            pair.clone()
                .into_inner()
                .map(|lt| {
                    let mut parts = lt.into_inner();
                    let lang = text_of(&parts.next().expect("language tag"));
                    let s = parts.next().expect("language text");
                    (lang, Spanned::new(string_value(&s), span(&s)))
                })
                .collect(),
        ),
        Rule::word => Value::Word(pair.as_str().to_string()),
        _ => literal_value(pair),
    }
}

fn literal_value(pair: &Pair<Rule>) -> Value {
    match pair.as_rule() {
        Rule::string => Value::Str(string_value(pair)),
        Rule::number => Value::Number(pair.as_str().parse().unwrap_or(f64::NAN)),
        Rule::duration => Value::Duration(duration_ms(pair.as_str())),
        Rule::boolean => Value::Bool(pair.as_str() == "true"),
        // `null` as a default means "unset" — the same as no default.
        _ => Value::Word(pair.as_str().to_string()),
    }
}

/// `5s` → 5000. Saturates rather than overflowing on absurd input.
pub(crate) fn duration_ms(text: &str) -> u64 {
    crate::duration::parse_ms_saturating(text).unwrap_or(u64::MAX)
}

/// The text of a string literal with escapes resolved. `\{` and `\}` become
/// private-use placeholders so the template parser can tell them from holes.
fn string_value(pair: &Pair<Rule>) -> String {
    let raw = pair
        .clone()
        .into_inner()
        .next()
        .map(|p| p.as_str())
        .unwrap_or("");
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('{') => out.push('\u{E000}'),
            Some('}') => out.push('\u{E001}'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                out.push(
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}'),
                );
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn expr(pair: Pair<Rule>) -> Expr {
    let pair_span = span(&pair);
    match pair.as_rule() {
        Rule::expr => expr(pair.into_inner().next().expect("expr is not empty")),
        Rule::or_expr | Rule::and_expr | Rule::sum_expr => {
            let mut inner = pair.into_inner();
            let mut left = expr(inner.next().expect("operand"));
            while let (Some(op), Some(right)) = (inner.next(), inner.next()) {
                let right = expr(right);
                let op = bin_op(op.as_str());
                let span = left.span.to(right.span);
                left = Expr {
                    kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                    span,
                };
            }
            left
        }
        Rule::cmp_expr => {
            let mut inner = pair.into_inner();
            let left = expr(inner.next().expect("operand"));
            match (inner.next(), inner.next()) {
                (Some(op), Some(right)) => {
                    let right = expr(right);
                    let span = left.span.to(right.span);
                    Expr {
                        kind: ExprKind::Binary(
                            bin_op(op.as_str()),
                            Box::new(left),
                            Box::new(right),
                        ),
                        span,
                    }
                }
                _ => left,
            }
        }
        Rule::not_expr => {
            let mut inner: Vec<_> = pair.into_inner().collect();
            let mut e = expr(inner.pop().expect("not_expr has an operand"));
            for _ in inner {
                e = Expr {
                    kind: ExprKind::Not(Box::new(e)),
                    span: pair_span,
                };
            }
            e
        }
        Rule::path => Expr {
            kind: ExprKind::Path(pair.as_str().split('.').map(str::to_string).collect()),
            span: pair_span,
        },
        Rule::null => Expr {
            kind: ExprKind::Null,
            span: pair_span,
        },
        _ => {
            let kind = match literal_value(&pair) {
                Value::Str(s) => ExprKind::Str(s),
                Value::Number(n) => ExprKind::Number(n),
                Value::Duration(d) => ExprKind::Duration(d),
                Value::Bool(b) => ExprKind::Bool(b),
                _ => ExprKind::Null,
            };
            Expr {
                kind,
                span: pair_span,
            }
        }
    }
}

fn bin_op(op: &str) -> BinOp {
    match op {
        "or" => BinOp::Or,
        "and" => BinOp::And,
        "==" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "contains" => BinOp::Contains,
        "matches" => BinOp::Matches,
        "+" => BinOp::Add,
        _ => BinOp::Sub,
    }
}

/// A pest error as a diagnostic: where, and what was expected there, in words
/// a flow author knows.
fn syntax_error(e: pest::error::Error<Rule>, offset: usize) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p + 1),
        InputLocation::Span((s, e)) => (s, e.max(s + 1)),
    };
    let mut expected: Vec<&str> = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| rule_name(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    let message = match expected.as_slice() {
        [] => "syntax error".to_string(),
        [one] => format!("expected {one}"),
        [init @ .., last] => format!("expected {} or {last}", init.join(", ")),
    };
    Diagnostic::new(Code::Syntax, message)
        .label(Span::new(start + offset, end + offset), "unexpected here")
        .help("see docs/LANGUAGE.md for the shape of flows, nodes and values")
}

fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::unit | Rule::unit_kind => "`flow` or `module`",
        Rule::name | Rule::ident | Rule::type_name => "a name",
        Rule::node => "a node (`menu main {`)",
        Rule::setting | Rule::property => "a property (`timeout 5s`)",
        Rule::exit | Rule::exit_name => "an exit (`next -> main`)",
        Rule::when_exit => "`when … -> …`",
        Rule::assign => "an assignment (`x = …`)",
        Rule::target | Rule::return_target => "a target node",
        Rule::var_decl => "`var`",
        Rule::param_decl => "`param`",
        Rule::returns_decl => "`returns`",
        Rule::start_decl => "`start`",
        Rule::shape => "json fields (`{ status: string }`)",
        Rule::field_decl | Rule::field_path => "a field (`status: string`)",
        Rule::localized | Rule::lang_text | Rule::lang_tag => "a language and text (`en-IN \"…\"`)",
        Rule::word => "a word",
        Rule::string | Rule::inner => "text in double quotes",
        Rule::escape => "an escape (`\\\"`, `\\\\`, `\\n`, `\\{`)",
        Rule::number => "a number",
        Rule::duration => "a duration (`5s`)",
        Rule::boolean => "`true` or `false`",
        Rule::null => "`null`",
        Rule::path => "a variable",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::sum_expr => "an expression",
        Rule::cmp_op => "a comparison (`==`, `<`, …)",
        Rule::sum_op => "`+` or `-`",
        Rule::or_op => "`or`",
        Rule::and_op => "`and`",
        Rule::not_op => "`not`",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = r##"
# A comment
flow support {
  language "en-IN"
  targets twilio, exotel
  var order_id: digits
  var tries: number = 0
  start main

  menu main {
    prompt "Press 1 for {order_id}."   // trailing comment
    text {
      en-IN "Hello"
      hi-IN "नमस्ते"
    }
    timeout 5s
    "1" -> order
    "#" -> main
    exhausted -> return no
  }
  branch route { when tries >= 3 and not (order.status == "x") -> main; else -> main }
  set bump {
    tries = tries + 1
    next -> main
  }
}
"##;

    #[test]
    fn parses_units_nodes_and_items() {
        let file = parse(FLOW).expect("parses");
        let flow = &file.units[0];
        assert_eq!(flow.name.value, "support");
        assert_eq!(flow.settings.len(), 2);
        assert_eq!(flow.settings[1].values.len(), 2);
        assert_eq!(
            flow.vars[1].default.as_ref().map(|d| d.value.clone()),
            Some(Value::Number(0.0))
        );
        assert_eq!(flow.start.as_ref().map(|s| s.value.as_str()), Some("main"));
        let menu = &flow.nodes[0];
        assert_eq!(
            (menu.kind.value.as_str(), menu.name.value.as_str()),
            ("menu", "main")
        );
        assert_eq!(menu.items.len(), 6);
        let Item::Property(text) = &menu.items[1] else {
            panic!("text property")
        };
        let Value::Localized(langs) = &text.values[0].value else {
            panic!("localized")
        };
        assert_eq!(langs[1].1.value, "नमस्ते");
        let Item::Property(timeout) = &menu.items[2] else {
            panic!("timeout")
        };
        assert_eq!(timeout.values[0].value, Value::Duration(5000));
        let Item::Exit(hash) = &menu.items[4] else {
            panic!("exit")
        };
        assert_eq!(hash.name.value, ExitName::Key("#".into()));
        let Item::Exit(ret) = &menu.items[5] else {
            panic!("exit")
        };
        assert_eq!(ret.target.value, Target::Return("no".into()));
        let Item::When(when) = &flow.nodes[1].items[0] else {
            panic!("when")
        };
        let ExprKind::Binary(BinOp::And, _, right) = &when.condition.kind else {
            panic!("and: {:?}", when.condition)
        };
        assert!(matches!(right.kind, ExprKind::Not(_)));
        let Item::Assign(assign) = &flow.nodes[2].items[0] else {
            panic!("assign")
        };
        assert!(matches!(
            assign.value.kind,
            ExprKind::Binary(BinOp::Add, _, _)
        ));
        assert_eq!(
            &FLOW[assign.span.start as usize..assign.span.end as usize],
            "tries = tries + 1"
        );
    }

    #[test]
    fn texts_per_language_may_share_one_line() {
        for values in [
            "{ en-IN \"Hello\"  hi-IN \"नमस्ते\" }",
            "{ en-IN \"Hello\", hi-IN \"नमस्ते\" }",
            "{ en-IN \"Hello\"; hi-IN \"नमस्ते\" }",
            "{\n  en-IN \"Hello\"\n  hi-IN \"नमस्ते\"\n}",
        ] {
            let file = parse(&format!(
                "flow f {{\n  say s {{\n    text {values}\n  }}\n}}\n"
            ))
            .unwrap_or_else(|e| panic!("{values}: {}", e[0].message));
            let Item::Property(text) = &file.units[0].nodes[0].items[0] else {
                panic!("text property")
            };
            let Value::Localized(langs) = &text.values[0].value else {
                panic!("localized: {values}")
            };
            let tags: Vec<&str> = langs.iter().map(|(l, _)| l.value.as_str()).collect();
            assert_eq!(tags, ["en-IN", "hi-IN"], "{values}");
        }
    }

    #[test]
    fn syntax_error_says_what_was_expected_and_where() {
        let err = parse("flow f {\n  menu main {\n    \"1\" -> \n  }\n}\n").unwrap_err();
        assert_eq!(err[0].code, Code::Syntax);
        assert!(err[0].message.contains("target"), "{}", err[0].message);
        assert_eq!(err[0].span().start, 34, "{}", err[0].message);
    }

    #[test]
    fn expressions_from_yaml_carry_file_offsets() {
        let e = parse_expr("a.b == \"x\"", 100).unwrap();
        assert_eq!(e.span, Span::new(100, 110));
        assert!(parse_expr("a ==", 7).is_err());
    }

    #[test]
    fn absurd_nesting_is_a_diagnostic_not_a_stack_overflow() {
        let deep = format!(
            "flow f {{\n branch b {{\n when {}x{} -> b\n else -> b\n }}\n}}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        let err = parse(&deep).unwrap_err();
        assert_eq!(err[0].code, Code::Syntax);
        assert!(err[0].message.contains("nest"));
        let fine = format!(
            "flow f {{\n branch b {{\n when {}x{} -> b\n else -> b\n }}\n}}",
            "(".repeat(10),
            ")".repeat(10)
        );
        assert!(parse(&fine).is_ok());
    }

    /// The string scan and the blank-and-comment runs are written for speed
    /// (grammar/ivr.pest); they must still accept exactly what they did.
    #[test]
    fn strings_end_at_a_line_break_and_comments_are_blanks() {
        for broken in ["a\rb", "a\nb", "a\r\nb"] {
            let text = format!("flow f {{\n say s {{ text \"{broken}\" }}\n}}\n");
            assert!(parse(&text).is_err(), "{broken:?} must not fit in a string");
        }
        let file = parse(
            "flow f { # c\n  say s {\t// c\n    text \"x\" // c\n    next -> return  # c\n    \
             done -> return\tok // c\n  }\n}\n",
        )
        .expect("comments and blanks between tokens");
        let targets: Vec<&Target> = file.units[0].nodes[0].items[1..]
            .iter()
            .map(|item| match item {
                Item::Exit(exit) => &exit.target.value,
                other => panic!("an exit: {other:?}"),
            })
            .collect();
        assert_eq!(
            targets,
            [&Target::Node("return".into()), &Target::Return("ok".into())]
        );
    }

    #[test]
    fn escapes_are_resolved() {
        let file = parse("flow f {\n say s { text \"a\\\"b \\{x\\} \\u{41}\" }\n}").unwrap();
        let Item::Property(p) = &file.units[0].nodes[0].items[0] else {
            panic!()
        };
        assert_eq!(
            p.values[0].value,
            Value::Str("a\"b \u{E000}x\u{E001} A".into())
        );
    }
}
