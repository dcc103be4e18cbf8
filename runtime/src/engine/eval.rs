//! Evaluating `branch` conditions and `set` values over a call's variables.
//!
//! The checker has already typed every expression, so evaluation does no
//! coercion: a `digits` value is a string (`"007"` is not `7`), numbers compare
//! as numbers, strings as strings, and a comparison between anything else is
//! false. Evaluation never fails loudly: a missing variable or field reads as
//! `null`, an operator given the wrong kinds of values gives `null` (or `false`
//! for comparisons), and a condition is met only by `true`.

use std::cmp::Ordering;

use ivr_compiler::graph::{BinOp, Expr};
use serde_json::{Number, Value};

use super::{AnsweredBy, CallState, Direction};

/// The value of `expr` for this call.
pub fn eval(expr: &Expr, state: &CallState) -> Value {
    match expr {
        Expr::Lit(value) => value.clone(),
        Expr::Path(path) => lookup(path, state),
        Expr::Not(inner) => Value::Bool(!truthy(&eval(inner, state))),
        Expr::Binary(op, left, right) => binary(*op, left, right, state),
    }
}

/// Is `expr` true for this call? Only the boolean `true` is.
pub fn test(expr: &Expr, state: &CallState) -> bool {
    truthy(&eval(expr, state))
}

/// Only `true` is true: an unset variable or a JSON field holding `"yes"`
/// must not open a branch by accident.
pub fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
}

/// A value as a person would read it: strings as they are, numbers and
/// booleans as written, `null` as nothing, lists and objects as JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Read a path: a variable (`order.items.0.name`) or a built-in (`call.from`,
/// `call.to`, `call.direction`, `call.sid`, `call.answered_by`, `language`).
/// Missing → `null`.
pub fn lookup(path: &[String], state: &CallState) -> Value {
    let Some((root, rest)) = path.split_first() else {
        return Value::Null;
    };
    match root.as_str() {
        "call" => match rest {
            [] => serde_json::json!({
                "from": state.caller.from,
                "to": state.caller.to,
                "direction": direction(state.caller.direction),
                "sid": state.call_id,
                "answered_by": answered_by(state),
            }),
            [field] => match field.as_str() {
                "from" => Value::String(state.caller.from.clone()),
                "to" => Value::String(state.caller.to.clone()),
                "direction" => Value::String(direction(state.caller.direction).into()),
                "sid" => Value::String(state.call_id.clone()),
                "answered_by" => Value::String(answered_by(state).into()),
                _ => Value::Null,
            },
            _ => Value::Null,
        },
        "language" if rest.is_empty() => Value::String(state.language.clone()),
        "language" => Value::Null,
        var => match state.vars.get(var) {
            Some(value) => walk(value, rest).cloned().unwrap_or(Value::Null),
            None => Value::Null,
        },
    }
}

/// `unknown` unless the provider told us (a placed call with detection on).
fn answered_by(state: &CallState) -> &'static str {
    state
        .caller
        .answered_by
        .unwrap_or(AnsweredBy::Unknown)
        .as_str()
}

fn direction(direction: Direction) -> &'static str {
    match direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

/// Follow `.field` and `.0` steps into a JSON value.
fn walk<'v>(mut value: &'v Value, steps: &[String]) -> Option<&'v Value> {
    for step in steps {
        value = match value {
            Value::Object(map) => map.get(step)?,
            Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

fn binary(op: BinOp, left: &Expr, right: &Expr, state: &CallState) -> Value {
    // `and`/`or` short-circuit so a guard like `order != null and order.ok`
    // reads the second half only when it matters.
    match op {
        BinOp::And => Value::Bool(test(left, state) && test(right, state)),
        BinOp::Or => Value::Bool(test(left, state) || test(right, state)),
        _ => strict(op, &eval(left, state), &eval(right, state)),
    }
}

/// The operators that need both values.
fn strict(op: BinOp, a: &Value, b: &Value) -> Value {
    let ordered = |want: &[Ordering]| Value::Bool(order(a, b).is_some_and(|o| want.contains(&o)));
    match op {
        BinOp::Eq => Value::Bool(equal(a, b)),
        BinOp::Ne => Value::Bool(!equal(a, b)),
        BinOp::Lt => ordered(&[Ordering::Less]),
        BinOp::Le => ordered(&[Ordering::Less, Ordering::Equal]),
        BinOp::Gt => ordered(&[Ordering::Greater]),
        BinOp::Ge => ordered(&[Ordering::Greater, Ordering::Equal]),
        BinOp::Contains => Value::Bool(contains(a, b)),
        BinOp::Matches => Value::Bool(regex_matches(a, b)),
        BinOp::Add => arithmetic(a, b, i64::checked_add, |x, y| x + y),
        BinOp::Sub => arithmetic(a, b, i64::checked_sub, |x, y| x - y),
        BinOp::And | BinOp::Or => Value::Null,
    }
}

/// JSON equality, except that `1` equals `1.0` (a JSON body may say either).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Numbers by value, strings by code point; any other pair has no order.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Substring of a string, element of a list, or key of an object.
fn contains(haystack: &Value, needle: &Value) -> bool {
    match (haystack, needle) {
        (Value::String(s), Value::String(n)) => s.contains(n.as_str()),
        (Value::Array(items), n) => items.iter().any(|item| equal(item, n)),
        (Value::Object(map), Value::String(key)) => map.contains_key(key),
        _ => false,
    }
}

/// `text matches "re"`: the regex is searched for anywhere in the text (write
/// `^…$` to match all of it). A pattern that does not compile matches nothing.
fn regex_matches(text: &Value, pattern: &Value) -> bool {
    match (text, pattern) {
        (Value::String(text), Value::String(pattern)) => {
            compile(pattern).is_some_and(|re| re.is_match(text))
        }
        _ => false,
    }
}

/// Compile an author's regex with a size cap, so a pathological pattern is a
/// no-match rather than a stalled call.
pub(crate) fn compile(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .ok()
}

/// `+`/`-` on numbers: exact for integers, floating point otherwise; anything
/// else (or an overflow to a non-finite float) is `null`.
fn arithmetic(
    a: &Value,
    b: &Value,
    int: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> Value {
    let (Value::Number(x), Value::Number(y)) = (a, b) else {
        return Value::Null;
    };
    if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64())
        && let Some(sum) = int(x, y)
    {
        return Value::from(sum);
    }
    match (x.as_f64(), y.as_f64()) {
        (Some(x), Some(y)) => Number::from_f64(float(x, y)).map_or(Value::Null, Value::Number),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::state_with;
    use serde_json::json;

    fn path(p: &str) -> Expr {
        Expr::Path(p.split('.').map(String::from).collect())
    }
    fn lit(v: Value) -> Expr {
        Expr::Lit(v)
    }
    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Binary(op, Box::new(a), Box::new(b))
    }

    #[test]
    fn reads_builtins() {
        let state = state_with(json!({}));
        assert_eq!(eval(&path("call.from"), &state), json!("+919811111111"));
        assert_eq!(eval(&path("call.to"), &state), json!("+912222222222"));
        assert_eq!(eval(&path("call.direction"), &state), json!("inbound"));
        assert_eq!(eval(&path("call.sid"), &state), json!("CA1"));
        assert_eq!(eval(&path("language"), &state), json!("en-IN"));
        assert_eq!(eval(&path("call.nope"), &state), Value::Null);
        assert_eq!(eval(&path("call.from.x"), &state), Value::Null);
    }

    #[test]
    fn reads_json_paths_with_fields_and_indexes() {
        let state = state_with(json!({
            "order": {"status": "shipped", "items": [{"name": "lamp"}, {"name": "rug"}]}
        }));
        assert_eq!(eval(&path("order.status"), &state), json!("shipped"));
        assert_eq!(eval(&path("order.items.1.name"), &state), json!("rug"));
        assert_eq!(eval(&path("order.items.9.name"), &state), Value::Null);
        assert_eq!(eval(&path("order.items.x"), &state), Value::Null);
        assert_eq!(eval(&path("order.status.deeper"), &state), Value::Null);
        assert_eq!(eval(&path("missing.anything"), &state), Value::Null);
    }

    #[test]
    fn digits_are_strings_not_numbers() {
        let state = state_with(json!({"pin": "007"}));
        assert!(test(
            &bin(BinOp::Eq, path("pin"), lit(json!("007"))),
            &state
        ));
        assert!(!test(&bin(BinOp::Eq, path("pin"), lit(json!(7))), &state));
        // No order between a string and a number, in either direction.
        assert!(!test(&bin(BinOp::Lt, path("pin"), lit(json!(8))), &state));
        assert!(!test(&bin(BinOp::Ge, path("pin"), lit(json!(8))), &state));
    }

    #[test]
    fn compares_numbers_by_value_and_strings_by_text() {
        let state = state_with(json!({"n": 3, "f": 3.0, "s": "b"}));
        assert!(test(&bin(BinOp::Eq, path("n"), path("f")), &state));
        assert!(test(&bin(BinOp::Lt, path("n"), lit(json!(10))), &state));
        assert!(test(&bin(BinOp::Le, path("n"), lit(json!(3))), &state));
        assert!(test(&bin(BinOp::Gt, path("s"), lit(json!("a"))), &state));
        assert!(!test(&bin(BinOp::Gt, path("s"), lit(json!("c"))), &state));
        assert!(test(&bin(BinOp::Ne, path("s"), lit(json!("c"))), &state));
        assert!(!test(&bin(BinOp::Lt, path("unset"), lit(json!(1))), &state));
    }

    #[test]
    fn contains_matches_and_logic() {
        let state = state_with(json!({"s": "refund please", "tags": ["vip", 2], "o": {"k": 1}}));
        assert!(test(
            &bin(BinOp::Contains, path("s"), lit(json!("refund"))),
            &state
        ));
        assert!(test(
            &bin(BinOp::Contains, path("tags"), lit(json!("vip"))),
            &state
        ));
        assert!(test(
            &bin(BinOp::Contains, path("tags"), lit(json!(2.0))),
            &state
        ));
        assert!(test(
            &bin(BinOp::Contains, path("o"), lit(json!("k"))),
            &state
        ));
        assert!(!test(
            &bin(BinOp::Contains, path("unset"), lit(json!("k"))),
            &state
        ));
        assert!(test(
            &bin(BinOp::Matches, path("s"), lit(json!("^ref.*e$"))),
            &state
        ));
        assert!(test(
            &bin(BinOp::Matches, path("s"), lit(json!("fund"))),
            &state
        ));
        assert!(!test(
            &bin(BinOp::Matches, path("s"), lit(json!("(unclosed"))),
            &state
        ));
        assert!(!test(
            &bin(BinOp::Matches, path("tags"), lit(json!("vip"))),
            &state
        ));
        let yes = lit(json!(true));
        let no = lit(json!(false));
        assert!(test(&bin(BinOp::Or, no.clone(), yes.clone()), &state));
        assert!(!test(&bin(BinOp::And, yes.clone(), no.clone()), &state));
        assert!(test(&Expr::Not(Box::new(no)), &state));
        assert!(test(&Expr::Not(Box::new(path("unset"))), &state));
        // A string is not true, however it reads.
        assert!(!test(&lit(json!("true")), &state));
    }

    #[test]
    fn arithmetic_on_numbers_only() {
        let state = state_with(json!({"n": 2, "s": "2"}));
        assert_eq!(
            eval(&bin(BinOp::Add, path("n"), lit(json!(1))), &state),
            json!(3)
        );
        assert_eq!(
            eval(&bin(BinOp::Sub, path("n"), lit(json!(0.5))), &state),
            json!(1.5)
        );
        assert_eq!(
            eval(&bin(BinOp::Add, path("s"), lit(json!(1))), &state),
            Value::Null
        );
        assert_eq!(
            eval(
                &bin(BinOp::Add, lit(json!(i64::MAX)), lit(json!(1))),
                &state
            ),
            json!(i64::MAX as f64 + 1.0)
        );
    }
}
