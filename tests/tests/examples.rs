//! Every example written in both syntaxes (`examples/NAME.ivr` and
//! `examples/NAME.yaml`) means the same flow: the two parse to the same AST
//! (up to spans and spelling) and compile to the same graph, version included.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ivr_compiler::Syntax;
use ivr_compiler::syntax::ast::{self, Expr, ExprKind, Item, Value};
use ivr_tests::{compile_file, render, root};

/// `(NAME.ivr, NAME.yaml)` for every example that has both.
fn twins() -> Vec<(PathBuf, PathBuf)> {
    let dir = root().join("examples");
    let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ivr"))
        .filter_map(|ivr| {
            let yaml = ivr.with_extension("yaml");
            yaml.exists().then_some((ivr, yaml))
        })
        .collect();
    pairs.sort();
    assert!(
        pairs.len() >= 2,
        "expected at least two examples written in both syntaxes, found {}",
        pairs.len()
    );
    pairs
}

#[test]
fn twins_compile_to_the_same_graph() {
    for (ivr, yaml) in twins() {
        let mut graphs = Vec::new();
        for path in [&ivr, &yaml] {
            let (text, compiled) = compile_file(path);
            let name = path.display().to_string();
            assert!(
                compiled.graph.is_some(),
                "{name} produced no graph:\n{}",
                render(&name, &text, &compiled)
            );
            graphs.push(compiled.graph.unwrap());
        }
        assert_eq!(
            graphs[0].version,
            graphs[1].version,
            "{} and {} have different versions",
            ivr.display(),
            yaml.display()
        );
        assert_eq!(
            graphs[0],
            graphs[1],
            "{} and {} compile to different graphs",
            ivr.display(),
            yaml.display()
        );
    }
}

/// This holds without the checker: both front ends say the same thing.
#[test]
fn twins_parse_to_the_same_ast() {
    for (ivr, yaml) in twins() {
        let outlines: Vec<String> = [(&ivr, Syntax::Ivr), (&yaml, Syntax::Yaml)]
            .into_iter()
            .map(|(path, syntax)| {
                let text = std::fs::read_to_string(path).unwrap();
                match ivr_compiler::syntax::parse(&text, syntax) {
                    Ok(file) => outline(&file),
                    Err(diagnostics) => panic!("{}: {diagnostics:#?}", path.display()),
                }
            })
            .collect();
        let pairs = outlines[0].lines().zip(outlines[1].lines());
        if let Some((a, b)) = pairs.into_iter().find(|(a, b)| a != b) {
            panic!(
                "{} and {} differ:\n  .ivr:  {a}\n  .yaml: {b}\n\n{}",
                ivr.display(),
                yaml.display(),
                outlines[0]
            );
        }
        assert_eq!(
            outlines[0],
            outlines[1],
            "{} and {} differ",
            ivr.display(),
            yaml.display()
        );
    }
}

/// The AST as text without spans, where the two syntaxes may legitimately
/// differ only in spelling: a bare word and text are the same, repeated
/// properties equal one property with several values, and units, exits and
/// variables are in no particular order.
fn outline(file: &ast::File) -> String {
    let mut units: Vec<String> = file.units.iter().map(unit).collect();
    units.sort();
    units.join("\n")
}

fn unit(u: &ast::Unit) -> String {
    let mut out = format!("{:?} {}\n", u.kind, u.name.value);
    let mut vars: Vec<String> = u
        .vars
        .iter()
        .map(|v| format!("  var {v}\n", v = var(v)))
        .chain(u.params.iter().map(|v| format!("  param {}\n", var(v))))
        .collect();
    vars.sort();
    out.extend(vars);
    let returns: Vec<&str> = u.returns.iter().map(|r| r.value.as_str()).collect();
    out += &format!("  returns {returns:?}\n");
    out += &format!("  start {:?}\n", u.start.as_ref().map(|s| &s.value));
    out += &properties(u.settings.iter(), "  ");
    let mut nodes: Vec<String> = u.nodes.iter().map(node).collect();
    nodes.sort();
    out.extend(nodes);
    out
}

fn var(v: &ast::VarDecl) -> String {
    let default = v.default.as_ref().map(|d| value(&d.value));
    format!("{}: {} = {default:?}", v.name.value, v.ty.value)
}

fn node(n: &ast::Node) -> String {
    let mut out = format!("  {} {}\n", n.kind.value, n.name.value);
    let props = n.items.iter().filter_map(|i| match i {
        Item::Property(p) => Some(p),
        _ => None,
    });
    out += &properties(props, "    ");
    let mut exits = Vec::new();
    for item in &n.items {
        match item {
            Item::Exit(e) => {
                let also: Vec<&str> = e.also.iter().map(|a| a.value.as_str()).collect();
                exits.push(format!(
                    "    {:?} {also:?} -> {:?}\n",
                    e.name.value, e.target.value
                ))
            }
            Item::When(w) => {
                out += &format!("    when {} -> {:?}\n", expr(&w.condition), w.target.value)
            }
            Item::Assign(a) => out += &format!("    {} = {}\n", a.var.value, expr(&a.value)),
            Item::Property(_) => {}
        }
    }
    exits.sort();
    out.extend(exits);
    out
}

fn properties<'a>(props: impl Iterator<Item = &'a ast::Property>, indent: &str) -> String {
    let mut merged: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in props {
        merged
            .entry(&p.key.value)
            .or_default()
            .extend(p.values.iter().map(|v| value(&v.value)));
    }
    merged
        .iter()
        .map(|(key, values)| format!("{indent}{key} {}\n", values.join(", ")))
        .collect()
}

fn value(v: &Value) -> String {
    match v {
        Value::Word(w) | Value::Str(w) => format!("{w:?}"),
        Value::Localized(texts) => {
            let texts: Vec<String> = texts
                .iter()
                .map(|(lang, text)| format!("{}={:?}", lang.value, text.value))
                .collect();
            format!("{{{}}}", texts.join(" "))
        }
        other => format!("{other:?}"),
    }
}

fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Not(inner) => format!("(not {})", expr(inner)),
        ExprKind::Binary(op, a, b) => format!("({} {} {})", expr(a), op.symbol(), expr(b)),
        other => format!("{other:?}"),
    }
}
