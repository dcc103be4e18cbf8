//! Which variables hold what a caller keyed or said, unchecked: the `into` of
//! a `gather` without a `pattern`, and every variable a `set` computes from
//! one. A `menu`'s `into` is not: it holds only what matched a choice. A phone number or SIP address built from them is
//! whatever the caller typed (W034 where it cannot be normalised).

use std::collections::HashSet;

use crate::syntax::ast::{self, ExprKind, Item, Value};

pub(super) fn of(unit: &ast::Unit) -> HashSet<String> {
    let mut input = HashSet::new();
    for node in &unit.nodes {
        if node.kind.value != "gather" {
            continue;
        }
        let property = |key: &str| {
            node.items.iter().find_map(|i| match i {
                Item::Property(p) if p.key.value == key => Some(p),
                _ => None,
            })
        };
        // A pattern is the author's own check of the input.
        if property("pattern").is_some() {
            continue;
        }
        if let Some(into) = property("into")
            && let Some(v) = into.values.first()
            && let Value::Str(name) | Value::Word(name) = &v.value
        {
            input.insert(name.clone());
        }
    }
    // `set`s computing from input: to a fixed point (each round adds a
    // variable or ends, so at most one round per variable).
    let assigns: Vec<&ast::Assign> = unit
        .nodes
        .iter()
        .filter(|n| n.kind.value == "set")
        .flat_map(|n| &n.items)
        .filter_map(|i| match i {
            Item::Assign(a) => Some(a),
            _ => None,
        })
        .collect();
    loop {
        let before = input.len();
        for a in &assigns {
            if !input.contains(&a.var.value) && reads_any(&a.value, &input) {
                input.insert(a.var.value.clone());
            }
        }
        if input.len() == before {
            return input;
        }
    }
}

fn reads_any(e: &ast::Expr, vars: &HashSet<String>) -> bool {
    match &e.kind {
        ExprKind::Path(path) => path.first().is_some_and(|root| vars.contains(root)),
        ExprKind::Not(inner) => reads_any(inner, vars),
        ExprKind::Binary(_, a, b) => reads_any(a, vars) || reads_any(b, vars),
        ExprKind::Str(_)
        | ExprKind::Number(_)
        | ExprKind::Duration(_)
        | ExprKind::Bool(_)
        | ExprKind::Null => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Syntax;

    fn input_of(src: &str) -> Vec<String> {
        let file = crate::syntax::parse(src, Syntax::Ivr).expect("parses");
        let mut v: Vec<String> = of(&file.units[0]).into_iter().collect();
        v.sort();
        v
    }

    #[test]
    fn gathered_values_and_what_is_computed_from_them() {
        let src = r#"flow f {
  gather ask { into number }
  gather pin { into code; pattern "[0-9]{4}" }
  menu ext { into chosen; "1000-1019" -> x }
  set copy { full = number; other = "x" }
  set again { twice = full }
}"#;
        assert_eq!(input_of(src), vec!["full", "number", "twice"]);
    }
}
