//! Conditions on an agent's declared result (E015): a variable that only
//! `ai` nodes with `result` fields set holds one of those results, so
//! `when agent.intent == "sales"` against `result intent "billing",
//! "human"` can never be true, and `agent.mood` names no field.
//!
//! Linear: one pass over the nodes for the shapes, one over the branches'
//! conditions (an expression's depth is bounded by the parser).

use std::collections::HashMap;

use super::super::SourceMap;
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{BinOp, Expr, FieldShape, Graph, NodeKind, ResultField};
use crate::source::Span;

/// What is known of a variable's result: the declared fields, or nothing
/// (something else sets it too, or two agents declare different shapes).
type Shapes<'g> = HashMap<&'g str, Option<&'g [ResultField]>>;

pub(super) fn declared_results(graph: &Graph, map: &SourceMap, out: &mut Vec<Diagnostic>) {
    let shapes = shapes(graph, map);
    if shapes.values().all(Option::is_none) {
        return;
    }
    for (n, node) in graph.nodes.iter().enumerate() {
        let NodeKind::Branch { arms, .. } = &node.kind else {
            continue;
        };
        let spans = map.nodes.get(n);
        for (i, arm) in arms.iter().enumerate() {
            let span = spans
                .and_then(|s| s.exits.get(i))
                .copied()
                .or_else(|| spans.map(|s| s.name))
                .unwrap_or_default();
            check(&arm.when, &shapes, span, out);
        }
    }
}

fn shapes<'g>(graph: &'g Graph, map: &SourceMap) -> Shapes<'g> {
    let mut shapes: Shapes<'g> = HashMap::new();
    for (n, spans) in map.nodes.iter().enumerate() {
        let Some(node) = graph.nodes.get(n) else {
            continue;
        };
        for write in &spans.writes {
            let declared = match &node.kind {
                NodeKind::Ai {
                    into: Some(into),
                    result,
                    ..
                } if *into == write.var && !result.is_empty() => Some(result.as_slice()),
                _ => None,
            };
            let Some(var) = graph.vars.iter().find(|v| v.name == write.var) else {
                continue;
            };
            // A default value is not an agent's result.
            let declared = declared.filter(|_| var.default.is_none());
            shapes
                .entry(var.name.as_str())
                .and_modify(|known| {
                    if *known != declared {
                        *known = None;
                    }
                })
                .or_insert(declared);
        }
    }
    shapes
}

fn check(expr: &Expr, shapes: &Shapes, span: Span, out: &mut Vec<Diagnostic>) {
    match expr {
        Expr::Lit(_) => {}
        Expr::Path(path) => {
            field_of(path, shapes, span, out);
        }
        Expr::Not(inner) => check(inner, shapes, span, out),
        Expr::Binary(op, a, b) => {
            let compared = match (a.as_ref(), b.as_ref()) {
                (Expr::Path(path), Expr::Lit(serde_json::Value::String(text)))
                | (Expr::Lit(serde_json::Value::String(text)), Expr::Path(path))
                    if matches!(op, BinOp::Eq | BinOp::Ne) =>
                {
                    Some((path, text))
                }
                _ => None,
            };
            let Some((path, text)) = compared else {
                check(a, shapes, span, out);
                check(b, shapes, span, out);
                return;
            };
            let Some(field) = field_of(path, shapes, span, out) else {
                return;
            };
            if let FieldShape::OneOf(allowed) = &field.shape
                && path.len() == 2
                && !allowed.contains(text)
            {
                let always = if *op == BinOp::Eq { "never" } else { "always" };
                out.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "`{}` is never {text:?}: the agent's result declares {}",
                            path.join("."),
                            field.shape.describe()
                        ),
                    )
                    .label(span, format!("{always} true"))
                    .help(format!(
                        "compare with one of {}, or add {text:?} to `result {}`",
                        field.shape.describe(),
                        field.name
                    )),
                );
            }
        }
    }
}

/// The declared field a path reads (`agent.intent…`), reporting a field the
/// result does not declare. None when nothing is known.
fn field_of<'g>(
    path: &[String],
    shapes: &Shapes<'g>,
    span: Span,
    out: &mut Vec<Diagnostic>,
) -> Option<&'g ResultField> {
    let [var, name, ..] = path else {
        return None;
    };
    let fields = (*shapes.get(var.as_str())?)?;
    let field = fields.iter().find(|f| f.name == *name);
    if field.is_none() {
        let declared: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
        out.push(
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "`{var}` has no field `{name}`: the agent's result declares {}",
                    declared.join(", ")
                ),
            )
            .label(span, "read here")
            .help(format!(
                "declare it on the `ai` node: `result {name} string`"
            )),
        );
    }
    field
}
